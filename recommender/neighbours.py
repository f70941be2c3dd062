"""Top-candidate search over all pairs, exact or approximate, with bounded memory.

Exact, words alone (no topic weight, and ``tag_weight`` 0 or no article has tags): sparse-dot-topn's
compiled, multi-threaded sparse product keeps each row's best scores as it goes, block of rows by
block. Exact, with latent topics or tags: each block of rows is scored against the whole corpus as
dense ``rows × n`` arrays (the block size keeps them within a memory budget), its best
``n_candidates`` kept and the block dropped: nothing of size ``n × n`` ever exists.
Approximate (large corpora): the exact cost grows with the square of the articles, mostly through
the commonest terms; each article finds a pool of candidates with only its heaviest terms, as many
as fit in a budget of postings (:func:`query_terms`), the pool is rescored exactly, topics
included (:mod:`.pairdots`), and rounds of :func:`refine` add the neighbours' neighbours.

Blocks run in a fixed order, so the result does not depend on the number of workers, here or on a
cluster.
"""
from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass
from typing import Callable

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed, effective_n_jobs
from joblib._parallel_backends import LokyBackend, MultiprocessingBackend, SequentialBackend, ThreadingBackend
from joblib.parallel import get_active_backend
from scipy.sparse.csgraph import connected_components

from sparse_dot_topn import sp_matmul_topn

# progress(steps_done, steps_total, seconds_elapsed): the blocks, then any refinement rounds
Progress = Callable[[int, int, float], None]


