"""The coordinate search that chooses the defaults, on the tiny evaluation set."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest

from recommender.schema import parse_article
from train.groundtruth import EvalSet
from train.tuning import affordable, coordinate_search, held_out, main, table, topic_coordinates, tuning_score

from .test_evaluate import evalset  # noqa: F401  (fixture)


def test_the_held_out_split_asks_the_latest_indexed_articles_as_unseen():
    dated = [parse_article({"id": f"a{i}", "title": "t", "body": "b", "published_at": f"2024-01-{d:02d}"}) for i, d in enumerate([5, 1, 9, 3, 7, 2, 8, 4])]
    undated = parse_article({"id": "z", "title": "t", "body": "b"})
    es = EvalSet(name="dates", articles=[*dated, undated], labels={}, queries=[undated], categories=["x"])
    split = held_out(es)
    assert [q.id for q in split.queries] == ["a6", "a2"]  # the latest quarter (2 of 9): 8 and 9 January
    assert [a.id for a in split.articles] == ["z", "a1", "a5", "a3", "a7", "a0", "a4"]  # undated first, then by date
    assert split.labels is es.labels and split.categories == ["x"]


def test_tuning_scores_use_the_tuning_split_only(evalset):  # noqa: F811
    metric, value, n = tuning_score(evalset, {"min_df": 1, "tag_weight": 0.0})
    assert metric.startswith("knn_micro_f1") and 0 <= value <= 1
    assert n == len(held_out(evalset).queries)  # indexed articles asked as unseen ones
    evalset.queries = [replace(q, id=f"other-{q.id}") for q in evalset.queries]  # the real unseen queries are never asked
    assert tuning_score(evalset, {"min_df": 1, "tag_weight": 0.0})[1:] == (value, n)
    evalset.queries, evalset.categories = [], []
    metric, _, n = tuning_score(evalset, {"min_df": 1, "tag_weight": 0.0})
    assert metric.startswith("recall@10") and n == 2  # s1 (with d1; s1-d2 is held out) and f1; s4 has no related item


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


def _row(overall, eligible=True, **change):
    params = {"topic_weight": 0.5, "topic_gate": 0.1, "topic_dims": [20, 50], "stemmer": "english", "sublinear_tf": True,
              "title_weight": 3.0, "ngram_range": [1, 1], "min_df": 2, "max_df": 1.0, "tag_weight": 0.0, "n_jobs": -1}
    return {"params": {**params, **change}, "scores": {"bbc": overall - 0.05, "reuters21578": overall - 0.1},
            "overall": overall, "eligible": eligible}


def test_the_table_shows_the_best_rows_then_what_the_gate_and_the_topics_add(tmp_path, capsys):
    chosen = _row(0.99)
    rows = [chosen, _row(0.98, min_df=1), _row(0.97, False, topic_dims=[20, 50, 100]), _row(0.96, title_weight=2.0),
            _row(0.95, topic_gate=0.0), _row(0.90, topic_weight=0.0)]
    result = {"text_settings": chosen["params"], "text_table": rows}
    lines = table(result, best=3).splitlines()
    assert len(lines) == 2 + 3 + 2  # heading, rule, the best 3, no gate, words alone (title weight 2 not shown)
    assert lines[2].startswith("| **0.9900** | 0.890 | – | 0.940 | – | – | 0.5 | 0.1 | 20+50 | 70 | English | yes | 3 | 1–1 | 2 | 1 |")
    assert lines[3].startswith("| 0.9800 |") and "**" not in lines[3] and lines[3].endswith("| 1 | 1 |")
    assert lines[4].endswith("| 20+50+100 | 170 | English | yes | 3 | 1–1 | 2 | 1 (too many coordinates) |")
    assert lines[5].startswith("| 0.9500 |") and lines[5].endswith("| 1 (no gate) |")
    assert lines[6].startswith("| 0.9000 |") and "| 0 | – | – | 0 |" in lines[6] and lines[6].endswith("| 1 (words alone) |")
    # a row the best rows already show is not repeated
    assert len(table(result, best=6).splitlines()) == 2 + 6
    path = tmp_path / "tuning.json"
    path.write_text(json.dumps(result))
    assert main(["--table", str(path)]) == 0
    assert capsys.readouterr().out.strip() == table(result)


def test_the_table_of_a_file_that_is_not_a_tuning_run_is_a_usage_error(tmp_path, capsys):
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"data_sets": []}))
    with pytest.raises(SystemExit) as stopped:
        main(["--table", str(path)])
    assert stopped.value.code == 2 and "not a file that python -m train.tuning --all --out wrote" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["--table", "missing.json"], "--table missing.json: no such file"),
    (["--all", "."], "none of the data sets the search reads is in it"),
])
def test_tuning_on_nothing_is_a_usage_error(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stopped:
        main(args)
    assert stopped.value.code == 2 and message in capsys.readouterr().err and not (tmp_path / "reports").exists()
