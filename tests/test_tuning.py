"""The coordinate search that chooses the defaults, on the tiny evaluation set."""
from __future__ import annotations

from train.tuning import affordable, coordinate_search, topic_coordinates, tuning_score

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


def test_the_search_never_chooses_a_setting_it_may_not_afford(evalset):  # noqa: F811
    evalset.queries, evalset.categories = [], []
    start, grid = {"min_df": 1, "tag_weight": 0.0, "title_weight": 1.0}, {"title_weight": [1.0, 2.0, 4.0]}
    best = coordinate_search([evalset], start, grid, lambda m: None, passes=1)[0]["title_weight"]
    chosen, table = coordinate_search([evalset], start, grid, lambda m: None, passes=1, eligible=lambda p: p["title_weight"] != best)
    assert chosen["title_weight"] != best
    assert [r["params"]["title_weight"] for r in table if not r["eligible"]] == [best]  # measured and reported


def test_topic_coordinates_count_every_resolution():
    assert topic_coordinates({"topic_weight": 0.5, "topic_dims": 50}) == 50
    assert topic_coordinates({"topic_weight": 0.5, "topic_dims": (20, 50)}) == 70
    assert topic_coordinates({"topic_weight": 0.0, "topic_dims": (20, 50, 100)}) == 0
    assert affordable({"topic_weight": 0.5, "topic_dims": (20, 50)}) and not affordable({"topic_weight": 0.5, "topic_dims": 100})