@dataclass(frozen=True)
class Corpus:
    """What the blended score needs: l2-normalised text and tag rows, who has tags, the tag weight,
    the articles' topic coordinates and the topic weight.

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
    topics: np.ndarray | None = None  # unit-length topic coordinates, articles × dims (see .latent)
    topic_weight: float = 0.0
    topic_gate: float = 0.0

    @property
    def uses_topics(self) -> bool:
        return self.topic_weight > 0 and self.topics is not None and self.topics.shape[1] > 0

    @property
    def uses_tags(self) -> bool:
        return self.tag_weight > 0 and bool(np.any(self.tagged))

    @property
    def words_only(self) -> bool:
        """The score is the tf-idf cosine alone (what the compiled top-n product computes)."""
        return not self.uses_tags and not self.uses_topics


#: Topic cosines below this count as 0: two unrelated texts' coordinates are rarely exactly orthogonal.
TOPIC_FLOOR = 1e-3


def topic_part(topic_cosine: np.ndarray) -> np.ndarray:
    """Topic cosines as the score counts them: under :data:`TOPIC_FLOOR` (and negative ones) as 0."""
    return np.where(topic_cosine >= TOPIC_FLOOR, topic_cosine, 0.0)


def topic_gain(cosine: np.ndarray, topic_cosine: np.ndarray, topic_gate: float) -> np.ndarray:
    """What topics add to a pair before their weight: ``topic cosine * tf-idf cosine ** γ`` (see
    :func:`topic_part`); with γ = 0 the topic cosine alone."""
    topic = topic_part(topic_cosine)
    if topic_gate == 0:
        return topic
    with np.errstate(divide="ignore"):  # c = 0: log gives -inf, exp gives 0, as 0 ** γ does
        # exp(γ log c) rather than c ** γ: numpy vectorises float32 exp and log, not power (1.2 vs 9 ms at 1M)
        return topic * np.exp(np.float32(topic_gate) * np.log(cosine))


def text_score(cosine: np.ndarray, topic_cosine: np.ndarray, topic_weight: float, topic_gate: float) -> np.ndarray:
    """The text part of the score: ``(1 - λ) * c + λ * t * c ** γ`` for tf-idf cosine ``c`` and topic
    cosine ``t`` (see :func:`topic_gain`)."""
    gain = topic_gain(cosine, topic_cosine, topic_gate)
    return ((1.0 - topic_weight) * cosine + topic_weight * gain).astype(np.float32, copy=False)


def blend(text: np.ndarray, tags: np.ndarray, both_tagged: np.ndarray, tag_weight: float) -> np.ndarray:
    """``(1 - w) * text + w * tags`` where both articles have tags, text alone where either has none."""
    if tag_weight == 0:
        return text
    return np.where(both_tagged, (1.0 - tag_weight) * text + tag_weight * tags, text).astype(np.float32)


def dense_product(rows: sp.csr_matrix, index: sp.csr_matrix) -> np.ndarray:
    """``(rows @ index).toarray()``: the TF-IDF cosines of some query rows against every article
    (``index``: the terms × articles inverted index). One row, as a posted article is, is summed term
    by term straight into a dense row, in the order scipy's product sums it (the same floats), without
    building the sparse result first: 44 → 27 ms for a posted article at 1M articles."""
    if rows.shape[0] != 1:
        return (rows @ index).toarray()
    out = np.zeros((1, index.shape[1]), dtype=np.result_type(rows.dtype, index.dtype))
    row = out[0]
    for term, weight in zip(rows.indices, rows.data):
        start, end = index.indptr[term], index.indptr[term + 1]
        row[index.indices[start:end]] += weight * index.data[start:end]  # one posting per article: no repeats
    return out


def score_rows(
    corpus: Corpus, text_rows: sp.csr_matrix, tag_rows: sp.csr_matrix, rows_tagged: np.ndarray,
    topic_rows: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Dense blended scores and TF-IDF cosines of some query rows against every article (the
    cosines decide near-duplicates). ``topic_rows`` are the rows' topic coordinates, needed when
    the corpus weighs topics."""
    cosine = dense_product(text_rows, corpus.text_t)
    text = cosine
    if corpus.uses_topics:
        text = text_score(cosine, topic_rows @ corpus.topics.T, corpus.topic_weight, corpus.topic_gate)
    if corpus.tag_weight == 0 or not rows_tagged.any():
        return text, cosine
    tags = (tag_rows @ corpus.tags_t).toarray()
    both = rows_tagged[:, None] & corpus.tagged[None, :]
    return blend(text, tags, both, corpus.tag_weight), cosine


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
    topics = corpus.topics[start:stop] if corpus.uses_topics else None
    blended, text = score_rows(
        corpus, corpus.text[start:stop], corpus.tags[start:stop], corpus.tagged[start:stop], topics
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
    """Rows per block so that the block's dense float32 arrays (cosines, topic cosines, tags,
    blend) fit in ``memory_mb``."""
    per_row = max(1, n_articles) * 4 * 4
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
    refine_rounds: int = 0,
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
    ``refine_rounds`` rounds of :func:`refine` then add the neighbours' neighbours (on this machine,
    in compiled threads, also when the blocks ran on a cluster).
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
    elif corpus.words_only:
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
    rounds = refine_rounds if approximate_with is not None else 0
    began = time.perf_counter()
    for done, (start, block_idx, block_val, block_pairs) in enumerate(results, 1):
        idx[start : start + len(block_idx)] = block_idx
        val[start : start + len(block_val)] = block_val
        pairs.append(block_pairs)
        if progress:
            progress(done, len(starts) + rounds, time.perf_counter() - began)
    for done in range(1, rounds + 1):
        idx, val, more = refine(corpus, idx, val, REFINE_FANOUT, dup_threshold)
        pairs.append(more)
        if progress:
            progress(len(starts) + done, len(starts) + rounds, time.perf_counter() - began)
    return idx, val, duplicate_groups(n, np.concatenate(pairs) if pairs else np.empty((0, 2), np.int64))


def query_terms(rows: sp.csr_matrix, df: np.ndarray, budget: float) -> sp.csr_matrix:
    """Each row with only its heaviest terms, as many as fit in ``budget`` postings.

    Finding a row's candidates through a term walks that term's postings, ``df`` of them. A row
    keeps its terms in order of weight, heaviest first (as More Like This keeps a query's best
    terms), while the postings walked add up to at most ``budget``; the first term that does not
    fit ends the row. A light common term adds little to any score and costs the most, so it is
    the first to go, but a common term that weighs much in this row (in its title, say) stays.
    Returned in the compiled product's form.
    """
    row_of = np.repeat(np.arange(rows.shape[0], dtype=np.int64), np.diff(rows.indptr))
    order = np.lexsort((-rows.data, row_of))
    walked = np.cumsum(df[rows.indices[order]].astype(np.float64))
    before = np.concatenate([[0.0], walked])[rows.indptr[:-1]]
    keep = np.zeros(rows.nnz, dtype=bool)
    keep[order[walked - before[row_of[order]] <= budget]] = True
    indptr = np.concatenate([[0], np.cumsum(np.bincount(row_of[keep], minlength=rows.shape[0]))])
    return _compiled_csr(sp.csr_matrix((rows.data[keep], rows.indices[keep], indptr), shape=rows.shape))


