"""Top-candidate search over all pairs, exact or approximate, with bounded memory.

Exact, text alone (``tag_weight`` 0, or no article has tags): sparse-dot-topn's compiled,
multi-threaded sparse product keeps each row's best scores as it goes, block of rows by block.
Exact, text blended with tags: each block of rows is scored against the whole corpus as dense
``rows × n`` arrays (the block size keeps them within a memory budget), its best ``n_candidates``
kept and the block dropped: nothing of size ``n × n`` ever exists.
Approximate (large corpora): the exact cost grows with the square of the articles, mostly through
the commonest terms; a pool of candidates is found from the rows without those terms (within a
budget of postings per article) and rescored exactly (:mod:`.pairdots`).

Blocks run in a fixed order, so the result does not depend on the number of workers, here or on a
cluster.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed, effective_n_jobs
from joblib._parallel_backends import LokyBackend, MultiprocessingBackend, SequentialBackend, ThreadingBackend
from joblib.parallel import get_active_backend
from scipy.sparse.csgraph import connected_components

from sparse_dot_topn import sp_matmul_topn

# progress(blocks_done, blocks_total, seconds_elapsed)
Progress = Callable[[int, int, float], None]


@dataclass(frozen=True)
class Corpus:
    """What the blended score needs: l2-normalised text and tag rows, who has tags, the weight.

    ``text_t`` and ``tags_t`` are the transposes in CSR form (term → articles, an inverted index):
    ``query @ text_t`` touches only the articles that share a term with the query, the fast
    orientation for a few query rows against a large corpus.
    """

    text: sp.csr_matrix
    text_t: sp.csr_matrix
    tags: sp.csr_matrix
    tags_t: sp.csr_matrix
    tagged: np.ndarray
    tag_weight: float


def blend(text: np.ndarray, tags: np.ndarray, both_tagged: np.ndarray, tag_weight: float) -> np.ndarray:
    """``(1 - w) * text + w * tags`` where both articles have tags, text alone where either has none."""
    if tag_weight == 0:
        return text
    return np.where(both_tagged, (1.0 - tag_weight) * text + tag_weight * tags, text).astype(np.float32)


def score_rows(
    corpus: Corpus, text_rows: sp.csr_matrix, tag_rows: sp.csr_matrix, rows_tagged: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Dense blended scores and text cosines of some query rows against every article."""
    text = (text_rows @ corpus.text_t).toarray()
    if corpus.tag_weight == 0 or not rows_tagged.any():
        return text, text
    tags = (tag_rows @ corpus.tags_t).toarray()
    both = rows_tagged[:, None] & corpus.tagged[None, :]
    return blend(text, tags, both, corpus.tag_weight), text


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``k`` best columns and their scores, best first, ties broken by lower index.

    Only positive scores are candidates; unused slots hold index -1 and score 0. Rather than
    partitioning whole rows, it first takes a lower bound of each row's ``k``-th best score (the
    ``k``-th best of a strided sample of about ``64 k`` columns: no higher than the true one) and
    sorts only the columns at or above it, a small share of a long row.
    """
    n_rows, n_cols = scores.shape
    out_idx = np.full((n_rows, k), -1, dtype=np.int32)
    out_val = np.zeros((n_rows, k), dtype=np.float32)
    k_eff = min(k, n_cols)
    if n_rows == 0 or k_eff == 0:
        return out_idx, out_val
    sample = scores[:, :: max(1, n_cols // (64 * k_eff))]
    if sample.shape[1] >= k_eff:
        bound = np.partition(sample, sample.shape[1] - k_eff, axis=1)[:, sample.shape[1] - k_eff]
        keep = (scores >= bound[:, None]) & (scores > 0)
    else:
        keep = scores > 0
    rows, cols = np.nonzero(keep)
    return _best_per_row(rows, cols, scores[rows, cols], out_idx, out_val)


def _best_per_row(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, out_idx: np.ndarray, out_val: np.ndarray):
    """Fill each row of ``out_idx``/``out_val`` with its best (col, val) entries, ties to the lower col."""
    order = np.lexsort((cols, -vals, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    rank = np.arange(len(rows)) - np.searchsorted(rows, np.arange(out_idx.shape[0]))[rows]
    chosen = rank < out_idx.shape[1]
    out_idx[rows[chosen], rank[chosen]] = cols[chosen]
    out_val[rows[chosen], rank[chosen]] = vals[chosen]
    return out_idx, out_val


def _block_best(n_rows: int, k: int, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray):
    """A block's best ``k`` per row from its scored (row, column) pairs, as :func:`top_k` gives them."""
    idx = np.full((n_rows, k), -1, dtype=np.int32)
    val = np.zeros((n_rows, k), dtype=np.float32)
    return _best_per_row(rows, cols, vals, idx, val)


