"""The coordinate search that chooses the defaults, on the tiny evaluation set."""
from __future__ import annotations

from train.tuning import coordinate_search, tuning_score

from .test_evaluate import evalset  # noqa: F401  (fixture)


def test_tuning_scores_use_the_tuning_split_only(evalset):  # noqa: F811
    metric, value, n = tuning_score(evalset, {"min_df": 1, "tag_weight": 0.0})
    assert metric.startswith("knn_micro_f1") and 0 <= value <= 1
    assert n == len(evalset.articles)  # leave-one-out over the index; the unseen queries are not used
    evalset.queries, evalset.categories = [], []
    metric, _, n = tuning_score(evalset, {"min_df": 1, "tag_weight": 0.0})
    assert metric.startswith("recall@10") and n == 2  # s1 and f1 sit at even positions; s4 has no related item


def test_coordinate_search_keeps_the_best_setting(evalset):  # noqa: F811
    evalset.queries, evalset.categories = [], []
    logged = []
    chosen, table = coordinate_search([evalset], {"min_df": 1, "tag_weight": 0.0}, {"title_weight": [1.0, 2.0, 4.0]}, logged.append, passes=1)
    assert len(table) == 4 and len(logged) == 4  # the start and three title weights, each measured once
    assert table[0]["overall"] == 1.0 and table == sorted(table, key=lambda r: -r["overall"])
    best = table[0]["scores"][evalset.name]
    assert tuning_score(evalset, chosen)[1] == best
