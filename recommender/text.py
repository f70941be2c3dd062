"""Pure functions that turn article text and tags into l2-normalised sparse rows.

Text: scikit-learn's word analysis (see :class:`Tokenizer`) of the title and of the rest (subtitle +
body), optionally stemmed; words and pairs of neighbouring words as terms; a title term counts
``title_weight`` times; optional sublinear tf (``1 + log tf``); smoothed idf
``log((1 + n) / (1 + df)) + 1``; rows l2-normalised, so a dot product is a cosine.
Tags: normalised keys (see :mod:`recommender.tags`), each weighted by ``log((1 + n) / (1 + df))``,
so a tag on every article weighs nothing and a rare shared tag weighs a lot; rows l2-normalised.
"""
from __future__ import annotations

import html
import itertools
import re
import unicodedata
from array import array
from collections import Counter, defaultdict
from typing import Callable, Iterable

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize

#: HTML a CMS leaves in article text: its elements (lower case, as CMSs write them; ``<ACME Corp>``
#: in a wire story is a company, not markup), comments, and scripts and styles with their content.
_ELEMENTS = ("a abbr article aside audio b blockquote body br button caption center cite code dd del div dl dt em embed "
             "figcaption figure font footer form h1 h2 h3 h4 h5 h6 head header hr html i iframe img input ins label li "
             "link main mark meta nav noscript ol option p picture pre q s section select small source span strong sub "
             "sup svg table tbody td textarea tfoot th thead time title tr u ul video").split()
_MARKUP = re.compile(r"<(script|style)(?=[\s>])[^>]*>.*?</\1\s*>|<!--.*?-->|</?(?:%s)(?=[\s/>])[^>]*>" % "|".join(_ELEMENTS), re.S)


def plain_text(text: str) -> str:
    """``text`` without HTML markup and with its entities decoded (``&quot;`` is a quote, not a
    word): what the words are read from."""
    if "<" in text:
        text = _MARKUP.sub(" ", text)
    return html.unescape(text) if "&" in text else text


def _marks() -> str:
    """The combining marks of the Basic Multilingual Plane (Unicode categories Mn, Mc, Me) as the
    inside of a regular-expression character class, in ranges; without those that dress symbols
    (the keycap of 1️⃣, U+20D0-U+20FF) and the variation selectors that make ⚡ an emoji ⚡️
    (U+FE00-U+FE0F): they are no part of a word."""
    ranges: list[list[int]] = []
    for code in range(0x300, 0x10000):
        if 0x20D0 <= code <= 0x20FF or 0xFE00 <= code <= 0xFE0F:
            continue
        if unicodedata.category(chr(code)) in ("Mn", "Mc", "Me"):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    return "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges)


_MARK_CLASS = _marks()
#: A letter, digit or combining mark.
_WORD_CHARACTER = f"[\\w{_MARK_CLASS}]"
#: A word: two or more letters, digits or combining marks in a row. scikit-learn's pattern
#: (``\b\w\w+\b``) gives the same words for text without marks, but cuts Devanagari, Bengali or
#: Thai words at every vowel sign, which Python's ``\w`` does not match.
_WORDS = re.compile(_WORD_CHARACTER + "{2,}")
#: Han ideographs, kana and their iteration marks (々, ゝ, ヽ): scripts written without spaces
#: between words. Not Hangul (Korean puts spaces between words) nor Thai (no character rule splits it).
_UNSPACED = re.compile("[\u3005-\u3007\u3021-\u3029\u3031-\u3035\u303b\u3040-\u30ff\u31f0-\u31ff"
                       "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")
#: A character from the first of :data:`_UNSPACED` on: one range, so a text is checked faster
#: for whether it may have such a script (curly quotes, ’, are far below).
_MAY_BE_UNSPACED = re.compile("[\u3005-\U0010ffff]")
#: The words of a text that has such a script, single characters too (see :func:`_unspaced_words`).
_RUNS = re.compile(_WORD_CHARACTER + "+")
#: Accents are folded on Latin and Greek letters (café is cafe, as scikit-learn folds them) and on
#: anything ASCII (a digit struck through, 5̶0̶, is 50); elsewhere a mark is part of the letter:
#: Hindi's vowel signs and virama, Japanese voicing marks (バス bus, パス pass, ハス lotus), Russian й.
_FOLDED = re.compile(f"(?<=[\x00-\x7f\u00c0-\u02af\u0370-\u03ff\u1e00-\u1fff])[{_MARK_CLASS}]+")


