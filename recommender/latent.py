"""Latent topics of the TF-IDF rows (latent semantic analysis): a few dozen dense coordinates per
article, in which two stories on one subject are close even when they share few words.

The topics are the leading right singular vectors of the TF-IDF matrix (scikit-learn's randomized
truncated SVD), fitted on at most ``FIT_ROWS`` articles spread evenly through the corpus; every
article, and any unseen one, is then projected on them and its coordinates scaled to unit length,
so that a dot product of two of them is a cosine.
"""
from __future__ import annotations

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
    svd.fit(sample.astype(np.float64))
    return np.ascontiguousarray(svd.components_.T, dtype=np.float32)


def project(matrix: sp.csr_matrix, topics: np.ndarray) -> np.ndarray:
    """Unit-length topic coordinates (on the ``terms × dims`` directions ``topics``) of the rows of ``matrix`` (``rows × dims``, float32); a row with
    no terms in common with the topics stays all zeros."""
    out = np.zeros((matrix.shape[0], topics.shape[1]), dtype=np.float32)
    if topics.shape[1] == 0:
        return out
    for start in range(0, matrix.shape[0], PROJECT_ROWS):
        block = np.asarray(matrix[start : start + PROJECT_ROWS] @ topics, dtype=np.float32)
        norms = np.linalg.norm(block, axis=1, keepdims=True)
        np.divide(block, norms, out=block, where=norms > 0)
        out[start : start + len(block)] = block
    return out
