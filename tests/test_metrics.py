"""Every metric on small hand-made cases with known answers."""
from __future__ import annotations

import math

import numpy as np
import pytest

from train import metrics as m


def test_precision_divides_by_k_even_for_short_lists():
    assert m.precision_at_k(["a", "x", "b"], {"a", "b"}, 2) == 0.5
    assert m.precision_at_k(["a"], {"a", "b"}, 4) == 0.25
    assert m.precision_at_k([], {"a"}, 3) == 0.0


def test_recall_and_queries_without_relevant_items():
    assert m.recall_at_k(["a", "x", "b"], {"a", "b", "c", "d"}, 2) == 0.25
    assert m.recall_at_k(["a"], {"a"}, 10) == 1.0
    assert m.recall_at_k(["a"], set(), 10) is None
    assert m.ndcg_at_k(["a"], set(), 10) is None
    assert m.reciprocal_rank(["a"], set()) is None
    assert m.hit_at_k(["a"], set(), 10) is None


def test_ndcg_known_values():
    assert m.ndcg_at_k(["a", "b"], {"a", "b"}, 2) == pytest.approx(1.0)
    # one hit at rank 2 of two relevant: (1/log2 3) / (1 + 1/log2 3)
    expected = (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    assert m.ndcg_at_k(["x", "a"], {"a", "b"}, 2) == pytest.approx(expected)
    assert m.ndcg_at_k(["x", "y"], {"a"}, 2) == 0.0
    # k larger than the list: the ideal is cut at the number of relevant items
    assert m.ndcg_at_k(["a"], {"a"}, 10) == pytest.approx(1.0)


def test_reciprocal_rank_and_hits():
    assert m.reciprocal_rank(["x", "y", "a"], {"a"}) == pytest.approx(1 / 3)
    assert m.reciprocal_rank(["x"], {"a"}) == 0.0
    assert m.hit_at_k(["x", "a"], {"a"}, 1) == 0.0
    assert m.hit_at_k(["x", "a"], {"a"}, 2) == 1.0


def test_label_precision_pads_short_lists_with_misses():
    labels = {"a": {"sport"}, "b": {"sport", "money"}, "c": {"tech"}, "d": {"sport"}}
    assert m.label_precision(["a", "b", "c"], {"sport"}, labels, 8) == pytest.approx(2 / 8)  # a short list earns no more
    assert m.label_precision(["a", "b", "c", "d"], {"sport"}, labels, 2) == 1.0  # k cuts the list
    assert m.label_precision(["c", "unlabelled"], {"sport"}, labels, 8) == 0.0
    assert m.label_precision([], {"sport"}, labels, 8) == 0.0  # nothing shown: all misses
    assert m.label_precision(["a"], set(), labels, 8) is None  # a source without labels is not judged


def test_an_item_repeated_in_a_list_counts_once():
    assert m.precision_at_k(["a", "a"], {"a"}, 2) == 0.5
    assert m.recall_at_k(["a", "a"], {"a", "b"}, 2) == 0.5
    assert m.ndcg_at_k(["a", "a"], {"a"}, 2) == 1.0  # was 1.63: above the ideal ranking's
    assert m.ndcg_at_k(["x", "a", "a", "b"], {"a", "b"}, 4) == pytest.approx((1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3)))
    assert m.label_precision(["s1", "s1", "f1"], {"space"}, {"s1": {"space"}, "f1": {"food"}}, 3) == pytest.approx(1 / 3)
    assert m.reciprocal_rank(["x", "a", "a"], {"a"}) == 0.5 and m.hit_at_k(["a", "a"], {"a"}, 2) == 1.0


def test_correlations_with_ties_and_degenerate_input():
    got = m.correlations([0.1, 0.2, 0.2, 0.9], [1, 2, 2, 4])
    assert got["pearson"] == pytest.approx(1.35 / math.sqrt(0.41 * 4.75))  # by hand
    assert got["spearman"] == pytest.approx(1.0)
    assert m.correlations([0.5, 0.5, 0.5], [1, 2, 3])["pearson"] is None
    assert m.correlations([0.1, 0.2], [1, 2])["spearman"] is None
    # float32 rounding between two tellings of one text is no ranking
    assert m.correlations([1.0, 0.99999994, 1.0, 0.99999994], [1, 2, 3, 4])["pearson"] is None
    # ratings whose spread overflows a float: undefined, not NaN
    assert m.correlations([0.1, 0.5, 0.9], [1e308, -1e308, 1e308]) == {"pearson": None, "spearman": None, "pairs": 3}