def _pool(found: sp.csr_matrix, start: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) pairs of a top-n product of rows ``start:…``, without each row itself."""
    rows = np.repeat(np.arange(found.shape[0], dtype=np.int64) + start, np.diff(found.indptr))
    cols = found.indices.astype(np.int64)
    other = rows != cols
    return rows[other], cols[other]


def _pair_scores(corpus: Corpus, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact blended scores and text cosines of (row, column) pairs, rows grouped."""
    from .pairdots import dense_pair_dots, pair_dots  # compiled with numba: only the training job needs them

    cosine = pair_dots(corpus.text, rows, cols)
    text = cosine
    if corpus.uses_topics:
        text = text_score(cosine, dense_pair_dots(corpus.topics, rows, cols), corpus.topic_weight, corpus.topic_gate)
    if not corpus.uses_tags:
        return text, cosine
    tags = pair_dots(corpus.tags, rows, cols)
    return blend(text, tags, corpus.tagged[rows] & corpus.tagged[cols], corpus.tag_weight), cosine


def _approximate_block(approx: "Approximate", start: int, stop: int, k: int, dup_threshold: float, threads: int):
    """Rows ``start:stop``: a pool of candidates from the pruned rows, rescored exactly."""
    corpus, top_n = approx.corpus, approx.pool + 1
    # a pruned query row never reaches the index rows of the terms it lacks: the full index serves
    pruned = query_terms(corpus.text[start:stop], approx.text_df, approx.budget)
    rows, cols = _pool(sp_matmul_topn(pruned, approx.text_t, top_n=top_n, threshold=0.0, n_threads=threads), start)
    if approx.tags_t is not None:
        pruned = query_terms(corpus.tags[start:stop], approx.tag_df, approx.budget)
        more = _pool(sp_matmul_topn(pruned, approx.tags_t, top_n=top_n, threshold=0.0, n_threads=threads), start)
        pairs = np.unique(np.stack([np.concatenate([rows, more[0]]), np.concatenate([cols, more[1]])], axis=1), axis=0)
        rows, cols = pairs[:, 0], pairs[:, 1]
    scores, text = _pair_scores(corpus, rows, cols)
    near = text >= dup_threshold
    pairs = np.sort(np.stack([rows[near], cols[near]], axis=1), axis=1).astype(np.int64)
    return start, *_block_best(stop - start, k, rows - start, cols, scores), pairs


#: How many of each article's candidates, and of theirs, a round of :func:`refine` looks at.
REFINE_FANOUT = 10


