"""The systems the evaluation compares: our model at a tag weight, and the baselines.

Every system answers the questions the service answers, in one shape: ``related(id, k)`` and
``related_to(article, k)`` give ``[(id, score), ...]`` best first, and ``score(a, b)`` scores any pair
of articles in the corpus.
"""
from __future__ import annotations

import re
import zlib
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from recommender.model import RelatedArticles, corpus_fingerprint
from recommender.neighbours import top_k
from recommender.schema import Article, date_to_days

Ranked = list[tuple[str, float]]


class Blend:
    """Our model, ``RelatedArticles`` with the given settings (``tag_weight=0`` is text only)."""

    kind = "model"

    def __init__(self, name: str, **params: Any):
        self.name = name
        self.params = params

    def fit(self, articles: list[Article]) -> "Blend":
        self.model = RelatedArticles(**self.params).fit(articles)
        return self

    def related(self, article_id: str, k: int) -> Ranked:
        return [(r.id, r.score) for r in self.model.related(article_id, k=k)]

    def related_to(self, article: Article, k: int) -> Ranked:
        return [(r.id, r.score) for r in self.model.related_to(article, k=k)]

    def score(self, a: str, b: str) -> float:
        return self.model.score(a, b)


class TagsOnly(Blend):
    """Rarity-weighted tag cosine alone; an article without tags gets an empty list."""

    kind = "baseline"

    def __init__(self, name: str = "tags only", **params: Any):
        super().__init__(name, **{**params, "tag_weight": 1.0})

    def _ranked(self, tag_rows, source: int, k: int) -> Ranked:
        return _best(self.model.ids_.keys, (tag_rows @ self.model.tag_index_).toarray()[0], source, k)

    def related(self, article_id: str, k: int) -> Ranked:
        i = self.model.index_of(article_id)
        return self._ranked(self.model.tag_matrix_[i], i, k)

    def related_to(self, article: Article, k: int) -> Ranked:
        tags = self.model.transform([article])[1]
        return self._ranked(tags, -1, k)

    def score(self, a: str, b: str) -> float:
        m = self.model
        return float(m.tag_matrix_[m.index_of(a)].multiply(m.tag_matrix_[m.index_of(b)]).sum())


class MostRecent:
    """The newest articles, whatever they are about: what a plain "latest news" box shows."""

    kind = "baseline"
    name = "most recent"
    params: dict[str, Any] = {}

    def fit(self, articles: list[Article]) -> "MostRecent":
        self.ids = [a.id for a in articles]
        self.days = {a.id: date_to_days(a.published_at) for a in articles}
        order = sorted(range(len(articles)), key=lambda i: (-np.nan_to_num(self.days[self.ids[i]], nan=-1e12), i))
        self.newest = [self.ids[i] for i in order]
        return self

    def related(self, article_id: str, k: int) -> Ranked:
        picked = [i for i in self.newest[: k + 1] if i != article_id][:k]
        return [(i, 1.0 / (rank + 1)) for rank, i in enumerate(picked)]

    def related_to(self, article: Article, k: int) -> Ranked:
        return self.related(article.id, k)

    def score(self, a: str, b: str) -> float:
        """Closeness in time: minus the gap in days (0 when either date is unknown)."""
        gap = abs(self.days[a] - self.days[b])
        return 0.0 if np.isnan(gap) else -float(gap)


class Random:
    """Random articles, the same ones for the same question (seeded by the id)."""

    kind = "baseline"
    name = "random"
    params: dict[str, Any] = {}

    def fit(self, articles: list[Article]) -> "Random":
        self.ids = [a.id for a in articles]
        return self

    def _pick(self, seed_text: str, exclude: str, k: int) -> Ranked:
        rng = np.random.default_rng(zlib.crc32(seed_text.encode()))
        picked = [self.ids[i] for i in rng.permutation(len(self.ids))[: k + 1] if self.ids[i] != exclude][:k]
        return [(i, 1.0 / (rank + 1)) for rank, i in enumerate(picked)]

    def related(self, article_id: str, k: int) -> Ranked:
        return self._pick(article_id, article_id, k)

    def related_to(self, article: Article, k: int) -> Ranked:
        return self._pick(article.id or article.title, article.id, k)

    def score(self, a: str, b: str) -> float:
        return np.random.default_rng(zlib.crc32(f"{min(a, b)}\0{max(a, b)}".encode())).random()


