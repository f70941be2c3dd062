"""The related-article model: TF-IDF text similarity and latent topics (LSA), blended with
rarity-weighted tag overlap.

One class, :class:`RelatedArticles`, is shared by the training job (fit and save), the service
(load and answer) and the evaluation (ask the same questions). It follows scikit-learn's estimator
conventions: parameters in ``__init__``, ``fit`` returns ``self``, learned state ends in ``_``.
"""
from __future__ import annotations

import hashlib
import json
import math
import sys
import time
import unicodedata
from array import array
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError

from .latent import fit_topics, levels as topic_levels, project
from .neighbours import (Corpus, approximate, blend, brief_of, brief_pairs, candidate_search, merge_groups, same_title_pairs,
                         score_rows, text_score, title_key, top_k, topic_gain, topic_part)
from .schema import Article, date_to_days, end_of_days, parse_article, parse_date
from .store import ArticleStoreBuilder, SortedIndex, string_array
from .tags import normalise_synonyms, normalise_tags
from .text import Tokenizer, count_known, count_terms, idf_weights, weigh

# Every setting in one table: name -> (default, help). The README documents the same names.
PARAMETERS: dict[str, tuple[Any, str]] = {
    "tag_weight": (0.0, "w in (1 - w) * text + w * tags, for pairs where both articles have tags; measure yours with --tune"),
    "title_weight": (3.0, "how many times a title term counts against a subtitle or body term"),
    "ngram_range": ((1, 1), "word n-grams used as terms: (1, 2) is words and pairs of words, (1, 1) words only"),
    "min_df": (2, "drop terms in fewer documents (int: count, float: share of the corpus); 2 drops a word found in one article only, which links no two of them; 1 keeps it, so a follow-up posted before the next retraining can match the one article that named it, and a corpus of a few hundred articles may read better with it (measure yours)"),
    "max_df": (1.0, "drop terms in more documents (int: count, float: share of the corpus)"),
    "stop_words": ("english", "scikit-learn's English stop-word list, a list of your own (on the command line a file, one word a line), or None (none on the command line) to keep every word; words are compared as the analysis reads them (lower case, Latin accents folded)"),
    "stemmer": ("english", "Snowball stemmer language (PyStemmer's names, e.g. 'english', 'german'), or None (none on the command line) to keep words as written"),
    "sublinear_tf": (True, "use 1 + log(tf) instead of raw term counts"),
    "topic_weight": (0.5, "λ in (1 - λ) * c + λ * t * c ** γ, the text part of the score, c the tf-idf cosine and t the topic cosine (0: words alone)"),
    "topic_gate": (0.1, "γ in the text part: topics count in proportion to c ** γ, so a pair that shares few words gains less from topics (0: fully, whatever the words; above 0, a pair with no word in common scores 0)"),
    "topic_dims": ((20, 50), "latent topics (LSA: truncated SVD of the tf-idf matrix); several, e.g. (20, 50, 100), read the topics at each resolution and average the cosines"),
    "tag_synonyms": (None, "mapping alias -> tag applied after normalisation, e.g. {'artificial intelligence': 'ai'}"),
    "n_candidates": (50, "candidates precomputed per article (more than k, so filters have room)"),
    "duplicate_threshold": (0.8, "text cosine at or above which two articles are the same story"),
    "headline_threshold": (0.6, "text cosine at or above which two articles under the same headline (its words, case and punctuation aside) are the same story: a wire story re-sent cut to half its length keeps its headline and about 0.6-0.75 of its cosine"),
    "brief_threshold": (0.4, "text cosine at or above which a brief and a story published within a day of each other are the same story, when the brief has at most half the story's distinct terms and 80% of its tf-idf weight on terms the story has (each brief joins its best story only): a wire flash and the story that follows it scored 0.4-0.75"),
    "search": ("auto", "candidate search: 'exact' (all pairs), 'approximate' (a pool found with each article's heaviest terms, rescored exactly), or 'auto' (exact up to 50,000 articles)"),
    "search_budget": (30_000, "approximate search: postings walked per article when finding the pool; each article keeps its heaviest terms that fit, the rest count only in the rescoring"),
    "search_pool": (200, "approximate search: candidates per article rescored exactly (at least n_candidates)"),
    "search_rounds": (2, "approximate search: rounds that add each article's neighbours' neighbours to its list, rescored exactly"),
    "n_jobs": (1, "worker processes for the candidate search (-1: all cores)"),
    "memory_mb": (256, "memory budget of one worker's dense score block, in MiB"),
    "verbose": (False, "print progress to stderr while fitting"),
}

#: The shortest half-life a list takes: shorter ones send every older item's score to 0.
MIN_HALF_LIFE_DAYS = 0.01

#: Values of the ``search`` parameter; "auto" searches exactly up to this many articles.
SEARCHES = ("auto", "exact", "approximate")
EXACT_UP_TO = 50_000

#: A corpus whose median article keeps fewer indexed words than this is warned of: so few words
#: cannot tell stories on different subjects apart (a handful of articles at ``min_df`` 2, say).
FEW_WORDS = 5

#: Fields of an article kept in the model and returned by the service (the body is not kept).
METADATA_FIELDS = ("id", "title", "subtitle", "url", "published_at", "section", "language", "tags", "labels")


class UnknownArticleError(KeyError):
    """The article id is not in the model."""

    def __init__(self, article_id: str):
        super().__init__(article_id)
        self.article_id = article_id

    def __str__(self) -> str:
        return f"unknown article id: {self.article_id!r}"