def refine(
    corpus: Corpus, idx: np.ndarray, val: np.ndarray, fanout: int, dup_threshold: float, block: int = 32768
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One round of "a neighbour's neighbour is likely a neighbour" over approximate lists.

    Each article's candidates are joined by the first ``fanout`` candidates of its own first
    ``fanout``, and by the articles that list it among their first ``fanout``; the new ones are
    scored exactly and the best ``k`` kept. Scores stay exact, so a round can only raise recall.
    ``idx`` and ``val`` are updated in place, ``block`` rows at a time (each block reads only its own
    rows of them, and a copy of every article's first ``fanout``), so a round holds no second copy
    of the lists: at 1M articles, 400 MB; the block bounds the round's working arrays (about 8 KB a
    row). Returns ``idx``, ``val`` and the near-duplicate pairs met among the new candidates.
    """
    n, k = idx.shape
    f = min(fanout, k)
    head = idx[:, :f].astype(np.int64)  # a copy: the rows are overwritten block by block
    src = np.repeat(np.arange(n, dtype=np.int64), f)
    listed = head.ravel() >= 0
    reverse = sp.csr_matrix(
        (np.ones(int(listed.sum()), dtype=np.int8), (head.ravel()[listed], src[listed])), shape=(n, n)
    )
    pairs = []
    for start in range(0, n, block):
        stop = min(n, start + block)
        hop = head[start:stop]
        two = np.where(hop[:, :, None] >= 0, head[np.maximum(hop, 0)], -1).reshape(stop - start, -1)
        back = reverse[start:stop]
        rows = np.concatenate([np.repeat(np.arange(start, stop), two.shape[1]), np.repeat(np.arange(start, stop), np.diff(back.indptr))])
        cols = np.concatenate([two.ravel(), back.indices.astype(np.int64)])
        # known pairs go first, so that unique keeps their stored score; then drop them from the new
        old_rows = np.repeat(np.arange(start, stop), k)
        old_cols = np.asarray(idx[start:stop], dtype=np.int64).ravel()
        keys = np.concatenate([old_rows * n + old_cols, rows * n + cols])
        valid = np.concatenate([old_cols >= 0, (cols >= 0) & (cols != rows)])
        keys, first = np.unique(keys[valid], return_index=True)
        is_new = first >= int((old_cols >= 0).sum())
        new_rows, new_cols = keys[is_new] // n, keys[is_new] % n
        scores, text = _pair_scores(corpus, new_rows, new_cols)
        near = text >= dup_threshold
        pairs.append(np.sort(np.stack([new_rows[near], new_cols[near]], axis=1), axis=1))
        kept = old_cols >= 0
        all_rows = np.concatenate([old_rows[kept], new_rows]) - start
        all_cols = np.concatenate([old_cols[kept], new_cols])
        all_vals = np.concatenate([np.asarray(val[start:stop]).ravel()[kept], scores])
        idx[start:stop], val[start:stop] = _block_best(stop - start, k, all_rows, all_cols, all_vals)
    return idx, val, np.concatenate(pairs).astype(np.int64) if pairs else np.empty((0, 2), np.int64)


@dataclass(frozen=True)
class Approximate:
    """What the approximate search finds its pools with (see :func:`approximate`).

    ``text_df``/``tag_df`` are the document frequencies of the terms (tags), which
    :func:`query_terms` weighs against ``budget``; ``tags_t``/``tag_df`` are None when tags do not
    count. ``text_t``/``tags_t`` are the corpus's inverted indexes in the compiled product's form.
    Blocks of query rows are pruned as they are searched; the indexes are not, since a pruned row
    never reaches the index rows of the terms it lacks, so nothing of the corpus's size is copied.
    """

    corpus: Corpus
    text_df: np.ndarray
    text_t: sp.csr_matrix
    tag_df: np.ndarray | None
    tags_t: sp.csr_matrix | None
    budget: float
    pool: int


def _df(index: sp.csr_matrix) -> np.ndarray:
    """Document frequency of each term (tag) from its row of the inverted ``index``: its row length.
    (A ``bincount`` of the matrix's column indices gives the same, but casts all of them to int64
    first: 1.4 GB at 1M articles.)"""
    return np.diff(index.indptr).astype(np.int64)


def approximate(corpus: Corpus, budget: float, pool: int) -> Approximate:
    """The approximate search's inputs: each query row keeps the terms that fit ``budget`` postings."""
    tag_df = tags_t = None
    if corpus.uses_tags:
        tag_df, tags_t = _df(corpus.tags_t), _compiled_csr(corpus.tags_t)
    return Approximate(corpus, _df(corpus.text_t), _compiled_csr(corpus.text_t), tag_df, tags_t, float(budget), int(pool))


def duplicate_groups(n: int, pairs: np.ndarray) -> np.ndarray:
    """Group label per article from near-duplicate pairs; an article alone is its own group."""
    graph = sp.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int32)


_WORD = re.compile(r"\w+")


def title_key(title: str) -> int:
    """A headline as a reader compares it: its words, case and punctuation aside (0: no words).
    A hash of this process: keys are compared only with keys made in the same run."""
    words = _WORD.findall(unicodedata.normalize("NFKC", title).casefold())
    return hash(" ".join(words)) or 1 if words else 0


def same_title_pairs(keys: np.ndarray, text: sp.csr_matrix, candidates: np.ndarray, min_cosine: float,
                     block: int = 65536) -> np.ndarray:
    """(article, candidate) pairs under the same headline (``keys`` from :func:`title_key`) whose
    text cosine reaches ``min_cosine``; only each article's ``candidates`` are compared. Headlines
    that recur over different stories ("Letters", "Weather") rarely share that much text."""
    found = []
    for start in range(0, len(candidates), block):
        cand = candidates[start : start + block]
        mine = keys[start : start + len(cand), None]
        rows, cols = np.nonzero((cand >= 0) & (mine != 0) & (keys[np.maximum(cand, 0)] == mine))
        found.append(np.column_stack([rows + start, cand[rows, cols]]).astype(np.int64))
    pairs = np.concatenate(found) if found else np.empty((0, 2), np.int64)
    if len(pairs):
        from .pairdots import pair_dots

        pairs = pairs[pair_dots(text, pairs[:, 0], pairs[:, 1]) >= min_cosine]
    return pairs