def test_intervals_hold_the_figure_and_narrow_with_more_questions():
    few, many = [1.0, 0.0] * 25, [1.0, 0.0] * 1000
    lo, hi = m.interval(m.mean_questions(few))
    assert lo < 0.5 < hi
    # the normal approximation by hand: 0.5 +- 1.96 * sqrt(0.25 / n)
    assert hi - lo == pytest.approx(2 * 1.96 * math.sqrt(0.25 / 50), rel=0.25)
    lo_many, hi_many = m.interval(m.mean_questions(many))
    assert hi_many - lo_many == pytest.approx(2 * 1.96 * math.sqrt(0.25 / 2000), rel=0.1)
    assert m.interval(m.mean_questions(few)) == [lo, hi]  # seeded: one run's report can be reproduced
    assert m.interval(m.mean_questions([None, 1.0, 0.0, 1.0, None])) == m.interval(m.mean_questions([1.0, 0.0, 1.0]))  # undefined values left out


def test_intervals_of_degenerate_and_tiny_samples():
    assert m.interval(m.mean_questions([0.75] * 10)) == [0.75, 0.75]  # every question alike: nothing to resample
    assert m.interval(m.mean_questions([1.0, 0.0])) is None and m.interval(m.mean_questions([])) is None
    assert m.pearson_questions([0.5, 0.5, 0.5], [1, 2, 3]) is None  # no Pearson, no interval
    scores = [0.31, 0.12, 0.77, 0.45, 0.08, 0.64, 0.29, 0.51, 0.93, 0.18, 0.36, 0.72, 0.05, 0.58, 0.41, 0.87, 0.22, 0.69, 0.14]
    few_vary = m.pearson_questions(scores, [1] * 16 + [5] * 3)  # many resamples draw only the 1s: no Pearson there
    assert few_vary is not None and m.interval(few_vary) is None  # not a bound of ±1e-16 taken from them
    truth, predicted = [{"a"}, {"b"}, {"a", "b"}] * 2, [{"a"}, {"b"}, {"a", "b"}] * 2
    assert m.interval(m.micro_f1_questions(truth, predicted, {"a", "b"})) == [1.0, 1.0]


def test_micro_f1_and_pearson_intervals_hold_their_figures():
    truth = [{"a"}, {"b"}, {"a"}, {"b"}, {"a", "b"}, {"a"}] * 20
    predicted = [{"a"}, {"a"}, {"a"}, {"b"}, {"a"}, set()] * 20
    f1 = m.f1_scores(truth, predicted, {"a", "b"})["micro_f1"]
    lo, hi = m.interval(m.micro_f1_questions(truth, predicted, {"a", "b"}))
    assert lo < f1 < hi and hi - lo < 0.25
    assert m.interval(m.micro_f1_questions(truth, predicted, {"a"})) != [lo, hi]  # labels outside the categories do not count
    scores = [0.1, 0.4, 0.35, 0.8, 0.7, 0.2, 0.9, 0.5] * 5
    ratings = [1, 2, 3, 4, 3, 1, 4, 2] * 5
    r = m.correlations(scores, ratings)["pearson"]
    lo, hi = m.interval(m.pearson_questions(scores, ratings))
    assert -1 <= lo < r < hi <= 1
    # ratings whose squares overflow a float: the same correlation, the same interval
    assert m.interval(m.pearson_questions(scores, [x * 1e200 for x in ratings])) == pytest.approx([lo, hi])


def test_a_paired_difference_sees_what_overlapping_intervals_hide():
    rng = np.random.default_rng(3)
    b = rng.uniform(0.2, 0.8, 200)
    a = b + 0.02 + rng.normal(0, 0.005, 200)  # better by 0.02 on (nearly) every question
    ia, ib = m.interval(m.mean_questions(a)), m.interval(m.mean_questions(b))
    assert ia[0] < ib[1]  # the two figures' own intervals overlap...
    lo, hi = m.difference_interval(m.mean_questions(a), m.mean_questions(b))
    assert 0.019 < lo < 0.02 < hi < 0.021  # ...the paired difference is clearly above 0
    assert m.difference_interval(m.mean_questions(b), m.mean_questions(b)) == [0.0, 0.0]
    assert m.difference_interval(m.mean_questions(a), m.mean_questions(b[:100])) is None  # not the same questions
    assert m.difference_interval(m.mean_questions(a), None) is None