#: How texts are read into words, kept in a model's manifest: raised when a text reads differently
#: (2, 2026-12-02: Chinese and Japanese as overlapping pairs of characters, not runs).
ANALYSER = 2


#: Three or more Chinese or Japanese characters in a row: a word only analyser 1 made.
_RUN_OF_THREE = re.compile(_UNSPACED.pattern.removesuffix("+") + "{3,}")


def read_as_runs(terms: np.ndarray, block: int = 100_000) -> bool:
    """Whether a vocabulary (a fixed-width unicode array) was read by analyser 1: it holds three or
    more Chinese or Japanese characters in one term, which analyser 2's pairs never make. (One with
    two-character runs alone slips through; those terms are pairs to analyser 2 as well.)"""
    if not len(terms):
        return False
    codes = np.ascontiguousarray(terms).view(np.uint32).reshape(len(terms), -1)
    for start in range(0, len(terms), block):  # a block at a time: a vocabulary can hold millions of terms
        for row in np.flatnonzero((codes[start:start + block] >= 0x3005).any(axis=1)):
            if _RUN_OF_THREE.search(str(terms[start + row])):
                return True
    return False


#: Characters a CMS hides inside words: the soft hyphen (``Bundes&shy;tags&shy;wahl``), the
#: zero-width space, the word joiner and the zero-width no-break space. Not the zero-width
#: (non-)joiners, which belong to the spelling of Persian and Indic scripts (they are read as before).
_HIDDEN = ("\u00ad", "\u200b", "\u2060", "\ufeff")


def fold(text: str) -> str:
    """Lower case, compatibility forms decomposed (ﬁ is fi, ² is 2, as scikit-learn's ``unicode``
    accent stripping does), accents folded on Latin and Greek letters only (see :data:`_FOLDED`),
    and :data:`_HIDDEN` characters left out, so they join the word they sit in."""
    text = text.lower()
    if text.isascii():
        return text
    for hidden in _HIDDEN:
        if hidden in text:
            text = text.replace(hidden, "")
    return unicodedata.normalize("NFC", _FOLDED.sub("", unicodedata.normalize("NFKD", text)))


#: Longer "words" are left out: a pasted base64 image or a run of Thai, not a word a
#: reader searches by (the longest word of the bundled data sets has 38 characters).
MAX_WORD_LENGTH = 50


class Tokenizer:
    """scikit-learn's word analysis in two steps: the words of a text (lower case, accents
    folded on Latin and Greek letters (:func:`fold`), HTML markup and entities read as text (:func:`plain_text`), runs of two or more word characters or marks (:data:`_WORDS`;
    Chinese and Japanese as pairs of characters, :func:`_unspaced_words`), stop words and words over :data:`MAX_WORD_LENGTH` characters
    out, optionally stemmed) and the terms made
    of them (words and/or pairs of neighbouring words, joined by a space, as scikit-learn's n-grams).

    Splitting the two lets the training job count pairs of word ids instead of joined strings.
    """

    def __init__(self, ngram_range: tuple[int, int], stop_words: str | None, stemmer: str | None = None):
        low, high = (int(n) for n in ngram_range)
        if not 1 <= low <= high <= 2:
            raise ValueError(f"ngram_range must be (1, 1), (1, 2) or (2, 2), got {tuple(ngram_range)}")
        self.ngram_range = (low, high)
        # a list of one's own is read as the text is: Für and für are the word für folded, fur
        self._stop_words = frozenset(fold(w) for w in CountVectorizer(stop_words=stop_words).get_stop_words() or ())
        self._stemmer = _stemmer(stemmer)
        self._stems: dict[str, str] = {}

    def words(self, text: str, stem: bool = True) -> list[str]:
        text = fold(plain_text(text))
        found = _unspaced_words(text) if not text.isascii() and _MAY_BE_UNSPACED.search(text) else _WORDS.findall(text)
        words = [w for w in found if w not in self._stop_words and len(w) <= MAX_WORD_LENGTH]
        return self.stem(words) if stem else words

    @property
    def stems(self) -> bool:
        """Whether words are stemmed."""
        return self._stemmer is not None

    def stem(self, words: list[str]) -> list[str]:
        """The words stemmed (each distinct word once, then remembered); unchanged without a stemmer."""
        if self._stemmer is None:
            return words
        stems = self._stems
        new = [w for w in set(words) if w not in stems]
        stems.update(zip(new, self._stemmer.stemWords(new)))
        return [stems[w] for w in words]

    def terms(self, text: str) -> list[str]:
        """The terms of a text, as ``CountVectorizer(ngram_range=...)``'s analyzer gives them."""
        words = self.words(text)
        low, high = self.ngram_range
        terms = list(words) if low == 1 else []
        if high == 2:
            terms += [f"{a} {b}" for a, b in zip(words, words[1:])]
        return terms


