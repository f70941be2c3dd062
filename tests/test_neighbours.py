"""The candidate search: the fast top-k and the compiled path agree with the plain definitions."""
from __future__ import annotations

import numpy as np
import pytest

from recommender import neighbours
from recommender.model import RelatedArticles
from recommender.neighbours import Corpus, candidate_search, top_k
from train.synthetic import Generator, Settings

from .conftest import make_articles

needs_compiled = pytest.mark.skipif(neighbours.sp_matmul_topn is None, reason="sparse-dot-topn is not installed")


def reference_top_k(scores, k):
    """Sort every row in full: score descending, ties to the lower column, positive scores only."""
    idx = np.full((scores.shape[0], k), -1, dtype=np.int32)
    val = np.zeros((scores.shape[0], k), dtype=np.float32)
    for r, row in enumerate(scores):
        order = [c for c in sorted(range(len(row)), key=lambda c: (-row[c], c)) if row[c] > 0][:k]
        idx[r, : len(order)], val[r, : len(order)] = order, row[order]
    return idx, val


@pytest.mark.parametrize("shape,k", [((6, 9), 3), ((6, 9), 20), ((4, 3000), 5), ((3, 500), 50), ((0, 5), 2), ((3, 0), 2)])
def test_top_k_is_a_full_sort_with_ties_to_the_lower_index(shape, k):
    rng = np.random.default_rng(1)
    scores = np.round(rng.random(shape, dtype=np.float32) - 0.3, 1).astype(np.float32)  # many ties, some zeros
    got, expected = top_k(scores, k), reference_top_k(scores, k)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])


@pytest.fixture(scope="module")
def synthetic():
    return list(Generator(Settings(300, seed=3, vocabulary=5_000, topics=20)))


def corpus_of(model, tag_weight=0.0):
    return Corpus(model.text_matrix_, model.text_index_, model.tag_matrix_, model.tag_index_, model.tagged_, tag_weight)


@needs_compiled
def test_the_compiled_path_equals_the_dense_blocks(synthetic, monkeypatch):
    corpus = corpus_of(RelatedArticles(n_jobs=1).fit(synthetic))
    fast_one = candidate_search(corpus, 20, 0.8, n_jobs=1)
    fast_all = candidate_search(corpus, 20, 0.8, n_jobs=-1)
    monkeypatch.setattr(neighbours, "sp_matmul_topn", None)
    dense = candidate_search(corpus, 20, 0.8, n_jobs=1, memory_mb=0.5)
    for a, b, c in zip(fast_one, fast_all, dense):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    assert len(np.unique(dense[2])) < len(synthetic)  # the synthetic updates were grouped


@needs_compiled
def test_a_story_sent_more_often_than_there_are_candidates_is_one_group():
    copies = [dict(make_articles()[0], id=f"copy{i}") for i in range(30)]
    model = RelatedArticles(min_df=1, n_candidates=5).fit(copies + make_articles()[4:])
    assert len(set(model.duplicate_group_[:30].tolist())) == 1
    assert model.duplicate_group_[30] != model.duplicate_group_[0]


def test_without_the_compiled_package_the_model_is_the_same(monkeypatch, articles):
    first = RelatedArticles(min_df=1).fit(articles)
    monkeypatch.setattr(neighbours, "sp_matmul_topn", None)
    second = RelatedArticles(min_df=1).fit(articles)
    for name in ("candidates_", "candidate_scores_", "duplicate_group_"):
        np.testing.assert_array_equal(getattr(first, name), getattr(second, name))