class MoreLikeThis:
    """Elasticsearch's More Like This query with its documented defaults, rebuilt on the corpus (no
    Elasticsearch needed): the source's "interesting terms" are its at most 25 terms (max_query_terms)
    with the highest tf × idf (Lucene's classic idf, 1 + ln((N + 1) / (df + 1))) among those seen at least
    twice in it (min_term_freq) and in at least 5 articles (min_doc_freq); every article matching at
    least 30% of them (minimum_should_match, rounded down) scores the sum of their BM25 weights (k1
    1.2, b 0.75, Lucene's form). One field (title, subtitle and body), words as the standard analyser
    cuts them (lower case, no stemming, no stop words); no near-duplicate collapsing."""

    kind = "baseline"
    name = "more like this"
    params: dict[str, Any] = {"max_query_terms": 25, "min_term_freq": 2, "min_doc_freq": 5,
                              "minimum_should_match": 0.3, "k1": 1.2, "b": 0.75}

    def __init__(self, **overrides: Any):
        self.params = _settings(self.params, overrides, "More Like This")

    def fit(self, articles: list[Article]) -> "MoreLikeThis":
        from sklearn.feature_extraction.text import CountVectorizer

        p = self.params
        self.ids = [a.id for a in articles]
        self.position = {a: i for i, a in enumerate(self.ids)}
        self.words = CountVectorizer(token_pattern=r"(?u)\b\w+\b", dtype=np.float64)
        try:
            self.counts = self.words.fit_transform(_text(a) for a in articles).tocsr()
        except ValueError:  # not one word in the whole corpus: every list is empty
            self.words, self.counts = None, sp.csr_matrix((len(articles), 0))
        n = len(articles)
        df = self.df = np.bincount(self.counts.indices, minlength=self.counts.shape[1])
        self.select_idf = 1.0 + np.log((n + 1.0) / (df + 1.0))
        length = np.asarray(self.counts.sum(axis=1)).ravel()
        norm = p["k1"] * (1 - p["b"] + p["b"] * length / max(length.mean(), 1e-12))
        bm25 = self.counts.copy()
        tf = bm25.data
        bm25.data = np.log(1 + (n - df[bm25.indices] + 0.5) / (df[bm25.indices] + 0.5)) * tf / (tf + np.repeat(norm, np.diff(bm25.indptr)))
        self.bm25 = bm25.tocsc()
        return self

    def _terms(self, row) -> np.ndarray:
        p = self.params
        terms, tf = row.indices, row.data
        keep = (tf >= p["min_term_freq"]) & (self.df[terms] >= p["min_doc_freq"])
        terms, tf = terms[keep], tf[keep]
        order = np.lexsort((terms, -tf * self.select_idf[terms]))[: p["max_query_terms"]]
        return terms[order]

    def interesting_terms(self, article_id: str) -> list[str]:
        """The words the query for ``article_id`` is made of, most interesting first."""
        words = self.words.get_feature_names_out() if self.words is not None else []
        return [str(words[t]) for t in self._terms(self.counts[self.position[article_id]])]

    def _scores(self, terms: np.ndarray) -> np.ndarray:
        cols = self.bm25[:, terms]
        scores = np.asarray(cols.sum(axis=1)).ravel()
        matched = np.bincount(cols.indices, minlength=cols.shape[0])  # the query terms each article has
        scores[matched < max(1, int(self.params["minimum_should_match"] * len(terms)))] = 0.0
        return scores

    def _ranked(self, terms: np.ndarray, source: int, k: int) -> Ranked:
        return _best(self.ids, self._scores(terms), source, k)

    def related(self, article_id: str, k: int) -> Ranked:
        i = self.position[article_id]
        return self._ranked(self._terms(self.counts[i]), i, k)

    def related_to(self, article: Article, k: int) -> Ranked:
        if self.words is None:
            return []
        return self._ranked(self._terms(self.words.transform([_text(article)]).tocsr()), -1, k)

    def score(self, a: str, b: str) -> float:
        """The score ``b`` gets when the query is made from ``a``, as Elasticsearch would rank it."""
        return float(self._scores(self._terms(self.counts[self.position[a]]))[self.position[b]])


