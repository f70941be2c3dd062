"""The candidate search: the fast top-k and the compiled path agree with the plain definitions."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import pytest

from recommender import neighbours
from recommender.model import RelatedArticles
from recommender.neighbours import Corpus, candidate_search, top_k
from train.synthetic import Generator, Settings

from .conftest import make_articles



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


def test_the_compiled_path_equals_the_dense_blocks(synthetic):
    corpus = corpus_of(RelatedArticles(n_jobs=1).fit(synthetic))
    fast_one = candidate_search(corpus, 20, 0.8, n_jobs=1)
    fast_all = candidate_search(corpus, 20, 0.8, n_jobs=-1)
    _, dense_idx, dense_val, pairs = neighbours._search_block(corpus, 0, len(synthetic), 20, 0.8)
    dense = dense_idx, dense_val, neighbours.duplicate_groups(len(synthetic), pairs)
    for a, b, c in zip(fast_one, fast_all, dense):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    assert len(np.unique(dense[2])) < len(synthetic)  # the synthetic updates were grouped


def test_a_story_sent_more_often_than_there_are_candidates_is_one_group():
    copies = [dict(make_articles()[0], id=f"copy{i}") for i in range(30)]
    model = RelatedArticles(min_df=1, n_candidates=5).fit(copies + make_articles()[4:])
    assert len(set(model.duplicate_group_[:30].tolist())) == 1
    assert model.duplicate_group_[30] != model.duplicate_group_[0]




# ---------------------------------------------------------------------------- the approximate search
def test_pair_dots_are_the_dot_products_of_the_rows(synthetic):
    from recommender.pairdots import pair_dots

    matrix = RelatedArticles(n_jobs=1).fit(synthetic).text_matrix_
    rng = np.random.default_rng(0)
    rows = np.sort(rng.integers(0, matrix.shape[0], 500))
    cols = rng.integers(0, matrix.shape[0], 500)
    expected = np.asarray(matrix[rows].multiply(matrix[cols]).sum(axis=1)).ravel()
    np.testing.assert_allclose(pair_dots(matrix, rows, cols), expected, rtol=1e-5, atol=1e-6)
    assert pair_dots(matrix, rows[:0], cols[:0]).shape == (0,)


@pytest.mark.parametrize(
    "budget,kept",
    [
        (1e9, [[0, 1, 2], [], [3, 4]]),  # everything fits
        (12, [[1, 2], [], [3]]),  # row 0: 10 (weight 0.9) + 2 (0.5) fit, 5 more (0.1) would not
        (11, [[1], [], [3]]),  # row 0: the second-heaviest term would make 12 > 11: the row ends there
        (9, [[], [], [3]]),  # row 0's heaviest term alone walks 10 postings: nothing finds its candidates
    ],
)
def test_each_query_row_keeps_its_heaviest_terms_within_the_budget(budget, kept):
    df = np.array([5, 10, 2, 1, 20])
    rows = sp.csr_matrix(np.array([[0.1, 0.9, 0.5, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0.2, 0.1]], dtype=np.float32))
    pruned = neighbours.query_terms(rows, df, budget)
    assert [sorted(pruned[i].indices.tolist()) for i in range(3)] == kept
    np.testing.assert_array_equal(pruned.toarray()[pruned.toarray() != 0], rows.toarray()[pruned.toarray() != 0])


def exact_and_approximate(model, budget, pool, k=20, tag_weight=0.0):
    corpus = corpus_of(model, tag_weight)
    exact = candidate_search(corpus, k, 0.8)
    approx = candidate_search(corpus, k, 0.8, approximate_with=neighbours.approximate(corpus, budget, pool))
    return exact, approx


@pytest.mark.parametrize("tag_weight", [0.0, 0.4])
def test_with_a_budget_for_every_term_the_approximate_search_is_exact(synthetic, tag_weight):
    model = RelatedArticles(n_jobs=1, min_df=1).fit(synthetic)
    exact, approx = exact_and_approximate(model, budget=1e12, pool=len(synthetic), tag_weight=tag_weight)
    np.testing.assert_allclose(approx[1], exact[1], rtol=1e-5, atol=1e-6)
    # the same candidates, except where two scores tie within float rounding and may swap places
    clear = np.abs(np.diff(exact[1], axis=1, prepend=2.0)) > 1e-5
    clear[:, :-1] &= clear[:, 1:]
    assert clear.mean() > 0.5
    np.testing.assert_array_equal(approx[0][clear], exact[0][clear])
    np.testing.assert_array_equal(approx[2], exact[2])


def test_the_approximate_search_reads_document_frequencies_off_the_inverted_index(synthetic):
    model = RelatedArticles(n_jobs=1, tag_weight=0.3).fit(synthetic)
    pruned = neighbours.approximate(model._corpus(), 30, 10)
    text, tags = model.text_matrix_, model.tag_matrix_
    np.testing.assert_array_equal(pruned.text_df, np.bincount(text.indices, minlength=text.shape[1]))
    np.testing.assert_array_equal(pruned.tag_df, np.bincount(tags.indices, minlength=tags.shape[1]))
    assert pruned.text_df.dtype == np.int64 and pruned.text_df.min() >= 1  # every kept term is in an article


def test_a_tight_budget_still_finds_most_of_the_exact_top_ten_and_scores_stay_exact(synthetic):
    model = RelatedArticles(n_jobs=1).fit(synthetic)
    df = np.bincount(model.text_matrix_.indices, minlength=model.text_matrix_.shape[1])
    full = float((df.astype(float) ** 2).sum() / len(synthetic))
    exact, approx = exact_and_approximate(model, budget=full / 10, pool=40)
    found = [len(set(a[:10]) & set(e[:10])) / 10 for a, e in zip(approx[0], exact[0])]
    assert 0.8 <= np.mean(found) < 1.0  # the test would not show anything if pruning changed nothing
    rows = np.repeat(np.arange(len(synthetic)), 20)
    cols = approx[0].ravel()
    real = cols >= 0
    expected = np.asarray(model.text_matrix_[rows[real]].multiply(model.text_matrix_[cols[real]]).sum(axis=1)).ravel()
    np.testing.assert_allclose(approx[1].ravel()[real], expected, rtol=1e-5, atol=1e-6)


def test_a_refinement_round_keeps_scores_exact_and_only_adds_better_candidates(synthetic):
    model = RelatedArticles(n_jobs=1).fit(synthetic)
    corpus = corpus_of(model, 0.0)
    exact = candidate_search(corpus, 20, 0.8)
    idx, val, _ = candidate_search(corpus, 20, 0.8, approximate_with=neighbours.approximate(corpus, 30, 10))
    new_idx, new_val, pairs = neighbours.refine(corpus, idx.copy(), val.copy(), 10, 0.8, block=7)  # blocks of 7: the edges count
    again = neighbours.refine(corpus, idx.copy(), val.copy(), 10, 0.8, block=len(synthetic))  # one block: the same lists
    np.testing.assert_array_equal(again[0], new_idx)
    np.testing.assert_array_equal(again[1], new_val)
    lists = (idx.copy(), val.copy())
    assert neighbours.refine(corpus, *lists, 10, 0.8)[0] is lists[0]  # updated in place, no second copy
    assert np.all(new_val >= val - 1e-6)  # each place's score can only rise
    def recall(found):
        return np.mean([len(set(a[:10]) & set(e[:10])) / 10 for a, e in zip(found, exact[0])])
    assert recall(idx) < recall(new_idx)  # the test shows nothing if the round changed nothing
    rows = np.repeat(np.arange(len(synthetic)), 20)
    cols = new_idx.ravel()
    real = cols >= 0
    assert not np.any(cols[real] == rows[real])  # never the article itself
    assert all(len(set(r[r >= 0])) == (r >= 0).sum() for r in new_idx)  # nor anyone twice
    expected = np.asarray(model.text_matrix_[rows[real]].multiply(model.text_matrix_[cols[real]]).sum(axis=1)).ravel()
    np.testing.assert_allclose(new_val.ravel()[real], expected, rtol=1e-5, atol=1e-6)
    assert pairs.shape[1] == 2 and np.all(pairs[:, 0] < pairs[:, 1])


def test_the_model_chooses_the_search_and_records_it(synthetic, tmp_path):
    from recommender import artifact

    exact = RelatedArticles(n_jobs=1).fit(synthetic)
    approx = RelatedArticles(n_jobs=1, search="approximate").fit(synthetic)
    assert (exact.search_, approx.search_) == ("exact", "approximate")
    assert approx.related(synthetic[0]["id"], k=5)
    artifact.publish(approx, tmp_path)
    assert artifact.load(tmp_path).search_ == "approximate"
    with pytest.raises(ValueError, match="search must be one of"):
        RelatedArticles(search="fast").fit(synthetic)


@pytest.mark.parametrize("density", [0.0, 0.02, 0.3])
def test_one_posted_row_is_scored_with_the_same_floats_as_scipys_product(density):
    index = sp.random(300, 2_000, density=0.05, format="csr", random_state=4, dtype=np.float32)
    rows = sp.random(3, 300, density=density, format="csr", random_state=5, dtype=np.float32)
    for i in range(3):
        one = rows[i]
        np.testing.assert_array_equal(neighbours.dense_product(one, index), (one @ index).toarray())
    np.testing.assert_array_equal(neighbours.dense_product(rows, index), (rows @ index).toarray())
