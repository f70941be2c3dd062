"""Exact dot products of chosen pairs of rows of one sparse (or dense) matrix: the rescoring step
of the approximate candidate search.

scipy has no sampled sparse product (``A @ B.T`` evaluated only at given pairs), and doing it with
fancy indexing and element-wise products costs about 10 µs a pair; this compiled loop (numba) does
it in well under one. Each thread spreads one query row into its own dense scratch row, reads the
candidates' entries against it, and clears it again, so row indices need not be sorted.
Imported only by the training job: the service never loads numba.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numba import get_num_threads, njit, prange


@njit(parallel=True, cache=True, nogil=True)
def _dots(indptr, indices, data, queries, starts, candidates, scratch):  # pragma: no cover - compiled
    out = np.zeros(len(candidates), dtype=np.float32)
    n_threads, n_queries = scratch.shape[0], len(queries)
    for t in prange(n_threads):
        row = scratch[t]
        for q in range(t * n_queries // n_threads, (t + 1) * n_queries // n_threads):
            i = queries[q]
            for a in range(indptr[i], indptr[i + 1]):
                row[indices[a]] = data[a]
            for p in range(starts[q], starts[q + 1]):
                j = candidates[p]
                total = 0.0
                for b in range(indptr[j], indptr[j + 1]):
                    total += data[b] * row[indices[b]]
                out[p] = total
            for a in range(indptr[i], indptr[i + 1]):
                row[indices[a]] = 0.0
    return out


def pair_dots(matrix: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``matrix[rows[p]] · matrix[cols[p]]`` for every p, as float32.

    ``rows`` must be grouped (equal values next to each other), as the candidate search makes them.
    """
    if len(rows) == 0:
        return np.zeros(0, dtype=np.float32)
    queries, starts = _by_query(matrix, rows)
    return _dots(matrix.indptr, matrix.indices, matrix.data, queries, starts, cols.astype(np.int64), _scratch(matrix, queries))


def _by_query(matrix: sp.csr_matrix, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The kernels' view of grouped ``rows``: each query row once, and where its pairs start."""
    change = np.flatnonzero(np.diff(rows)) + 1
    starts = np.concatenate([[0], change, [len(rows)]]).astype(np.int64)
    queries = rows[starts[:-1]].astype(np.int64)
    return queries, starts


def _scratch(matrix: sp.csr_matrix, queries: np.ndarray) -> np.ndarray:
    """One dense row per thread for the kernels to spread a query row into."""
    return np.zeros((max(1, min(get_num_threads(), len(queries))), matrix.shape[1]), dtype=np.float32)


@njit(parallel=True, cache=True, nogil=True)
def _shared_weight(indptr, indices, data, queries, starts, candidates, scratch):  # pragma: no cover - compiled
    mine = np.zeros(len(candidates), dtype=np.float32)
    theirs = np.zeros(len(candidates), dtype=np.float32)
    n_threads, n_queries = scratch.shape[0], len(queries)
    for t in prange(n_threads):
        row = scratch[t]
        for q in range(t * n_queries // n_threads, (t + 1) * n_queries // n_threads):
            i = queries[q]
            for a in range(indptr[i], indptr[i + 1]):
                row[indices[a]] = data[a]
            for p in range(starts[q], starts[q + 1]):
                j = candidates[p]
                a_part = 0.0
                b_part = 0.0
                for b in range(indptr[j], indptr[j + 1]):
                    v = row[indices[b]]
                    if v != 0.0:
                        a_part += v * v
                        b_part += data[b] * data[b]
                mine[p] = a_part
                theirs[p] = b_part
            for a in range(indptr[i], indptr[i + 1]):
                row[indices[a]] = 0.0
    return mine, theirs


def shared_weight(matrix: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every p, the squared weight of ``matrix[rows[p]]`` on the columns ``matrix[cols[p]]`` also
    has, and the same of ``matrix[cols[p]]``: with unit rows, the share of each article's tf-idf
    weight on the terms the other has. ``rows`` grouped as for :func:`pair_dots`."""
    if len(rows) == 0:
        return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.float32)
    queries, starts = _by_query(matrix, rows)
    return _shared_weight(matrix.indptr, matrix.indices, matrix.data, queries, starts, cols.astype(np.int64), _scratch(matrix, queries))


@njit(parallel=True, cache=True, nogil=True)
def _dense_dots(matrix, rows, cols):  # pragma: no cover - compiled
    out = np.zeros(len(rows), dtype=np.float32)
    for p in prange(len(rows)):
        i, j = rows[p], cols[p]
        total = 0.0
        for d in range(matrix.shape[1]):
            total += matrix[i, d] * matrix[j, d]
        out[p] = total
    return out


def dense_pair_dots(matrix: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``matrix[rows[p]] · matrix[cols[p]]`` for every p of a dense float32 matrix, as float32,
    without gathering the pairs' rows (at a million pairs of 100 columns that would be 800 MB)."""
    if len(rows) == 0:
        return np.zeros(0, dtype=np.float32)
    return _dense_dots(np.ascontiguousarray(matrix, dtype=np.float32), rows.astype(np.int64), cols.astype(np.int64))