# InnoDB's default full-text stop words (INFORMATION_SCHEMA.INNODB_FT_DEFAULT_STOPWORD)
INNODB_STOPWORDS = frozenset(
    "a about an are as at be by com de en for from how i in is it la of on or that the this to was what when where "
    "who will with und www".split())


class RelatedPosts:
    """WordPress's Yet Another Related Posts Plugin (YARPP) with its default settings, rebuilt on the
    corpus (no WordPress or MySQL needed). For the article shown, YARPP takes the 20 words its body
    uses most and the 20 its title uses most (lower case, split at non-word characters, stop words
    and one-letter words dropped; the plugin's own stop-word list is approximated by scikit-learn's
    English one) and asks MySQL's full-text search for them, in the bodies and in the titles; a
    candidate scores the two relevances (InnoDB's documented ranking: the sum over the query words of
    tf × idf², idf = log10(N / df); words under 3 characters and InnoDB's 36 stop words are not
    indexed) plus one point per category it shares (our ``section``) and one per shared tag, each
    weight 1, rounded to one decimal; candidates under the match threshold of 4 are not listed. No
    near-duplicate collapsing, no recency rule (the plugin's defaults)."""

    kind = "baseline"
    name = "yarpp"
    params: dict[str, Any] = {"keywords": 20, "threshold": 4.0, "body_weight": 1.0, "title_weight": 1.0,
                              "category_weight": 1.0, "tag_weight": 1.0}

    def __init__(self, **overrides: Any):
        self.params = _settings(self.params, overrides, "YARPP")

    def fit(self, articles: list[Article]) -> "RelatedPosts":
        from sklearn.feature_extraction.text import CountVectorizer

        self.ids = [a.id for a in articles]
        self.position = {a: i for i, a in enumerate(self.ids)}
        self.fields = {}
        for field in ("body", "title"):
            vectoriser = CountVectorizer(token_pattern=r"(?u)[^\W_]{3,}", stop_words=[w for w in INNODB_STOPWORDS if len(w) >= 3],
                                         dtype=np.float64)
            try:
                counts = vectoriser.fit_transform(getattr(a, field) for a in articles).tocsr()
            except ValueError:  # no indexable word in this field anywhere
                self.fields[field] = None
                continue
            df = np.bincount(counts.indices, minlength=counts.shape[1])
            self.fields[field] = (vectoriser, counts, np.log10(len(articles) / np.maximum(df, 1)) ** 2)
        self.articles = {a.id: a for a in articles}
        self.sections = np.array([_term(a.section) for a in articles], dtype=object)
        self.tags = CountVectorizer(analyzer=_tag_terms, binary=True, dtype=np.float64)
        try:
            self.tag_matrix = self.tags.fit_transform(a.tags for a in articles).tocsr()
        except ValueError:  # not one tag in the corpus
            self.tags = None
        return self

    def keywords(self, text: str) -> list[str]:
        """YARPP's keywords for one text: its most used words, most used first (ties: first used)."""
        counts: dict[str, int] = {}
        for word in re.split(r"\W+", text.lower()):
            if len(word) >= 2 and word not in ENGLISH_STOP_WORDS:
                counts[word] = counts.get(word, 0) + 1
        return sorted(counts, key=lambda w: -counts[w])[: self.params["keywords"]]  # stable: ties keep first use

    def _scores(self, article: Article) -> np.ndarray:
        p = self.params
        scores = np.zeros(len(self.ids))
        for field, weight in (("body", p["body_weight"]), ("title", p["title_weight"])):
            if self.fields[field] is None or not weight:
                continue
            vectoriser, counts, idf2 = self.fields[field]
            query = vectoriser.transform([" ".join(self.keywords(getattr(article, field)))])
            query.data[:] = 1.0  # each word of the query once
            scores += weight * (counts @ query.multiply(idf2).T).toarray().ravel()
        if self.tags is not None and p["tag_weight"]:
            scores += p["tag_weight"] * (self.tag_matrix @ self.tags.transform([article.tags]).T).toarray().ravel()
        section = _term(article.section)
        if section and p["category_weight"]:
            scores += p["category_weight"] * (self.sections == section)
        return np.round(scores, 1)

    def _ranked(self, article: Article, source: int, k: int) -> Ranked:
        scores = self._scores(article)
        scores[scores < max(self.params["threshold"], 0.1)] = 0.0  # the plugin's floor is 0.1
        return _best(self.ids, scores, source, k)

    def related(self, article_id: str, k: int) -> Ranked:
        return self._ranked(self.articles[article_id], self.position[article_id], k)

    def related_to(self, article: Article, k: int) -> Ranked:
        return self._ranked(article, -1, k)

    def score(self, a: str, b: str) -> float:
        """The score ``b`` gets on ``a``'s page (before the threshold), as the plugin ranks it."""
        return float(self._scores(self.articles[a])[self.position[b]])