def _unspaced_words(text: str) -> list[str]:
    """The words of a text with Chinese or Japanese in it: each run of :data:`_UNSPACED` characters
    as its overlapping pairs of characters (中国政府 is 中国, 国政, 政府; a character alone is
    itself), as Elasticsearch's ``cjk`` analyser reads them, since no rule of characters finds
    where such words end; the rest as :data:`_WORDS` (``iphone手机`` is ``iphone`` and ``手机``), so
    a text without such a script has the words :data:`_WORDS` finds."""
    words = []
    for run in _RUNS.findall(text):
        at = 0
        for found in _UNSPACED.finditer(run):
            if found.start() - at >= 2:
                words.append(run[at:found.start()])
            chars = found.group()
            words.extend([chars[i:i + 2] for i in range(len(chars) - 1)] or [chars])
            at = found.end()
        if len(run) - at >= 2:
            words.append(run[at:])
    return words


def _stemmer(language: str | None):
    if language is None:
        return None
    import Stemmer  # PyStemmer: the Snowball stemmers, compiled

    try:
        return Stemmer.Stemmer(language)
    except KeyError:
        raise ValueError(f"no stemmer for {language!r}; known: {', '.join(Stemmer.algorithms())}") from None


#: Articles tokenised before their terms are counted together (bounds the memory of one batch).
BATCH = 100_000
_PAIR = np.int64(1) << np.int64(32)