#: A brief and the story it is a version of (a wire flash and the story that follows it, a
#: correction notice and what it corrects): published within BRIEF_DAYS of each other, the brief
#: with at most BRIEF_SIZE times the story's distinct terms and at least BRIEF_SHARE of its tf-idf
#: weight on terms the story has. By weight, not by count: a flash that differs from another
#: company's story only by the company's name has its rarest, heaviest term missing.
BRIEF_DAYS, BRIEF_SIZE, BRIEF_SHARE = 1.0, 0.5, 0.8


def brief_of(sizes_a: np.ndarray, sizes_b: np.ndarray, share_a: np.ndarray | float, share_b: np.ndarray | float,
             gap_days: np.ndarray) -> np.ndarray:
    """Whether each pair (a, b) is a brief and its story by :data:`BRIEF_DAYS` and the rest (their
    text cosine is checked apart). ``sizes``: distinct terms; ``share_a``: the share of a's squared
    tf-idf weight on terms b has (``share_b`` the other way; 1 for both checks the dates and sizes
    alone, the cheap part, before the shares are worked out); undated: False."""
    a_is_brief = sizes_a <= sizes_b
    small, big = np.where(a_is_brief, sizes_a, sizes_b), np.where(a_is_brief, sizes_b, sizes_a)
    share = np.where(a_is_brief, share_a, share_b)
    with np.errstate(invalid="ignore"):
        near = np.abs(gap_days) <= BRIEF_DAYS
    return near & (small >= 1) & (small <= BRIEF_SIZE * big) & (share >= BRIEF_SHARE)


def brief_pairs(text: sp.csr_matrix, days: np.ndarray, candidates: np.ndarray, min_cosine: float,
                block: int = 65536) -> np.ndarray:
    """(brief, story) pairs (:func:`brief_of`) with a text cosine of at least ``min_cosine``, among
    each article's ``candidates``; each brief with its best story only, so that a brief never joins
    two stories (a flash matching two companies' postings, say) into one."""
    from .pairdots import pair_dots, shared_weight

    sizes = np.diff(text.indptr)
    found = []
    for start in range(0, len(candidates), block):
        cand = candidates[start : start + block]
        mine = np.arange(start, start + len(cand))[:, None]
        other = np.maximum(cand, 0)
        maybe = (cand >= 0) & brief_of(sizes[mine], sizes[other], 1.0, 1.0, days[mine] - days[other])  # all but the shares
        rows, cols = np.nonzero(maybe)
        found.append(np.column_stack([rows + start, cand[rows, cols]]).astype(np.int64))
    pairs = np.concatenate(found) if found else np.empty((0, 2), np.int64)
    if not len(pairs):
        return pairs
    cosine = pair_dots(text, pairs[:, 0], pairs[:, 1])
    pairs, cosine = pairs[cosine >= min_cosine], cosine[cosine >= min_cosine]
    a, b = pairs[:, 0], pairs[:, 1]
    share_a, share_b = shared_weight(text, a, b)
    kept = brief_of(sizes[a], sizes[b], share_a, share_b, days[a] - days[b])
    pairs, cosine = pairs[kept], cosine[kept]
    pairs = np.where((sizes[pairs[:, 0]] <= sizes[pairs[:, 1]])[:, None], pairs, pairs[:, ::-1])  # (brief, story)
    best = np.lexsort((-cosine, pairs[:, 0]))  # by brief, its best story first
    pairs = pairs[best]
    first = np.ones(len(pairs), dtype=bool)
    first[1:] = pairs[1:, 0] != pairs[:-1, 0]
    return pairs[first]


def merge_groups(groups: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """:func:`duplicate_groups` of the pairs that made ``groups`` and of ``pairs`` too."""
    if not len(pairs):
        return groups
    _, first = np.unique(groups, return_index=True)  # the labels are 0, 1, ...: each one's lowest member
    members = np.column_stack([np.arange(len(groups)), first[groups]])
    return duplicate_groups(len(groups), np.concatenate([members, pairs]))