class DuplicateIdError(ValueError):
    """The corpus holds the same id more than once; ``ids`` lists them."""

    def __init__(self, ids: list[str]):
        shown = ", ".join(ids[:20]) + (f" and {len(ids) - 20} more" if len(ids) > 20 else "")
        super().__init__(f"{len(ids):,} duplicate article id{'s' if len(ids) > 1 else ''}: {shown}")
        self.ids = ids


@dataclass(frozen=True)
class Recommendation:
    """One item of a "like this" list. ``why`` is filled only when an explanation was asked for."""

    id: str
    score: float
    why: dict[str, Any] | None = None


@dataclass(frozen=True)
class Filters:
    """What the caller wants left out or preferred; the defaults filter nothing."""

    exclude: frozenset[str] = frozenset()
    section: str | None = None
    since: str | None = None
    until: str | None = None
    min_score: float = 0.0
    half_life_days: float | None = None


class RelatedArticles:
    """Recommend related articles from text (TF-IDF) and tags (rarity-weighted overlap).

    Parameters are listed with their defaults and meaning in :data:`PARAMETERS`.

    Learned attributes: ``terms_`` (sorted vocabulary), ``idf_``, ``text_matrix_`` (articles × terms,
    l2-normalised), ``text_index_`` (its transpose), ``tag_keys_`` (sorted normalised tags),
    ``term_words_`` (each term as the word it most often stands for, ``senate`` for ``senat``),
    ``tag_names_`` (their most common spelling), ``tag_idf_``, ``tag_matrix_``, ``tag_index_``,
    ``tagged_``, ``candidates_`` and ``candidate_scores_`` (each article's best ``n_candidates``),
    ``duplicate_group_``, ``published_days_``, ``section_codes_``, ``sections_``, ``ids_`` and
    ``articles_`` (the metadata store).
    """

    def __init__(
        self,
        *,
        tag_weight: float = 0.0,
        title_weight: float = 3.0,
        ngram_range: tuple[int, int] = (1, 1),
        min_df: float = 2,
        max_df: float = 1.0,
        stop_words: str | None = "english",
        stemmer: str | None = "english",
        sublinear_tf: bool = True,
        topic_weight: float = 0.5,
        topic_gate: float = 0.1,
        topic_dims: int | tuple[int, ...] = (20, 50),
        tag_synonyms: Mapping[str, str] | None = None,
        n_candidates: int = 50,
        duplicate_threshold: float = 0.8,
        headline_threshold: float = 0.6,
        brief_threshold: float = 0.4,
        search: str = "auto",
        search_budget: float = 30_000,
        search_pool: int = 200,
        search_rounds: int = 2,
        n_jobs: int = 1,
        memory_mb: float = 256,
        verbose: bool = False,
    ):
        self.tag_weight = tag_weight
        self.title_weight = title_weight
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_df = max_df
        self.stop_words = stop_words
        self.stemmer = stemmer
        self.sublinear_tf = sublinear_tf
        self.topic_weight = topic_weight
        self.topic_gate = topic_gate
        self.topic_dims = topic_dims
        self.tag_synonyms = tag_synonyms
        self.n_candidates = n_candidates
        self.duplicate_threshold = duplicate_threshold
        self.headline_threshold = headline_threshold
        self.brief_threshold = brief_threshold
        self.search = search
        self.search_budget = search_budget
        self.search_pool = search_pool
        self.search_rounds = search_rounds
        self.n_jobs = n_jobs
        self.memory_mb = memory_mb
        self.verbose = verbose

    # ------------------------------------------------------------------ parameters and state
    def get_params(self) -> dict[str, Any]:
        """The parameters as a plain dict (JSON-friendly: tuples become lists)."""
        params = {name: getattr(self, name) for name in PARAMETERS}
        params["ngram_range"] = list(params["ngram_range"])
        if not isinstance(params["topic_dims"], (int, np.integer)):
            params["topic_dims"] = [int(d) for d in params["topic_dims"]]
        params["tag_synonyms"] = dict(params["tag_synonyms"]) if params["tag_synonyms"] else None
        return params

    def check_params(self) -> None:
        """Raise ValueError naming the first invalid setting (fit calls it; the job, before reading)."""
        for name in ("tag_weight", "title_weight", "topic_weight", "topic_gate", "duplicate_threshold", "headline_threshold",
                     "brief_threshold", "search_budget", "memory_mb"):
            value = getattr(self, name)
            if not (_real(value) and math.isfinite(value)):
                raise ValueError(f"{name} must be a finite number, got {value!r}")
        for name in ("n_candidates", "search_pool", "search_rounds", "n_jobs"):
            if isinstance(getattr(self, name), bool) or not isinstance(getattr(self, name), (int, np.integer)):
                raise ValueError(f"{name} must be a whole number, got {getattr(self, name)!r}")
        for name in ("sublinear_tf", "verbose"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ValueError(f"{name} must be True or False, got {getattr(self, name)!r}")
        words = self.stop_words
        if not (words is None or words == "english"
                or not isinstance(words, (str, bytes, Mapping)) and isinstance(words, Iterable) and all(isinstance(w, str) for w in words)):
            raise ValueError(f"stop_words must be 'english', None or a list of words, got {words!r}")
        if self.tag_synonyms is not None and not isinstance(self.tag_synonyms, Mapping):
            raise ValueError(f"tag_synonyms must be a mapping of alias to tag, got {type(self.tag_synonyms).__name__}")
        if self.memory_mb <= 0:
            raise ValueError(f"memory_mb must be positive, got {self.memory_mb}")
        if not 0.0 <= float(self.tag_weight) <= 1.0:
            raise ValueError(f"tag_weight must be between 0 and 1, got {self.tag_weight}")
        if not 0.0 <= float(self.topic_weight) <= 1.0:
            raise ValueError(f"topic_weight must be between 0 and 1, got {self.topic_weight}")
        if not 0.0 <= float(self.topic_gate) <= 1.0:
            raise ValueError(f"topic_gate must be between 0 and 1, got {self.topic_gate}")
        if isinstance(self.topic_dims, (int, np.integer)):
            dims_ok = self.topic_dims >= 0
        else:
            dims_ok = len(self.topic_dims) > 0 and all(int(d) >= 1 for d in self.topic_dims)
        if not dims_ok:
            raise ValueError(f"topic_dims must be 0 or more, or a list of numbers of 1 or more, got {self.topic_dims}")
        for name in ("min_df", "max_df"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
                raise ValueError(f"{name} must be a count of documents (a whole number) or a share of the corpus, got {value!r}")
            if isinstance(value, (int, np.integer)) and value < 1 or not isinstance(value, (int, np.integer)) and not 0.0 < value <= 1.0:
                raise ValueError(f"{name} must be a count of documents of 1 or more, or a share of the corpus in (0, 1], got {value}")
        if isinstance(self.max_df, (int, np.integer)) and self.max_df < 2:
            raise ValueError("max_df 1, a count, keeps only words found in a single article, so no two articles would share "
                             "a word; for no limit write 1.0, the share of every article")
        if self.title_weight <= 0:
            raise ValueError(f"title_weight must be positive, got {self.title_weight}")
        if int(self.n_candidates) < 1:
            raise ValueError(f"n_candidates must be at least 1, got {self.n_candidates}")
        for name in ("duplicate_threshold", "headline_threshold", "brief_threshold"):
            if not 0.0 < float(getattr(self, name)) <= 1.0:
                raise ValueError(f"{name} must be in (0, 1], got {getattr(self, name)}")
        if self.search not in SEARCHES:
            raise ValueError(f"search must be one of {', '.join(SEARCHES)}, got {self.search!r}")
        if float(self.search_budget) <= 0 or int(self.search_pool) < 1:
            raise ValueError("search_budget and search_pool must be positive")
        if int(self.search_rounds) < 0:
            raise ValueError(f"search_rounds must be 0 or more, got {self.search_rounds}")
        if int(self.n_jobs) == 0 or int(self.n_jobs) < -1:
            raise ValueError(f"n_jobs must be a number of processes (1 or more) or -1 for all cores, got {self.n_jobs}")
        self._tokenizer()  # refuses n-grams, a stop list or a stemmer it cannot use

    def _check_fitted(self) -> None:
        if not hasattr(self, "candidates_"):
            raise NotFittedError("this RelatedArticles model is not fitted yet: call fit(articles) or load one")

    def any_list(self) -> bool:
        """Whether any article's list would hold something: a candidate that is not of its own
        near-duplicate group (the lists leave those out). Read in blocks, so it stops at the first."""
        groups = self.duplicate_group_
        for start in range(0, len(groups), 65536):
            rows = slice(start, start + 65536)
            found = self.candidates_[rows] >= 0
            if (found & (groups[np.where(found, self.candidates_[rows], 0)] != groups[rows, None])).any():
                return True
        return False

    def near_duplicates(self) -> int:
        """How many articles are grouped with an earlier one as the same story."""
        return int(len(self.duplicate_group_) - len(np.unique(self.duplicate_group_)))

    def wordless(self) -> int:
        """How many articles of the corpus have no word the model indexes."""
        return int((np.diff(self.text_matrix_.indptr) == 0).sum())

    def fit_warnings(self) -> list[str]:
        """What :meth:`fit` warns of at its end (with ``verbose``): articles with no indexed word,
        and a corpus whose median article keeps fewer than :data:`FEW_WORDS` of them."""
        said = []
        if self.wordless():
            said.append(f"warning: articles with no word the model indexes: {self.wordless():,} (only stop words, one-letter "
                        "words, punctuation, emoji or over-long tokens, or words the cut-offs leave out: "
                        f"{self._cut_offs()}); their lists come from their tags alone, or are empty")
        median = float(np.median(np.diff(self.text_matrix_.indptr)))
        if median < FEW_WORDS:
            said.append(f"warning: the median article keeps {median:g} words the model indexes, fewer than {FEW_WORDS}: "
                        "with so few, stories on different subjects look alike, in the lists and as near-duplicates "
                        f"({self.near_duplicates():,} grouped); the cut-offs: {self._cut_offs()}")
        return said

    def _cut_offs(self) -> str:
        """The document-frequency cut-offs, as the messages about what they leave out name them."""
        low = self.min_df
        if isinstance(low, (int, np.integer)):
            low_said = "" if low == 1 else f": a word must be in at least {low} articles, --min-df 1 keeps every word"
        else:
            low_said = f": a word must be in at least a share {low} of the articles"
        return f"min_df {low}{low_said}; max_df {self.max_df}"

    def _log(self, message: str) -> None:
        if self.verbose:
            print(message, file=sys.stderr, flush=True)

    def __len__(self) -> int:
        self._check_fitted()
        return len(self.ids_.keys)

    def __contains__(self, article_id: object) -> bool:
        self._check_fitted()
        return isinstance(article_id, str) and self.ids_.get(article_id) >= 0

    # ------------------------------------------------------------------ fitting
    def fit(self, articles: Iterable[Article | Mapping[str, Any]]) -> "RelatedArticles":
        """Learn term and tag weights and precompute every article's candidates.

        ``articles`` are :class:`Article` objects or mappings in the article schema, in any iterable:
        it is read once (a generator is streamed) and per article only its id, metadata line, tag
        keys, date and section are kept; title and text go straight to the term counting. Raises
        ``ValueError`` for an empty corpus or one with no usable terms, and
        :class:`DuplicateIdError` (after reading them all) when ids occur more than once.

        Refitting starts from nothing: what an earlier fit or :func:`~recommender.artifact.load` left
        (a loaded version's ``version_``, ``manifest_`` and precomputed answers too) is dropped first,
        so a fit that fails or is interrupted leaves the model unfitted, never half one corpus and
        half another.
        """
        for name in [name for name in vars(self) if name.endswith("_") and not name.startswith("_")]:
            delattr(self, name)
        self.check_params()
        began = time.perf_counter()
        kept = _Streamed(normalise_synonyms(self.tag_synonyms))
        counts, terms, df, words = count_terms(
            kept.read(articles), self._tokenizer(), self.title_weight, self.min_df, self.max_df
        )
        n = len(kept.ids)
        if len(terms) == 0:
            raise ValueError(f"no terms left after stop words and the cut-offs ({self._cut_offs()}): the corpus is too small, "
                             "or its articles share no word the cut-offs keep")
        self.corpus_fingerprint_ = kept.fingerprint.hexdigest()
        self.terms_ = string_array(list(terms))
        # what explain shows: a stem as the word it most often stands for (the terms without a stemmer)
        self.term_words_ = self.terms_ if words is terms else string_array(list(words))
        del terms, words
        self.idf_ = idf_weights(df, n, smooth_one=True)
        self.text_matrix_ = weigh(counts, self.idf_, self.sublinear_tf)
        del counts, df
        self._log(f"vocabulary: {len(self.terms_):,} terms from {n:,} articles ({time.perf_counter() - began:.1f} s)")
        wanted = topic_levels(self.topic_dims, sys.maxsize) if float(self.topic_weight) > 0 else ()
        self.topic_axes_ = fit_topics(self.text_matrix_, wanted[-1] if wanted else 0)
        at = self._topic_levels()
        self.topics_ = project(self.text_matrix_, self.topic_axes_, at)
        if self.topic_axes_.shape[1]:
            self._log(f"topics: {self.topic_axes_.shape[1]}, read at {', '.join(map(str, at))} ({time.perf_counter() - began:.1f} s)")

        self._fit_tags(kept.tags, n)
        kept.tags = None
        self._log(f"tags: {len(self.tag_keys_):,} distinct, {int(self.tagged_.sum()):,} articles with a tag that counts "
                  "(a tag on every article weighs 0)")

        self.ids_ = SortedIndex.build(kept.ids)
        kept.ids = None
        self.published_days_ = np.frombuffer(kept.days, dtype=np.float64).copy()
        sections = list(kept.sections)  # distinct sections in first-seen order
        self.sections_ = string_array(sorted(sections))
        rank = SortedIndex(self.sections_).positions(sections).astype(np.int32)
        self.section_codes_ = rank[np.frombuffer(kept.section_codes, dtype=np.int32)]
        self.articles_ = kept.store.finish()
        headlines = np.frombuffer(kept.title_keys, dtype=np.int64).copy()
        del kept
        self.text_index_ = self.text_matrix_.T.tocsr()
        self.tag_index_ = self.tag_matrix_.T.tocsr()
        self.search_ = "approximate" if self.search == "approximate" or (self.search == "auto" and n > EXACT_UP_TO) else "exact"
        pruned = None
        if self.search_ == "approximate":
            pruned = approximate(self._corpus(), float(self.search_budget), max(int(self.search_pool), int(self.n_candidates)))
        rounds = f", {int(self.search_rounds)} refinement rounds as the last steps" if self.search_ == "approximate" else ""
        self._log(f"candidate search: {self.search_}{rounds}")
        self.candidates_, self.candidate_scores_, self.duplicate_group_ = candidate_search(
            self._corpus(),
            int(self.n_candidates),
            float(self.duplicate_threshold),
            n_jobs=self.n_jobs,
            memory_mb=self.memory_mb,
            approximate_with=pruned,
            refine_rounds=int(self.search_rounds),
            progress=self._log_blocks if self.verbose else None,
        )
        same_headline = same_title_pairs(headlines, self.text_matrix_, self.candidates_, float(self.headline_threshold))
        briefs = brief_pairs(self.text_matrix_, self.published_days_, self.candidates_, float(self.brief_threshold))
        self.duplicate_group_ = merge_groups(self.duplicate_group_, np.concatenate([same_headline, briefs]))
        self._log(f"fitted {n:,} articles in {time.perf_counter() - began:.1f} s; {self.near_duplicates():,} near-duplicates grouped")
        for warning in self.fit_warnings():
            self._log(warning)
        return self

    def _log_blocks(self, done: int, total: int, elapsed: float) -> None:
        left = elapsed / done * (total - done)
        self._log(f"candidates: step {done}/{total} done, {elapsed:.1f} s elapsed, about {left:.0f} s left")

    def _fit_tags(self, tags: "_TagKeys", n: int) -> None:
        """Tag keys, display names, idf and the weighted tag matrix of the ``n`` articles whose
        tags ``tags`` collected while the corpus was read."""
        keys = list(tags.spellings)  # local key ids are positions in this first-seen order
        self.tag_keys_ = string_array(sorted(keys))
        # the display name is the most common spelling, ties to the alphabetically first
        self.tag_names_ = string_array(
            [min(tags.spellings[k].items(), key=lambda kv: (-kv[1], kv[0]))[0] for k in self.tag_keys_.tolist()]
        )
        binary = tags.matrix(SortedIndex(self.tag_keys_).positions(keys), len(keys))
        df = np.bincount(binary.indices, minlength=binary.shape[1])
        self.tag_idf_ = idf_weights(df, n, smooth_one=False)
        self.tag_matrix_ = weigh(binary, self.tag_idf_, sublinear_tf=False)
        self.tagged_ = np.diff(self.tag_matrix_.indptr) > 0

    def _tag_counts(self, keyed: list[list[str]]) -> sp.csr_matrix:
        """Binary articles × tags matrix of unseen articles' tag keys (keys not in the model dropped)."""
        bounds = np.zeros(len(keyed) + 1, dtype=np.int64)
        np.cumsum([len(keys) for keys in keyed], out=bounds[1:])
        columns = SortedIndex(self.tag_keys_).positions([key for keys in keyed for key in keys])
        return binary_rows(bounds, columns, len(self.tag_keys_))

    def _tokenizer(self) -> Tokenizer:
        return Tokenizer(self.ngram_range, self.stop_words, self.stemmer)

    def _corpus(self) -> Corpus:
        return Corpus(
            self.text_matrix_, self.text_index_, self.tag_matrix_, self.tag_index_, self.tagged_, float(self.tag_weight),
            self.topics_, float(self.topic_weight), float(self.topic_gate),
        )

    # ------------------------------------------------------------------ vectors for unseen articles
    def transform(self, articles: Iterable[Article]) -> tuple[sp.csr_matrix, sp.csr_matrix, np.ndarray, np.ndarray]:
        """Text rows, tag rows, ``tagged`` flags and topic coordinates of articles, with the fitted
        vocabulary and topics."""
        self._check_fitted()
        docs = list(articles)
        counts = count_known(
            ((a.title, f"{a.subtitle}\n{a.body}") for a in docs),
            self._tokenizer(),
            self.title_weight,
            SortedIndex(self.terms_).positions,
            len(self.terms_),
        )
        text = weigh(counts, self.idf_, self.sublinear_tf)
        synonyms = normalise_synonyms(self.tag_synonyms)
        tags = weigh(self._tag_counts([normalise_tags(a.tags, synonyms) for a in docs]), self.tag_idf_, False)
        return text, tags, np.diff(tags.indptr) > 0, project(text, self.topic_axes_, self._topic_levels())

    def _topic_levels(self) -> tuple[int, ...]:
        """The resolutions the topic coordinates are read at (see :mod:`recommender.latent`)."""
        return topic_levels(self.topic_dims, self.topic_axes_.shape[1])

    # ------------------------------------------------------------------ questions
    def index_of(self, article_id: str) -> int:
        """Row of an article id; raises :class:`UnknownArticleError`."""
        self._check_fitted()
        i = self.ids_.get(article_id) if isinstance(article_id, str) else -1
        if i < 0:
            raise UnknownArticleError(article_id)
        return i

    def article(self, article_id: str) -> dict[str, Any]:
        """Stored metadata of an article (everything but the body)."""
        return self.articles_.get(self.index_of(article_id))

    def article_at(self, i: int) -> dict[str, Any]:
        """The stored fields of the article at row ``i`` (0 to ``len(model) - 1``, as :meth:`index_of` gives)."""
        self._check_fitted()
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= i < len(self):
            raise IndexError(f"article row {i!r} is not one of 0 to {len(self) - 1}")
        return self.articles_.get(int(i))

    def score(self, id_a: str, id_b: str) -> float:
        """The blended score of any two articles in the model (symmetric; 1 for an article itself, to float32 precision)."""
        i, j = self.index_of(id_a), self.index_of(id_b)
        corpus = self._corpus()
        text = float(self.text_matrix_[i].multiply(self.text_matrix_[j]).sum())
        if corpus.uses_topics:
            text = float(text_score(np.float32(text), self.topics_[i] @ self.topics_[j], corpus.topic_weight, corpus.topic_gate))
        tags = float(self.tag_matrix_[i].multiply(self.tag_matrix_[j]).sum())
        both = bool(self.tagged_[i] and self.tagged_[j])
        return float(blend(np.float32(text), np.float32(tags), np.bool_(both), float(self.tag_weight)))

    def related(
        self,
        article_id: str,
        k: int = 8,
        *,
        exclude: Iterable[str] = (),
        section: str | None = None,
        since: str | None = None,
        until: str | None = None,
        min_score: float = 0.0,
        half_life_days: float | None = None,
        explain: bool = False,
    ) -> list[Recommendation]:
        """The "like this" list of an article in the model, best first.

        Never the article itself; near-duplicates of it and of each other are collapsed to one.
        ``exclude`` drops ids (and their near-duplicates: an excluded story stays excluded when
        re-sent as an update); ``section`` keeps one section (case-insensitive); ``since``/``until``
        keep a window of ISO dates (inclusive; undated articles drop out); ``min_score`` drops weak
        items; ``half_life_days`` prefers recent articles by halving an item's score for every
        ``half_life_days`` it is older than the source (the score returned is the adjusted one).
        ``explain`` fills each item's ``why``. Raises :class:`UnknownArticleError` for an unknown id.
        """
        i = self.index_of(article_id)
        chosen = self.related_rows(i, _check_k(k, explain), _filters(exclude, section, since, until, min_score, half_life_days))
        return self._recommendations(chosen, self._rows(i) if explain else None)

    def related_rows(self, i: int, k: int = 8, filters: Filters = Filters()) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`related` for the article in row ``i``, as (rows, unrounded scores): for callers
        that ask for every article, such as the training job's precomputed default lists."""
        return self._rank(
            (self.candidates_[i], self.candidate_scores_[i]),
            lambda: score_rows(self._corpus(), *self._rows(i))[0],
            i,
            {int(self.duplicate_group_[i])},
            filters,
            k,
            self.published_days_[i],
        )

    def _rows(self, i: int) -> tuple[sp.csr_matrix, sp.csr_matrix, np.ndarray, np.ndarray]:
        """Text row, tag row, ``tagged`` flag and topic coordinates of the article in row ``i``
        (slicing costs: only on demand)."""
        return self.text_matrix_[i], self.tag_matrix_[i], self.tagged_[i : i + 1], self.topics_[i : i + 1]

    def _rows_of(self, rows: np.ndarray) -> tuple[sp.csr_matrix, sp.csr_matrix, np.ndarray, np.ndarray]:
        """:meth:`_rows` for several rows at once, as :func:`score_rows` takes them."""
        return self.text_matrix_[rows], self.tag_matrix_[rows], self.tagged_[rows], self.topics_[rows]

    def related_to(self, article: Article | Mapping[str, Any], k: int = 8, *, explain: bool = False, **filters: Any) -> list[Recommendation]:
        """The "like this" list of an article that is not in the model, scored with the fitted vocabulary.

        Takes the same filters as :meth:`related`. Articles in the model that are near-duplicates of
        the given one (and their groups) are left out, as for :meth:`related`. An ``id`` that is in
        the model is left out too, with its group (the stored story's own near-duplicates), as
        :meth:`related` leaves them out.
        """
        self._check_fitted()
        k, wanted = _check_k(k, explain), _filters(**filters)  # bad input fails before the work
        doc = article if isinstance(article, Article) else parse_article(article, require_id=False)
        source = self.transform([doc])
        scores, cosines = score_rows(self._corpus(), *source)
        duplicates = np.flatnonzero(cosines[0] >= self.duplicate_threshold)
        headline = title_key(doc.title)
        same = [j for j in np.flatnonzero(cosines[0] >= self.headline_threshold)
                if headline and title_key(self.articles_.get(int(j))["title"]) == headline]
        duplicates = np.union1d(duplicates, np.asarray(same, dtype=np.int64))
        duplicates = np.union1d(duplicates, self._briefs_of_posted(source[0], cosines[0], date_to_days(doc.published_at)))
        first = top_k(scores, min(len(self), max(int(self.n_candidates), 4 * k)))
        known = self.ids_.get(doc.id) if doc.id else -1
        chosen = self._rank(
            (first[0][0], first[1][0]),
            lambda: scores,
            known,
            {int(g) for g in self.duplicate_group_[duplicates]} | ({int(self.duplicate_group_[known])} if known >= 0 else set()),
            wanted,
            k,
            date_to_days(doc.published_at),
        )
        return self._recommendations(chosen, source if explain else None)

    def _briefs_of_posted(self, row: sp.csr_matrix, cosines: np.ndarray, days: float) -> np.ndarray:
        """The stored articles a posted one (its unit text ``row``, its ``cosines`` to the corpus) is
        a brief of, or that are briefs of it, as :func:`brief_pairs` groups them in :meth:`fit`: a
        posted brief with its best story only; a posted story with every brief of it."""
        terms, mine, weight = self.text_matrix_, row.indices, row.data
        near = np.flatnonzero(cosines >= self.brief_threshold)
        sizes = terms.indptr[near + 1] - terms.indptr[near]  # distinct terms of those alone, not of the corpus
        kept = brief_of(np.full(len(near), len(mine)), sizes, 1.0, 1.0, self.published_days_[near] - days)  # dates and sizes
        near, sizes = near[kept], sizes[kept]
        share_mine, share_theirs = np.zeros(len(near), np.float32), np.zeros(len(near), np.float32)
        for p, j in enumerate(near):
            theirs, their_weight = terms.indices[terms.indptr[j]:terms.indptr[j + 1]], terms.data[terms.indptr[j]:terms.indptr[j + 1]]
            share_mine[p] = np.square(weight[np.isin(mine, theirs)]).sum()
            share_theirs[p] = np.square(their_weight[np.isin(theirs, mine)]).sum()
        kept = brief_of(np.full(len(near), len(mine)), sizes, share_mine, share_theirs, self.published_days_[near] - days)
        stories = near[kept & (len(mine) <= sizes)]  # the posted one is their brief: its best story only
        briefs = near[kept & (len(mine) > sizes)]
        best_story = stories[[int(np.argmax(cosines[stories]))]] if len(stories) else stories
        return np.union1d(briefs, best_story)

    def _rank(self, first, all_scores, source: int, banned: set[int], f: Filters, k: int, source_days: float):
        """Choose from the ``first`` candidates; if filters leave fewer than ``k`` and there may be
        more, choose again from ``all_scores()`` (a 1 × n array) ranked in full."""
        chosen = self._choose(*first, source, banned, f, k, source_days)
        if len(chosen[0]) < k and first[0][-1] >= 0:
            idx, val = top_k(all_scores(), len(self))
            chosen = self._choose(idx[0], val[0], source, banned, f, k, source_days)
        return chosen

    # ------------------------------------------------------------------ selection and explanation
    def _choose(
        self, idx: np.ndarray, val: np.ndarray, source: int, banned: set[int], f: Filters, k: int, source_days: float
    ) -> tuple[np.ndarray, np.ndarray]:
        # the floor is on the score as answers show it (6 decimals): min_score 0.488192 keeps a 0.488192
        keep = (idx >= 0) & (idx != source) & (val > 0) & (np.round(val, 6) >= f.min_score)
        idx, val = idx[keep].astype(np.int64), val[keep].astype(np.float64)
        excluded = self.ids_.positions(f.exclude)
        banned = banned | {int(g) for g in self.duplicate_group_[excluded[excluded >= 0]]}
        mask = ~np.isin(self.duplicate_group_[idx], list(banned))
        if f.section is not None:
            code = SortedIndex(self.sections_).get(section_key(f.section))
            mask &= self.section_codes_[idx] == code
        days = self.published_days_[idx]
        if f.since is not None:
            mask &= days >= date_to_days(f.since)
        if f.until is not None:
            mask &= days < end_of_days(f.until)
        idx, val, days = idx[mask], val[mask], days[mask]
        if f.half_life_days and not np.isnan(source_days):
            # the age re-ranks the most similar articles only (as many as the candidates, or k):
            # it never brings in a less similar one however new, even when the whole corpus was scored
            groups = self.duplicate_group_[idx]
            _, at = np.unique(groups, return_index=True)
            pool = np.isin(groups, groups[np.sort(at)[: max(int(self.n_candidates), k)]])
            idx, val, days = idx[pool], val[pool], days[pool]
            # an undated item has no age to weigh: it counts as older than any (score 0, after every dated one)
            older_by = np.where(np.isnan(days), np.inf, np.maximum(source_days - days, 0.0))
            # ranked by the log of the adjusted score: a tiny half-life may send every old item's score
            # to 0 in floating point, and their order must still be by score, then similarity, not by id
            log_score = np.log2(val) - older_by / f.half_life_days
            order = np.lexsort((idx, -val, -log_score))
            idx, val = idx[order], np.exp2(log_score[order])
        _, first = np.unique(self.duplicate_group_[idx], return_index=True)
        first = np.sort(first)[:k]
        return idx[first], val[first]

    def _recommendations(self, chosen: tuple[np.ndarray, np.ndarray], source) -> list[Recommendation]:
        ids = self.ids_.keys
        return [
            Recommendation(str(ids[j]), round(float(s), 6), self._why(source, int(j)) if source else None)
            for j, s in zip(*chosen)
        ]

    def _why(self, source: tuple[sp.csr_matrix, sp.csr_matrix, np.ndarray, np.ndarray], j: int, n_terms: int = 5) -> dict[str, Any]:
        text_row, tag_row, tagged, topic_row = source
        both = bool(tagged[0]) and bool(self.tagged_[j])
        w = float(self.tag_weight) if both else 0.0
        corpus = self._corpus()
        lam = corpus.topic_weight if corpus.uses_topics else 0.0
        shared = text_row.multiply(self.text_matrix_[j]).tocoo()
        cosine = float(shared.data.sum())
        topic_score = float(topic_part(topic_row[0] @ self.topics_[j])) if lam else 0.0
        gain = float(topic_gain(np.float32(cosine), np.float32(topic_score), corpus.topic_gate)) if lam else 0.0
        tag_shared = tag_row.multiply(self.tag_matrix_[j]).tocoo()
        tag_score = float(tag_shared.data.sum())
        total = (1 - w) * ((1 - lam) * cosine + lam * gain) + w * tag_score
        order = np.lexsort((shared.col, -shared.data))[:n_terms]

        def share(part: float) -> float:
            return round(part / total, 4) if total else 0.0

        return {
            "text_score": round(cosine, 6),
            "topic_score": round(topic_score, 6) if lam else None,
            "tag_score": round(tag_score, 6) if both else None,
            "shared_tags": [str(self.tag_names_[c]) for c in sorted(tag_shared.col, key=lambda c: -self.tag_idf_[c])],
            "top_terms": [
                {"term": str(self.terms_[shared.col[o]]), "word": str(self.term_words_[shared.col[o]]),
                 "share": share((1 - w) * (1 - lam) * float(shared.data[o]))}
                for o in order
            ],
            "topic_share": share((1 - w) * lam * gain),
            "tag_share": share(w * tag_score),
        }


def corpus_fingerprint(docs: Iterable[Article]) -> str:
    """sha256 over every article's fields but its ``labels`` (ground truth, which the model never
    reads) in corpus order: the same corpus gives the same value, labelled or not."""
    digest = hashlib.sha256()
    for doc in docs:
        _fingerprint_update(digest, doc.to_dict())
    return digest.hexdigest()


def _fingerprint_update(digest: Any, fields: dict[str, Any]) -> None:
    """Add one article (its ``to_dict()``) to a running :func:`corpus_fingerprint`."""
    fields = {**fields, "labels": []}  # as an unlabelled article: the digests of unlabelled corpora stay as they were
    digest.update(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode())
    digest.update(b"\n")


class _TagKeys:
    """The normalised tag keys of each article as the corpus is read: keys are numbered in the order
    first seen (the order of ``spellings``), each article's distinct keys stored as those numbers."""

    def __init__(self, synonyms: dict[str, str]):
        self.synonyms = synonyms
        self.spellings: dict[str, Counter[str]] = {}  # key -> how often each raw spelling gave it
        self._number: dict[str, int] = {}
        self._keys = array("q")  # every article's distinct key numbers, one after the other
        self._bounds = array("q", [0])

    def add(self, raw_tags: Iterable[str]) -> None:
        keys = []
        for raw in raw_tags:
            key = normalise_tags([raw], self.synonyms)
            if key:
                spelled = self.spellings.get(key[0])
                if spelled is None:
                    spelled = self.spellings[key[0]] = Counter()
                    self._number[key[0]] = len(self._number)
                spelled[raw.strip().lstrip("#")] += 1
                keys.append(self._number[key[0]])
        self._keys.extend(dict.fromkeys(keys))
        self._bounds.append(len(self._keys))

    def matrix(self, column_of: np.ndarray, n_columns: int) -> sp.csr_matrix:
        """Binary articles × tags matrix, key number ``k`` in column ``column_of[k]``."""
        keys = np.frombuffer(self._keys, dtype=np.int64)
        return binary_rows(np.frombuffer(self._bounds, dtype=np.int64), column_of.astype(np.int64)[keys], n_columns)


def binary_rows(bounds: np.ndarray, columns: np.ndarray, n_columns: int) -> sp.csr_matrix:
    """The binary matrix whose row ``r`` has a 1 in each of ``columns[bounds[r]:bounds[r + 1]]``
    (negative columns, unknown tags, left out; a column named twice counts once)."""
    rows = np.repeat(np.arange(len(bounds) - 1), np.diff(bounds))
    keep = columns >= 0
    ones = np.ones(int(keep.sum()), dtype=np.float32)
    matrix = sp.csr_matrix((ones, (rows[keep], columns[keep])), shape=(len(bounds) - 1, n_columns))
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


class _Streamed:
    """What :meth:`RelatedArticles.fit` keeps of each article while it streams the corpus once."""

    def __init__(self, synonyms: dict[str, str]):
        self.fingerprint = hashlib.sha256()
        self.ids: list[str] = []
        self.store = ArticleStoreBuilder()
        self.tags = _TagKeys(synonyms)
        self.days = array("d")
        self.sections: dict[str, int] = {}  # casefolded section -> number, in first-seen order
        self.section_codes = array("i")
        self.title_keys = array("q")

    def read(self, articles: Iterable[Article | Mapping[str, Any]]) -> Iterator[tuple[str, str]]:
        """Each article's ``(title, subtitle + body)`` for the term counting, keeping the rest.
        Once the corpus is read: ``ValueError`` if it was empty, :class:`DuplicateIdError` if ids repeat."""
        seen: set[str] = set()
        duplicates: set[str] = set()
        for item in articles:
            doc = item if isinstance(item, Article) else parse_article(item)
            fields = doc.to_dict()
            _fingerprint_update(self.fingerprint, fields)
            self.store.append({k: v for k, v in fields.items() if k in METADATA_FIELDS})
            if doc.id in seen:
                duplicates.add(doc.id)
            else:
                seen.add(doc.id)
            self.ids.append(doc.id)
            self.tags.add(doc.tags)
            self.days.append(date_to_days(doc.published_at))
            self.section_codes.append(self.sections.setdefault(section_key(doc.section), len(self.sections)))
            self.title_keys.append(title_key(doc.title))
            yield doc.title, f"{doc.subtitle}\n{doc.body}"
        del seen
        if not self.ids:
            raise ValueError("the corpus is empty: no articles to fit")
        if duplicates:
            raise DuplicateIdError(sorted(duplicates))


def _filters(
    exclude: Iterable[str] = (),
    section: str | None = None,
    since: str | None = None,
    until: str | None = None,
    min_score: float = 0.0,
    half_life_days: float | None = None,
) -> Filters:
    if isinstance(exclude, str):
        exclude = [exclude]
    if section is not None and not isinstance(section, str):
        raise ValueError(f"section must be a section's name, got {section!r}")
    if half_life_days is not None and not (_real(half_life_days) and MIN_HALF_LIFE_DAYS <= half_life_days < math.inf):
        raise ValueError(f"half_life_days must be a number of days of at least {MIN_HALF_LIFE_DAYS}, got {half_life_days!r}")
    if min_score is not None and not (_real(min_score) and math.isfinite(min_score)):
        raise ValueError(f"min_score must be a number, got {min_score!r}")
    return Filters(frozenset(() if exclude is None else exclude), section or None, parse_date(since, "since"), parse_date(until, "until"),
                   float(min_score or 0.0), None if half_life_days is None else float(half_life_days))


def section_key(section: str) -> str:
    """A section as compared: case and width folded, in one Unicode form (É typed as E and a combining
    accent is É; ＳＰＯＲＴ is sport, half-width ｽﾎﾟｰﾂ is スポーツ)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", section).casefold())


def _real(value: Any) -> bool:
    """A real number (not a bool, a string or None): what a filter's number must be."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _check_k(k: Any, explain: Any = False) -> int:
    """``k`` as the length of a list: a whole number of 1 or more (and ``explain`` True or False)."""
    if not isinstance(explain, (bool, np.bool_)):
        raise TypeError(f"explain must be True or False, got {explain!r}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"k must be a whole number, got {k!r}")
    if k < 1:
        raise ValueError(f"k must be 1 or more, got {k}")
    return int(k)