def count_terms(
    fields: Iterable[tuple[str, str]],
    tokenizer: Tokenizer,
    title_weight: float,
    min_df: float,
    max_df: float,
    progress: Callable[[int], None] | None = None,
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Weighted term counts of ``(title, rest)`` pairs, read once; title terms count ``title_weight``.

    Returns the counts (articles × kept terms), the kept terms sorted, and their document
    frequencies. ``min_df`` / ``max_df``: an int is a count of documents, a float in (0, 1] a share.
    Words become integer ids as they are read (one dict lookup per word) and a pair of words is the
    integer ``(a + 1) << 32 | b``, so the tens of millions of distinct pairs of a large corpus are
    counted by numpy sorting, never held as strings; only kept terms become strings at the end.
    ``progress(articles_read)`` is called after every batch.

    Also returns, for each kept term, the words a reader knows it by: each stem as the word
    written most often among those it stems (``senat`` is ``senate``; ties go to the word read
    first), and the terms themselves without a stemmer.
    """
    words: defaultdict[str, int] = defaultdict()
    words.default_factory = words.__len__
    stems: dict[str, int] = {}
    stem_of = np.zeros(0, dtype=np.int64)
    used = np.zeros(0, dtype=np.int64)  # how often each word id is written
    batches, stream, bounds = [], array("i"), array("q", [0])
    n = 0

    def count_batch() -> None:
        nonlocal stem_of, stream, bounds, used
        new = tokenizer.stem(list(itertools.islice(words, len(stem_of), None)))
        stem_of = np.concatenate([stem_of, np.fromiter((stems.setdefault(w, len(stems)) for w in new), np.int64, len(new))])
        used = np.concatenate([used, np.zeros(len(words) - len(used), np.int64)])
        used += np.bincount(np.frombuffer(stream, dtype=np.int32), minlength=len(words))
        batches.append(_count_batch(stream, bounds, title_weight, tokenizer.ngram_range, stem_of))
        stream, bounds = array("i"), array("q", [0])
        if progress:
            progress(n)

    for title, rest in fields:
        stream.extend(map(words.__getitem__, tokenizer.words(title, stem=False)))
        bounds.append(len(stream))
        stream.extend(map(words.__getitem__, tokenizer.words(rest, stem=False)))
        bounds.append(len(stream))
        n += 1
        if n % BATCH == 0:
            count_batch()
    if len(bounds) > 1:
        count_batch()
    if not batches:
        none = np.asarray([], dtype=str)
        return sp.csr_matrix((0, 0), dtype=np.float32), none, np.zeros(0, np.int64), none
    shown = _most_used(list(words), stem_of, used) if tokenizer.stems else None
    del words
    low = min_df if isinstance(min_df, (int, np.integer)) else min_df * n
    high = max_df if isinstance(max_df, (int, np.integer)) else max_df * n
    return _merge(batches, low, high, list(stems), shown)


def _most_used(words: list[str], stem_of: np.ndarray, used: np.ndarray) -> list[str]:
    """For each stem id, the word written most often among the words it stems (ties: the word read first)."""
    order = np.lexsort((np.arange(len(words)), -used, stem_of))  # by stem, each stem's most used word first
    _, first = np.unique(stem_of[order], return_index=True)  # every stem id has a word, so one per id, in order
    return [words[w] for w in order[first].tolist()]


def _count_batch(stream: array, bounds: array, title_weight: float, ngram_range: tuple[int, int], stem_of: np.ndarray):
    """One batch's counts over its own distinct keys (of stem ids), and those keys, sorted."""
    n_docs, keys, docs, weights = _batch_keys(stream, bounds, title_weight, ngram_range)
    local, inverse = _unique_inverse(_stemmed(keys, stem_of))
    return sp.csr_matrix((weights, (docs, inverse)), shape=(n_docs, len(local)), dtype=np.float32), local


#: Buckets of the hashed document frequencies that drop rare keys before batches are merged, at
#: most (2 ** HASH_BITS, 256 MB of counts); a corpus with fewer keys gets about twice as many
#: buckets as it has keys, so a small one does not allocate and clear the whole table.
HASH_BITS = 25


def _bucket(keys: np.ndarray, bits: int) -> np.ndarray:
    return ((keys.view(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(64 - bits)).astype(np.int64)


def _merge(
    batches: list[tuple[sp.csr_matrix, np.ndarray]], low: float, high: float, stems: list[str], shown: list[str] | None = None
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray, np.ndarray]:
    """All batches as one matrix over the kept terms (document frequency in ``[low, high]``), in
    the order of their names; returns the counts, the names, the document frequencies and the
    terms in ``shown``'s words (a word for each stem id; the names themselves without it).

    Rare keys are found with hashed document frequencies first: a bucket's count can only be too
    high, so no key that could pass ``min_df`` is lost, and most pairs of words (in one article
    only) go before the batches are joined. Two passes over the batches: the first finds each
    key's document frequency, the second writes each batch's entries into the final arrays and
    lets the batch go, so the memory needed is about twice the final matrix's, never more.
    ``batches`` is emptied.
    """
    # each batch's document frequency of its own keys (an article holds a key once)
    local_dfs = [np.bincount(counts.indices, minlength=len(local)) for counts, local in batches]
    keep = [np.ones(len(local), dtype=bool) for _, local in batches]
    if low > 1:
        bits = min(HASH_BITS, max(1, sum(len(local) for _, local in batches).bit_length() + 1))
        seen = np.zeros(1 << bits, dtype=np.float64)
        for (_, local), local_df in zip(batches, local_dfs):
            seen += np.bincount(_bucket(local, bits), weights=local_df, minlength=1 << bits)
        keep = [seen[_bucket(local, bits)] >= low for _, local in batches]
        del seen
    keys = np.concatenate([local[k] for (_, local), k in zip(batches, keep)])
    keys.sort()
    distinct = np.empty(len(keys), dtype=bool)
    distinct[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=distinct[1:])
    keys = keys[distinct]
    # first pass: each batch's local key -> merged key, and the merged keys' document frequencies
    merged_of, df = [], np.zeros(len(keys), dtype=np.int64)
    for (_, local), k, local_df in zip(batches, keep, local_dfs):
        column = np.full(len(local), -1, dtype=np.int64)
        column[k] = np.searchsorted(keys, local[k])
        df[column[k]] += local_df[k]  # a batch's keys are distinct, so no index repeats here
        merged_of.append(column)
    kept = np.flatnonzero((df >= low) & (df <= high))
    names = _names(keys[kept], stems)
    order = np.argsort(names, kind="stable")
    final = np.full(len(keys) + 1, -1, dtype=np.int64)  # the last slot answers the local keys left out (-1)
    final[kept[order]] = np.arange(len(kept))
    index = np.int32 if len(kept) < 2**31 else np.int64
    # second pass: each batch's entries over the final columns, straight into the final arrays
    merged_of = [final[column] for column in merged_of]  # local key -> final column, or -1
    sizes = [int(local_df[column >= 0].sum()) for local_df, column in zip(local_dfs, merged_of)]
    del local_dfs
    data = np.empty(sum(sizes), dtype=np.float32)
    indices = np.empty(sum(sizes), dtype=index)
    indptr, at, rows = [np.zeros(1, dtype=np.int64)], 0, 0
    for size, column in zip(sizes, merged_of):
        counts, _ = batches.pop(0)
        cols = column[counts.indices]
        hit = cols >= 0
        data[at : at + size] = counts.data[hit]
        indices[at : at + size] = cols[hit]
        hits_before = np.concatenate([[0], np.cumsum(hit, dtype=np.int64)])  # kept entries before each entry
        indptr.append(at + hits_before[counts.indptr[1:]])
        at, rows = at + size, rows + counts.shape[0]
        del counts, cols, hit, hits_before
    matrix = sp.csr_matrix((data, indices, np.concatenate(indptr)), shape=(rows, len(kept)))
    matrix.sort_indices()
    names, kept = names[order], kept[order]
    return matrix, names, df[kept], names if shown is None else _names(keys[kept], shown)


def _batch_keys(stream: array, bounds: array, title_weight: float, ngram_range: tuple[int, int]):
    """One batch's (article of each key, word-id key, weight), keys of unstemmed word ids."""
    ids = np.frombuffer(stream, dtype=np.int32).astype(np.int64)
    bounds = np.frombuffer(bounds, dtype=np.int64)
    lengths = np.diff(bounds)  # title, rest, title, rest, ...
    field = np.repeat(np.arange(len(lengths)), lengths)
    weight_of_field = np.where(np.arange(len(lengths)) % 2 == 0, np.float32(title_weight), np.float32(1.0))
    parts_doc, parts_key, parts_weight = [], [], []
    if ngram_range[0] == 1:
        parts_doc.append(field // 2)
        parts_key.append(ids)
        parts_weight.append(weight_of_field[field])
    if ngram_range[1] == 2 and len(ids) > 1:
        pair = np.flatnonzero(field[:-1] == field[1:])
        parts_doc.append(field[pair] // 2)
        parts_key.append(-(ids[pair] + 1) * _PAIR - ids[pair + 1] - 1)  # negative: a pair, decoded later
        parts_weight.append(weight_of_field[field[pair]])
    n_docs = len(lengths) // 2
    if not parts_key:
        return n_docs, np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float32)
    return n_docs, np.concatenate(parts_key), np.concatenate(parts_doc), np.concatenate(parts_weight)


def _stemmed(keys: np.ndarray, stem_of: np.ndarray) -> np.ndarray:
    """Keys over stem ids: a word key ``w`` becomes ``stem(w)``; a pair ``(a, b)`` becomes ``(stem(a) + 1) << 32 | stem(b)``."""
    pair = keys < 0
    out = np.empty_like(keys)
    out[~pair] = stem_of[keys[~pair]]
    flat = -keys[pair] - 1
    a, b = flat // _PAIR - 1, flat % _PAIR
    out[pair] = (stem_of[a] + 1) * _PAIR + stem_of[b]
    return out


def _unique_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and each value's position among them (as ``np.unique``, by one sort:
    numpy's hashing ``unique`` measured three times slower on tens of millions of int64 keys)."""
    order = np.argsort(values)  # ties are equal values: their order does not matter
    ordered = values[order]
    new = np.empty(len(ordered), dtype=bool)
    new[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    inverse = np.empty(len(values), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return ordered[new], inverse


def _names(keys: np.ndarray, stems: list[str]) -> np.ndarray:
    """Term strings of stem-id keys: a word, or two words joined by a space."""
    names = [stems[k] if k < _PAIR else f"{stems[k // _PAIR - 1]} {stems[k % _PAIR]}" for k in keys.tolist()]
    return np.asarray(names, dtype=str) if names else np.asarray([], dtype=str)


def count_known(
    fields: Iterable[tuple[str, str]],
    tokenizer: Tokenizer,
    title_weight: float,
    lookup: Callable[[list[str]], np.ndarray],
    n_cols: int,
) -> sp.csr_matrix:
    """Weighted counts over a fitted vocabulary; ``lookup(terms)`` gives columns, -1 if unknown."""
    rows = []
    for title, rest in fields:
        counts: Counter[str] = Counter(tokenizer.terms(rest))
        for term in tokenizer.terms(title):
            counts[term] += title_weight
        terms = list(counts)
        cols = lookup(terms) if terms else []
        rows.append({int(col): counts[t] for t, col in zip(terms, cols) if col >= 0})
    return _csr(rows, n_cols)


def _csr(rows: list[dict[int, float]], n_cols: int) -> sp.csr_matrix:
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(r) for r in rows], out=indptr[1:])
    indices = np.fromiter((c for r in rows for c in r), dtype=np.int64, count=int(indptr[-1]))
    data = np.fromiter((v for r in rows for v in r.values()), dtype=np.float32, count=int(indptr[-1]))
    matrix = sp.csr_matrix((data, indices, indptr), shape=(len(rows), n_cols))
    matrix.sort_indices()
    return matrix


def idf_weights(df: np.ndarray, n_docs: int, smooth_one: bool) -> np.ndarray:
    """``log((1 + n) / (1 + df))``, plus one when ``smooth_one`` (the text idf)."""
    return (np.log((1.0 + n_docs) / (1.0 + df)) + (1.0 if smooth_one else 0.0)).astype(np.float32)


def weigh(counts: sp.csr_matrix, idf: np.ndarray, sublinear_tf: bool, rows_at_once: int = 65536) -> sp.csr_matrix:
    """tf (optionally sublinear) times idf, rows l2-normalised; float32 CSR.

    Each row's entries come out in the reverse of their order in ``counts``. (That is the order the
    product with a diagonal idf matrix gave, which this function once used: keeping it keeps every
    sum over a row, and so every score, the same to the last bit. Scaling in place costs O(nnz)
    instead of O(terms), which matters for one posted article against millions of terms.)
    ``counts`` must hold each (row, column) once, as the counting functions here make it. A float32
    ``counts`` is weighed in place, ``rows_at_once`` rows at a time, so a corpus's counts are never
    copied whole: the caller must not use it afterwards.
    """
    matrix = counts.astype(np.float32, copy=False)
    idf = idf.astype(np.float32, copy=False)
    data, indices, indptr = matrix.data, matrix.indices, matrix.indptr
    for first in range(0, matrix.shape[0], rows_at_once):
        last = min(matrix.shape[0], first + rows_at_once)
        lo, hi = int(indptr[first]), int(indptr[last])
        rows = np.repeat(np.arange(first, last), np.diff(indptr[first : last + 1]))
        reverse = indptr[rows] + indptr[rows + 1] - 1 - np.arange(lo, hi)
        chunk = data[reverse]
        if sublinear_tf:
            np.log(chunk, out=chunk)
            chunk += 1.0
        data[lo:hi] = chunk
        indices[lo:hi] = indices[reverse]
        data[lo:hi] *= idf[indices[lo:hi]]
    matrix.has_sorted_indices = False
    if matrix.shape[1]:  # a corpus without any tag has no tag columns at all
        matrix = normalize(matrix, norm="l2", copy=False)
    matrix.eliminate_zeros()
    return matrix.astype(np.float32, copy=False)