def _term(name: str) -> str:
    """A category or tag as WordPress matches it: one term per spelling, case aside."""
    return " ".join(name.lower().split())


def _tag_terms(tags) -> list[str]:
    return sorted({t for t in map(_term, tags) if t})


def _best(ids: Sequence[str], scores: np.ndarray, source: int, k: int) -> Ranked:
    """The ``k`` best-scoring articles with a score above 0, never ``source`` (-1: an unseen article)."""
    if source >= 0:
        scores[source] = 0.0
    idx, val = top_k(scores[None, :], k)
    return [(str(ids[i]), float(v)) for i, v in zip(idx[0], val[0]) if i >= 0 and v > 0]


def _settings(defaults: dict[str, Any], overrides: dict[str, Any], product: str) -> dict[str, Any]:
    """A baseline's documented defaults with some changed; a setting it does not have is a TypeError."""
    unknown = set(overrides) - set(defaults)
    if unknown:
        raise TypeError(f"unknown {product} settings: {sorted(unknown)}")
    return {**defaults, **overrides}


def _text(article: Article) -> str:
    return "\n".join((article.title, article.subtitle, article.body))


WORDS_ONLY = "words only"


class WordsOnly(Blend):
    """TF-IDF cosine alone: our model without topics and tags, the classic More Like This score."""

    kind = "baseline"

    def __init__(self, name: str = WORDS_ONLY, **params: Any):
        super().__init__(name, **{**params, "tag_weight": 0.0, "topic_weight": 0.0})


class Published(Blend):
    """A model the training job published, loaded as it is (``python -m train.evaluate --model
    MODELS_DIR``): the lists that version would serve, beside the baselines and the defaults. It
    must have been trained on exactly the corpus it is evaluated on; its fit time is the one its
    manifest recorded."""

    kind = "published"  # not one of the sweep's points

    def __init__(self, path: Path):
        from recommender import artifact

        self.model = artifact.load(path)  # ArtifactError with a message when it cannot be loaded
        manifest = self.model.manifest_
        self.name = f"published {manifest['version']}"
        self.params = {k: v for k, v in self.model.get_params().items() if k != "verbose"}
        self.fit_seconds = (manifest.get("training") or {}).get("seconds", {}).get("fit")

    def fit(self, articles: list[Article]) -> "Published":
        self.check(articles)
        return self

    def check(self, articles: list[Article]) -> None:
        """Raise ValueError unless the model's articles are exactly ``articles``: the same ids, and
        the same fields in the same order (the manifest's corpus fingerprint)."""
        ids = {a.id for a in articles}
        missing = int((self.model.ids_.positions(ids) < 0).sum())
        extra = len(self.model) - (len(ids) - missing)
        if missing or extra:
            raise ValueError(
                f"{self.name} was trained on another corpus: {missing:,} of the {len(ids):,} articles evaluated are "
                f"not in it and it holds {extra:,} others; train it on the same corpus (python -m train CORPUS --out DIR)"
            )
        if corpus_fingerprint(articles) != self.model.corpus_fingerprint_:
            raise ValueError(
                f"{self.name} was trained on other versions of these {len(ids):,} articles: the ids are the same, the "
                "corpus fingerprint is not (a title, text, tag, date or the order differs); train it on this corpus"
            )


def standard_systems(weights: list[float], **params: Any) -> list:
    """Random, most recent, tags only, Elasticsearch's More Like This, WordPress's YARPP, words only,
    text only (words and topics), and our blend at each tag weight."""
    blends = [Blend(f"blend w={w:g}", **{**params, "tag_weight": w}) for w in weights if w > 0]
    return [Random(), MostRecent(), TagsOnly(**params), MoreLikeThis(), RelatedPosts(), WordsOnly(**params), Blend("text only", **{**params, "tag_weight": 0.0}), *blends]