def test_f1_micro_and_macro():
    truth = [{"a"}, {"a", "b"}, {"c"}]
    predicted = [{"a"}, {"a"}, {"b"}]
    got = m.f1_scores(truth, predicted, ["a", "b", "c"])
    # a: tp 2; b: fp 1, fn 1; c: fn 1 -> micro 2*2 / (4 + 1 + 2) = 4/7
    assert got["micro_f1"] == pytest.approx(4 / 7)
    assert got["macro_f1"] == pytest.approx((1.0 + 0.0 + 0.0) / 3)
    assert m.f1_scores([set()], [set()], ["z"])["macro_f1"] == 1.0


def test_knn_predict_weights_votes_by_similarity():
    labels = {"n1": {"grain"}, "n2": {"grain", "wheat"}, "n3": {"money"}}
    assert m.knn_predict([("n1", 0.5), ("n2", 0.3), ("n3", 0.2)], labels, 0.25) == {"grain", "wheat"}  # 0.8, 0.3, 0.2
    assert m.knn_predict([("n1", 0.5), ("n2", 0.3), ("n3", 0.2)], labels, 0.9) == {"grain"}
    assert m.knn_predict([], labels, 0.5) == set()


def test_mean_skips_what_is_undefined():
    assert m.mean([1.0, None, 3.0]) == 2.0
    assert m.mean([None]) is None


def test_per_category_thresholds_pick_each_categorys_best():
    votes = [{"a": 0.9, "b": 0.2}, {"a": 0.3, "b": 0.25}, {"a": 0.6}]
    truth = [{"a", "b"}, {"b"}, {"a"}]
    got = m.per_category_thresholds(votes, truth, [0.1, 0.2, 0.5], default=0.5)
    assert got["*"] == 0.5
    assert "a" not in got  # 0.5 already separates a perfectly
    assert got["b"] == 0.2  # b's votes are low: 0.2 finds both without a false positive
    neighbours, labels = [("n1", 0.7), ("n2", 0.3)], {"n1": {"a"}, "n2": {"b"}}
    assert m.knn_predict(neighbours, labels, {"*": 0.5}) == {"a"}
    assert m.knn_predict(neighbours, labels, {"*": 0.5, "b": 0.2}) == {"a", "b"}


def test_knn_votes_power_favours_the_closest_neighbours():
    labels = {"n1": {"a"}, "n2": {"b"}, "n3": {"b"}}
    neighbours = [("n1", 0.6), ("n2", 0.3), ("n3", 0.3)]
    assert m.knn_votes(neighbours, labels) == pytest.approx({"a": 0.5, "b": 0.5})
    assert m.knn_votes(neighbours, labels, power=2.0) == pytest.approx({"a": 0.36 / 0.54, "b": 0.18 / 0.54})
    assert m.knn_predict(neighbours, labels, 0.4, power=2.0) == {"a"}
    assert m.knn_votes([("n1", 0.0)], labels, power=2.0) == {}


def test_micro_f1_by_threshold_matches_f1_scores():
    votes = [{"a": 0.7, "b": 0.3}, {"b": 0.6, "c": 0.4}, {}, {"a": 0.5, "z": 0.5}]
    truth = [{"a", "b"}, {"c"}, {"a"}, {"z"}]
    cats = {"a", "b", "c"}
    thresholds = [0.1, 0.35, 0.5, 0.9]
    expected = [m.f1_scores(truth, [m.predict_from_votes(v, t) & cats for v in votes], cats)["micro_f1"] for t in thresholds]
    assert m.micro_f1_by_threshold(votes, truth, thresholds, cats) == pytest.approx(expected)


def test_cross_fitted_scut_judges_thresholds_on_the_other_half():
    # even positions say b needs a low threshold; odd positions disagree: b's votes there are false alarms
    votes = [{"a": 0.8, "b": 0.2}, {"a": 0.8, "b": 0.2}, {"a": 0.8, "b": 0.2}, {"a": 0.8, "b": 0.2}]
    truth = [{"a", "b"}, {"a"}, {"a", "b"}, {"a"}]
    got = m.cross_fitted_scut_f1(votes, truth, [0.1, 0.5], 0.5, {"a", "b"})
    # fitted on odd (b never true) -> threshold 0.5 for b on the even half: a found, b missed twice;
    # fitted on even (b always true) -> 0.1 for b on the odd half: a found, b wrongly predicted twice
    assert got == pytest.approx(2 * 4 / (2 * 4 + 2 + 2))
    assert m.per_category_thresholds(votes, truth, [0.1, 0.5], 0.5) == {"*": 0.5, "b": 0.1}
