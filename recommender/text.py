"""Pure functions that turn article text and tags into l2-normalised sparse rows.

Text: one pass of scikit-learn's analyzer over title and the rest (subtitle + body); a title term
counts ``title_weight`` times; optional sublinear tf (``1 + log tf``); smoothed idf
``log((1 + n) / (1 + df)) + 1``; rows l2-normalised, so a dot product is a cosine.
Tags: normalised keys (see :mod:`recommender.tags`), each weighted by ``log((1 + n) / (1 + df))``,
so a tag on every article weighs nothing and a rare shared tag weighs a lot; rows l2-normalised.
"""
from __future__ import annotations

from array import array
from collections import Counter, defaultdict
from typing import Callable, Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize

Analyzer = Callable[[str], list[str]]


def build_analyzer(ngram_range: tuple[int, int], stop_words: str | None) -> Analyzer:
    """scikit-learn's word analyzer: lower case, accents stripped, stop words, n-grams."""
    return CountVectorizer(
        lowercase=True, strip_accents="unicode", stop_words=stop_words, ngram_range=tuple(ngram_range)
    ).build_analyzer()


def _csr(rows: list[dict[int, float]], n_cols: int) -> sp.csr_matrix:
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(r) for r in rows], out=indptr[1:])
    indices = np.fromiter((c for r in rows for c in r), dtype=np.int64, count=int(indptr[-1]))
    data = np.fromiter((v for r in rows for v in r.values()), dtype=np.float32, count=int(indptr[-1]))
    matrix = sp.csr_matrix((data, indices, indptr), shape=(len(rows), n_cols))
    matrix.sort_indices()
    return matrix


def _weighted_counts(title: str, rest: str, analyzer: Analyzer, title_weight: float) -> Counter[str]:
    counts: Counter[str] = Counter(analyzer(rest))
    for term in analyzer(title):
        counts[term] += title_weight
    return counts


def learn_counts(
    fields: Iterable[tuple[str, str]], analyzer: Analyzer, title_weight: float
) -> tuple[sp.csr_matrix, list[str]]:
    """Weighted term counts of ``(title, rest)`` pairs and the vocabulary (first-seen order).

    The counts go straight into flat arrays, not a dict per article, and a new term takes the next
    column through the dict's own missing-key hook: at a hundred thousand articles and more this
    halves the time and most of the memory of counting.
    """
    vocabulary: defaultdict[str, int] = defaultdict()
    vocabulary.default_factory = vocabulary.__len__
    indices, data, indptr = array("q"), array("f"), array("q", [0])
    for f in fields:
        counts = _weighted_counts(*f, analyzer, title_weight)
        indices.extend(map(vocabulary.__getitem__, counts))
        data.extend(counts.values())
        indptr.append(len(indices))
    matrix = sp.csr_matrix(
        (np.frombuffer(data, dtype=np.float32), np.frombuffer(indices, dtype=np.int64), np.frombuffer(indptr, dtype=np.int64)),
        shape=(len(indptr) - 1, len(vocabulary)),
    )
    matrix.sort_indices()
    return matrix, list(vocabulary)


def count_known(
    fields: Iterable[tuple[str, str]],
    analyzer: Analyzer,
    title_weight: float,
    lookup: Callable[[list[str]], np.ndarray],
    n_cols: int,
) -> sp.csr_matrix:
    """Weighted counts over a fitted vocabulary; ``lookup(terms)`` gives columns, -1 if unknown."""
    rows = []
    for f in fields:
        counts = _weighted_counts(*f, analyzer, title_weight)
        terms = list(counts)
        cols = lookup(terms) if terms else []
        rows.append({int(col): counts[t] for t, col in zip(terms, cols) if col >= 0})
    return _csr(rows, n_cols)


def prune_vocabulary(
    counts: sp.csr_matrix, terms: Sequence[str], min_df: float, max_df: float
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Keep terms within the document-frequency bounds, sorted alphabetically.

    ``min_df`` / ``max_df``: an int is a count of documents, a float in (0, 1] a share of them.
    Returns the column-pruned counts, the kept terms (sorted) and their document frequencies.
    """
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    low = min_df if isinstance(min_df, (int, np.integer)) else min_df * n
    high = max_df if isinstance(max_df, (int, np.integer)) else max_df * n
    keep = np.flatnonzero((df >= low) & (df <= high))
    names = np.asarray([terms[i] for i in keep], dtype=str) if len(keep) else np.asarray([], dtype=str)
    order = np.argsort(names, kind="stable")
    keep = keep[order]
    return counts[:, keep].tocsr(), names[order], df[keep]


def idf_weights(df: np.ndarray, n_docs: int, smooth_one: bool) -> np.ndarray:
    """``log((1 + n) / (1 + df))``, plus one when ``smooth_one`` (the text idf)."""
    return (np.log((1.0 + n_docs) / (1.0 + df)) + (1.0 if smooth_one else 0.0)).astype(np.float32)


def weigh(counts: sp.csr_matrix, idf: np.ndarray, sublinear_tf: bool) -> sp.csr_matrix:
    """tf (optionally sublinear) times idf, rows l2-normalised; float32 CSR.

    Each row's entries come out in the reverse of their order in ``counts``. (That is the order the
    product with a diagonal idf matrix gave, which this function once used: keeping it keeps every
    sum over a row, and so every score, the same to the last bit. Scaling in place costs O(nnz)
    instead of O(terms), which matters for one posted article against millions of terms.)
    ``counts`` must hold each (row, column) once, as the counting functions here make it.
    """
    matrix = counts.astype(np.float32, copy=True)
    if sublinear_tf:
        np.log(matrix.data, out=matrix.data)
        matrix.data += 1.0
    matrix.data *= idf.astype(np.float32)[matrix.indices]
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    reverse = matrix.indptr[rows] + matrix.indptr[rows + 1] - 1 - np.arange(matrix.nnz)
    matrix = sp.csr_matrix((matrix.data[reverse], matrix.indices[reverse], matrix.indptr), shape=matrix.shape)
    if matrix.shape[1]:  # a corpus without any tag has no tag columns at all
        matrix = normalize(matrix, norm="l2", copy=False)
    matrix.eliminate_zeros()
    return matrix.astype(np.float32)