def _search_block(corpus: Corpus, start: int, stop: int, k: int, dup_threshold: float):
    blended, text = score_rows(
        corpus, corpus.text[start:stop], corpus.tags[start:stop], corpus.tagged[start:stop]
    )
    rows, cols = np.nonzero(text >= dup_threshold)
    rows = rows + start
    pairs = np.stack([rows[rows < cols], cols[rows < cols]], axis=1).astype(np.int64)
    blended = blended.copy() if blended is text else blended
    local = np.arange(stop - start)
    blended[local, start + local] = -np.inf  # an article is never its own candidate
    idx, val = top_k(blended, k)
    return start, idx, val, pairs


def block_rows(n_articles: int, memory_mb: float) -> int:
    """Rows per block so that the block's three dense float32 arrays fit in ``memory_mb``."""
    per_row = max(1, n_articles) * 4 * 3
    return int(max(1, min(n_articles, memory_mb * 2**20 // per_row)))


#: Extra places asked of the compiled top-n product, so that ties at the last place are broken by
#: the lower index here (as in :func:`top_k`) rather than by the product's own order.
TIE_MARGIN = 8
#: joblib backends that run on this machine; under any other (a Dask cluster) blocks are sent away.
LOCAL_BACKENDS = (LokyBackend, MultiprocessingBackend, SequentialBackend, ThreadingBackend)


def _compiled_csr(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """The matrix as the compiled product takes it: float32, one index width, writable arrays."""
    index = np.int32 if matrix.nnz < 2**31 - 1 else np.int64

    def fit(array, dtype):
        return np.require(np.asarray(array), dtype=dtype, requirements=["C", "W"])

    return sp.csr_matrix(
        (fit(matrix.data, np.float32), fit(matrix.indices, index), fit(matrix.indptr, index)), shape=matrix.shape, copy=False
    )


def _top_n_block(text: sp.csr_matrix, text_t: sp.csr_matrix, start: int, stop: int, k: int, dup_threshold: float, threads: int):
    """The compiled path for rows ``start:stop``: their best ``k`` and their near-duplicate pairs."""
    top_n = k + 1 + TIE_MARGIN  # the article itself is among its own best
    found = sp_matmul_topn(text[start:stop], text_t, top_n=top_n, threshold=0.0, n_threads=threads if threads > 1 else None)
    lengths = np.diff(found.indptr)
    rows = np.repeat(np.arange(stop - start, dtype=np.int64), lengths)
    cols, vals = found.indices.astype(np.int64), np.asarray(found.data, dtype=np.float32)
    other = cols != rows + start
    near = other & (vals >= dup_threshold)
    pairs = [np.stack([rows[near] + start, cols[near]], axis=1)]
    # a row whose kept scores are all near-duplicates may have more of them: score it in full
    full = np.flatnonzero(lengths == top_n)
    if len(full):
        crowded = full[np.minimum.reduceat(vals, found.indptr[full]) >= dup_threshold]
        for r in crowded:
            scores = (text[start + r] @ text_t).toarray()[0]
            more = np.flatnonzero(scores >= dup_threshold)
            pairs.append(np.stack([np.full(len(more), start + r), more], axis=1))
    pairs = np.sort(np.concatenate(pairs), axis=1)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]].astype(np.int64)
    return start, *_block_best(stop - start, k, rows[other], cols[other], vals[other]), pairs


def candidate_search(
    corpus: Corpus,
    n_candidates: int,
    dup_threshold: float,
    *,
    n_jobs: int = 1,
    memory_mb: float = 256,
    approximate_with: "Approximate | None" = None,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every article's best ``n_candidates`` (indices, scores) and its near-duplicate group.

    Two articles are near-duplicates when their text cosine is at least ``dup_threshold``; groups
    are the connected components of that relation, labelled by their lowest member's index order.
    ``memory_mb`` bounds each worker's dense block. Blocks run on ``n_jobs`` local processes, or
    wherever joblib's active backend sends them (a Dask cluster under
    ``joblib.parallel_config(backend="dask")``).

    With ``approximate_with`` (see :func:`approximate`) the search is approximate: each article's
    pool of candidates comes from the product of the rows without their most common terms (the
    compiled top-n product), and the pool is rescored exactly, so every score kept is exact and
    only an article missing from the pool can be missed. Near-duplicates are found within the pool.
    """
    n = corpus.text.shape[0]
    idx = np.full((n, n_candidates), -1, dtype=np.int32)
    val = np.zeros((n, n_candidates), dtype=np.float32)
    local = isinstance(get_active_backend()[0], LOCAL_BACKENDS)
    threads = effective_n_jobs(n_jobs) if local else 1
    if approximate_with is not None:
        step = max(1024, -(-n // 200))

        def task(start: int):
            return delayed(_approximate_block)(approximate_with, start, min(n, start + step), n_candidates, dup_threshold, threads)

        here = local or n_jobs == 1
    elif corpus.tag_weight == 0 or not np.any(corpus.tagged):
        # the compiled product threads by itself: here, blocks go one after another
        text, text_t = _compiled_csr(corpus.text), _compiled_csr(corpus.text_t)
        step = max(256, -(-n // 50))

        def task(start: int):
            return delayed(_top_n_block)(text, text_t, start, min(n, start + step), n_candidates, dup_threshold, threads)

        here = local or n_jobs == 1
    else:
        step = block_rows(n, memory_mb)

        def task(start: int):
            return delayed(_search_block)(corpus, start, min(n, start + step), n_candidates, dup_threshold)

        here = n_jobs == 1
    starts = list(range(0, n, step))
    tasks = (task(s) for s in starts)
    if here or (local and len(starts) == 1):
        results = (function(*args, **kwargs) for function, args, kwargs in tasks)
    else:
        results = Parallel(n_jobs=n_jobs, return_as="generator")(tasks)
    pairs = []
    began = time.perf_counter()
    for done, (start, block_idx, block_val, block_pairs) in enumerate(results, 1):
        idx[start : start + len(block_idx)] = block_idx
        val[start : start + len(block_val)] = block_val
        pairs.append(block_pairs)
        if progress:
            progress(done, len(starts), time.perf_counter() - began)
    return idx, val, duplicate_groups(n, np.concatenate(pairs) if pairs else np.empty((0, 2), np.int64))


def search_cap(df: np.ndarray, n_articles: int, budget: float) -> int:
    """The largest document frequency a term may have and still take part in finding candidates.

    Finding candidates from the shared terms costs, per article, the number of (term, other article)
    postings it walks: the sum of ``df²`` over the terms, divided by the number of articles. The
    cap keeps that within ``budget``, leaving out the most common terms first (they add the least
    to a score and the most to the cost). Terms above the cap still count when the candidates are
    rescored.
    """
    if len(df) == 0:
        return 0
    values = np.sort(df.astype(np.float64))
    within = np.cumsum(values * values) <= budget * max(1, n_articles)
    return int(values[within][-1]) if within.any() else 0


def _kept_rows(matrix: sp.csr_matrix, keep_column: np.ndarray) -> sp.csr_matrix:
    """The rows with only the entries of the kept columns, in the compiled product's form."""
    keep = keep_column[matrix.indices]
    counts = np.zeros(matrix.shape[0], dtype=np.int64)
    nonempty = np.diff(matrix.indptr) > 0
    if nonempty.any():  # reduceat sums from each start to the next one: empty rows must be left out
        counts[nonempty] = np.add.reduceat(keep, matrix.indptr[:-1][nonempty], dtype=np.int64)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    return _compiled_csr(sp.csr_matrix((matrix.data[keep], matrix.indices[keep], indptr), shape=matrix.shape))


def _pool(found: sp.csr_matrix, start: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) pairs of a top-n product of rows ``start:…``, without each row itself."""
    rows = np.repeat(np.arange(found.shape[0], dtype=np.int64) + start, np.diff(found.indptr))
    cols = found.indices.astype(np.int64)
    other = rows != cols
    return rows[other], cols[other]


def _approximate_block(approx: "Approximate", start: int, stop: int, k: int, dup_threshold: float, threads: int):
    """Rows ``start:stop``: a pool of candidates from the pruned rows, rescored exactly."""
    from .pairdots import pair_dots  # compiled with numba: only the training job needs it

    corpus, top_n = approx.corpus, approx.pool + 1
    # a pruned query row never reaches the index rows of the terms it lacks: the full index serves
    pruned = _kept_rows(corpus.text[start:stop], approx.text_columns)
    rows, cols = _pool(sp_matmul_topn(pruned, approx.text_t, top_n=top_n, threshold=0.0, n_threads=threads), start)
    if approx.tag_columns is not None:
        pruned = _kept_rows(corpus.tags[start:stop], approx.tag_columns)
        more = _pool(sp_matmul_topn(pruned, approx.tags_t, top_n=top_n, threshold=0.0, n_threads=threads), start)
        pairs = np.unique(np.stack([np.concatenate([rows, more[0]]), np.concatenate([cols, more[1]])], axis=1), axis=0)
        rows, cols = pairs[:, 0], pairs[:, 1]
    text = pair_dots(corpus.text, rows, cols)
    scores = text
    if approx.tag_columns is not None:
        tags = pair_dots(corpus.tags, rows, cols)
        scores = blend(text, tags, corpus.tagged[rows] & corpus.tagged[cols], corpus.tag_weight)
    near = text >= dup_threshold
    pairs = np.sort(np.stack([rows[near], cols[near]], axis=1), axis=1).astype(np.int64)
    return start, *_block_best(stop - start, k, rows - start, cols, scores), pairs


@dataclass(frozen=True)
class Approximate:
    """What the approximate search finds its pools with (see :func:`approximate`).

    ``text_columns``/``tag_columns`` flag the terms (tags) rare enough to find candidates with
    (``tag_columns`` is None when tags do not count); ``text_t``/``tags_t`` are the corpus's inverted
    indexes in the compiled product's form. Blocks of query rows are pruned as they are searched;
    the indexes are not, since a pruned row never reaches the index rows of the terms it lacks, so
    nothing of the corpus's size is copied.
    """

    corpus: Corpus
    text_columns: np.ndarray
    text_t: sp.csr_matrix
    tag_columns: np.ndarray | None
    tags_t: sp.csr_matrix | None
    pool: int


def _findable(matrix: sp.csr_matrix, budget: float) -> np.ndarray:
    df = np.bincount(matrix.indices, minlength=matrix.shape[1])
    return df <= search_cap(df, matrix.shape[0], budget)


def approximate(corpus: Corpus, budget: float, pool: int) -> Approximate:
    """Leave the commonest text columns (and, when tags count, tag columns) out, within ``budget``."""
    tag_columns = tags_t = None
    if corpus.tag_weight > 0 and np.any(corpus.tagged):
        tag_columns, tags_t = _findable(corpus.tags, budget), _compiled_csr(corpus.tags_t)
    return Approximate(corpus, _findable(corpus.text, budget), _compiled_csr(corpus.text_t), tag_columns, tags_t, int(pool))


def duplicate_groups(n: int, pairs: np.ndarray) -> np.ndarray:
    """Group label per article from near-duplicate pairs; an article alone is its own group."""
    graph = sp.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int32)
