"""Latent topics of the TF-IDF rows (latent semantic analysis): a few dozen dense coordinates per
article, in which two stories on one subject are close even when they share few words.

The topics are the leading right singular vectors of the TF-IDF matrix (scikit-learn's randomized
truncated SVD), fitted on at most ``FIT_ROWS`` articles spread evenly through the corpus; every
article, and any unseen one, is then projected on them and its coordinates scaled to unit length,
so that a dot product of two of them is a cosine.

Topics can be read at several resolutions at once (``levels``, e.g. 20, 50 and 100): an article's
coordinates are then its unit-length projections on the leading 20, the leading 50 and all 100
directions side by side, each block scaled by 1/sqrt(3), so that a dot product of two of them is the
mean of the three cosines. The coarse levels say which broad subject two stories share, the fine
ones whether they share the narrower one.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import scipy.sparse as sp

#: Articles the topics are fitted on at most; beyond it an evenly spaced sample of this many.
FIT_ROWS = 50_000
#: Rows projected at once (bounds the float64 intermediate of the product).
PROJECT_ROWS = 65_536


def fit_topics(matrix: sp.csr_matrix, dims: int, seed: int = 0) -> np.ndarray:
    """``dims`` topic directions of the TF-IDF ``matrix`` as the columns of a ``terms × dims``
    float32 array (the layout the projection multiplies by without a copy); fewer when the corpus
    has fewer articles or terms than that, none (``terms × 0``) when ``dims`` is 0."""
    n, n_terms = matrix.shape
    sample = matrix if n <= FIT_ROWS else matrix[np.linspace(0, n - 1, FIT_ROWS).astype(np.int64)]
    dims = min(int(dims), sample.shape[0] - 1, n_terms - 1)
    if dims < 1:
        return np.zeros((n_terms, 0), dtype=np.float32)
    from sklearn.decomposition import TruncatedSVD  # only training needs it: servers do not import it

    svd = TruncatedSVD(n_components=dims, algorithm="randomized", n_iter=7, random_state=seed)
    with np.errstate(divide="ignore", invalid="ignore"):  # rows all alike: a variance ratio of 0/0 nobody reads
        svd.fit(sample.astype(np.float64))
    return np.ascontiguousarray(svd.components_.T, dtype=np.float32)


def levels(dims: int | Sequence[int], available: int) -> tuple[int, ...]:
    """The resolutions (numbers of leading directions) a ``topic_dims`` setting reads, given the
    ``available`` directions: ascending, distinct, none above ``available``; ``()`` for no topics."""
    wanted = [int(dims)] if isinstance(dims, (int, np.integer)) else [int(d) for d in dims]
    return tuple(sorted({min(d, available) for d in wanted if d > 0 and available > 0}))


def project(matrix: sp.csr_matrix, topics: np.ndarray, at: Sequence[int] | None = None) -> np.ndarray:
    """Topic coordinates of the rows of ``matrix`` on the ``terms × dims`` directions ``topics``
    (float32): the unit-length projection on the leading ``n`` directions for each ``n`` in ``at``
    (default: all of them), side by side and each scaled by 1/sqrt(len(at)), so a dot product of two
    rows is the mean of their cosines at each resolution. A row with no terms in common with the
    topics stays all zeros."""
    at = tuple(at) if at is not None else levels(topics.shape[1], topics.shape[1])
    out = np.zeros((matrix.shape[0], sum(at)), dtype=np.float32)
    if not at:
        return out
    scale = np.float32(1 / np.sqrt(len(at)))
    for start in range(0, matrix.shape[0], PROJECT_ROWS):
        block = np.asarray(matrix[start : start + PROJECT_ROWS] @ topics[:, : at[-1]], dtype=np.float32)
        column = 0
        for n in at:
            part = out[start : start + len(block), column : column + n]
            part[:] = block[:, :n]
            norms = np.linalg.norm(part, axis=1, keepdims=True)
            np.divide(part, norms / scale, out=part, where=norms > 0)
            column += n
    return out
