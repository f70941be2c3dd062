"""Exact top-candidate search over all pairs, in row blocks, with bounded memory.

Each block of rows is scored against the whole corpus as dense ``rows × n`` arrays (the block size
keeps them within a memory budget), its best ``n_candidates`` kept and the block dropped: nothing of
size ``n × n`` ever exists. Blocks run in parallel through joblib, in a fixed order, so the result
does not depend on the number of workers.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from scipy.sparse.csgraph import connected_components

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

    Only positive scores are candidates; unused slots hold index -1 and score 0.
    """
    n_rows, n_cols = scores.shape
    k_eff = min(k, n_cols)
    if k_eff < n_cols:
        part = np.argpartition(-scores, k_eff - 1, axis=1)[:, :k_eff]
    else:
        part = np.tile(np.arange(n_cols), (n_rows, 1))
    part_scores = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((part, -part_scores), axis=1)
    idx = np.take_along_axis(part, order, axis=1)
    val = np.take_along_axis(part_scores, order, axis=1)
    out_idx = np.full((n_rows, k), -1, dtype=np.int32)
    out_val = np.zeros((n_rows, k), dtype=np.float32)
    out_idx[:, :k_eff] = np.where(val > 0, idx, -1)
    out_val[:, :k_eff] = np.where(val > 0, val, 0.0)
    return out_idx, out_val


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


def candidate_search(
    corpus: Corpus,
    n_candidates: int,
    dup_threshold: float,
    *,
    n_jobs: int = 1,
    memory_mb: float = 256,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every article's best ``n_candidates`` (indices, scores) and its near-duplicate group.

    Two articles are near-duplicates when their text cosine is at least ``dup_threshold``; groups
    are the connected components of that relation, labelled by their lowest member's index order.
    ``memory_mb`` bounds each worker's dense block.
    """
    n = corpus.text.shape[0]
    idx = np.full((n, n_candidates), -1, dtype=np.int32)
    val = np.zeros((n, n_candidates), dtype=np.float32)
    step = block_rows(n, memory_mb)
    starts = list(range(0, n, step))
    tasks = (delayed(_search_block)(corpus, s, min(n, s + step), n_candidates, dup_threshold) for s in starts)
    if n_jobs == 1 or len(starts) == 1:
        results = (task[0](*task[1], **task[2]) for task in tasks)
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


def duplicate_groups(n: int, pairs: np.ndarray) -> np.ndarray:
    """Group label per article from near-duplicate pairs; an article alone is its own group."""
    graph = sp.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int32)
