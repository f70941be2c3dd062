"""The evaluation engine on a tiny evaluation set with every kind of ground truth, and the report shape."""
from __future__ import annotations

import json
from pathlib import Path
from dataclasses import replace

import pytest

from recommender.schema import date_to_days, parse_article
from train.evaluate import evaluate_set, summary_text, write_report
from train.groundtruth import EvalSet
from train.systems import standard_systems

from .conftest import make_articles


@pytest.fixture
def evalset():
    articles = [parse_article({**a, "labels": ["space" if a["id"][0] in "sdu" and a["id"] != "u2" else "food"]}) for a in make_articles()]
    index, queries = articles[:-2], articles[-2:]  # u1 (space) and u2 (food) are asked as unseen articles
    return EvalSet(
        name="tiny",
        articles=index,
        related={"s1": {"d1", "d2"}, "f1": {"f2"}, "s4": set()},
        rated_pairs=[("s1", "d1", 4.0), ("s2", "s3", 3.5), ("s1", "f1", 1.0), ("f1", "f2", 3.0), ("s4", "f4", 1.0)],
        labels={a.id: set(a.labels) for a in articles},
        queries=queries,
        categories=["food", "space"],
        description="a tiny hand-made set",
    )


@pytest.fixture
def result(evalset):
    return evaluate_set(evalset, standard_systems([0.0, 0.3], min_df=1), sample=None, log=lambda m: None)


def write_corpus(path):
    """The hand-made articles as a JSONL corpus at ``path``."""
    path.write_text("".join(json.dumps(a) + "\n" for a in make_articles()))
    return path


def figures(result, name):
    return next(s["figures"] for s in result["systems"] if s["system"] == name)


def test_every_system_is_measured(result):
    assert [s["system"] for s in result["systems"]] == [
        "random", "most recent", "tags only", "more like this", "yarpp", "words only", "text only", "blend w=0.3"]
    for s in result["systems"]:
        f = s["figures"]
        for key in ("recall@10", "ndcg@10", "mrr", "pearson", "knn_micro_f1", "label_precision@8", "coverage", "fit_seconds"):
            assert key in f, (s["system"], key)


def test_our_model_beats_random_on_every_kind_of_ground_truth(result):
    ours, rnd = figures(result, "blend w=0.3"), figures(result, "random")
    assert ours["pearson"] > 0.8
    assert ours["knn_micro_f1"] == 1.0
    # lists of 8 from 10 articles: at most 6 of u1's places (space) and 4 of u2's (food) can match, so
    # 0.625 is the ceiling and 0.5 what random lists score on average
    assert 0.5 < ours["label_precision@8"] <= 0.625 and rnd["label_precision@8"] <= 0.625
    assert ours["mrr"] == 1.0  # d1 for s1 and f2 for f1 come first
    assert ours["related_queries"] == 2  # s4 has no related item and is skipped
    assert ours["near_duplicate_pairs"] == 0


def test_best_weight_is_chosen_by_the_primary_metric(result):
    best = result["best_tag_weight"]
    assert best["metric"] == "knn_micro_f1" and best["tag_weight"] in (0.0, 0.3)
    for system, key in (("more like this", "more_like_this"), ("yarpp", "yarpp"), ("words only", "words_only")):
        assert best[key] == figures(result, system)["knn_micro_f1"], system  # the baselines beside the choice


def test_best_weight_skips_weights_without_the_figure():
    from train.evaluate import best_weight

    def row(weight, pearson):
        return {"system": f"w={weight}", "kind": "model", "params": {"tag_weight": weight}, "figures": {"pearson": pearson}}

    # text alone scores every pair 0 (no shared word), so its Pearson is undefined; the tags' is not
    best = best_weight([row(0.0, None), row(0.3, 0.4), row(0.7, 0.6)])
    assert (best["metric"], best["tag_weight"], best["value"], best["text_only"]) == ("pearson", 0.7, 0.6, None)


def test_a_failed_report_leaves_the_last_one_whole_and_no_stale_plot_stays(result, tmp_path, monkeypatch):
    from train import evaluate

    result = {**result, "dataset": "deals_$5m_to_$10m"}  # a "$" is text in a plot title, not TeX
    write_report([result], tmp_path, {}, "first")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert set(before) >= {"report.json", "report.md"}

    def broken(report):
        raise RuntimeError("disk full")

    monkeypatch.setattr(evaluate, "markdown", broken)
    with pytest.raises(RuntimeError):
        write_report([result], tmp_path, {}, "second")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # nothing half-written, no scratch left
    monkeypatch.undo()
    (tmp_path / "tag_weight.png").write_bytes(b"old plot")
    report = write_report([{**result, "best_tag_weight": None}], tmp_path, {}, "third")  # no figure to plot
    assert not report["plot"] and sorted(p.name for p in tmp_path.iterdir()) == ["report.json", "report.md"]


def test_the_report_folder(result, tmp_path):
    report = write_report([result], tmp_path, {"weights": [0.0, 0.3], "sample": None}, "python -m train.evaluate --test")
    on_disk = json.loads((tmp_path / "report.json").read_text())
    assert on_disk["report_version"] == 1
    assert set(on_disk) == {"report_version", "created_at", "command", "libraries", "settings", "summary", "targets", "datasets"}
    assert on_disk["targets"] == []  # "tiny" is held to no target
    assert "## Targets" not in (tmp_path / "report.md").read_text()
    assert on_disk["datasets"][0]["corpus_size"] == 10 and on_disk["datasets"][0]["queries"] == 2
    assert {"scikit-learn", "numpy"} <= set(on_disk["libraries"])
    md = (tmp_path / "report.md").read_text()
    assert "## tiny" in md and "| blend w=0.3 |" in md and "kNN micro-F1" in md
    assert "| more like this | yarpp | words only |" in md  # the summary's columns
    assert "**dup pairs**" in md and "**Pearson, Spearman**" in md  # the columns are explained
    assert ("](tag_weight.png)" in md) == report["plot"]
    assert on_disk["summary"][0]["interval"] is None  # 2 unseen queries are too few for a 95% interval
    assert report["plot"] == (tmp_path / "tag_weight.png").exists()
    try:
        import matplotlib  # noqa: F401  (the plot extra, which scripts/test installs)
    except ImportError:
        assert not report["plot"]
    else:
        assert report["plot"] and (tmp_path / "tag_weight.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_figures_come_with_their_intervals(evalset, tmp_path):
    from itertools import combinations

    # every pair of the index rated: 4 when the two share a label, 1 when not
    pairs = [(a.id, b.id, 4.0 if evalset.labels[a.id] == evalset.labels[b.id] else 1.0)
             for a, b in combinations(evalset.articles, 2)]
    result = evaluate_set(replace(evalset, rated_pairs=pairs, related={}, queries=[], categories=[]),
                          standard_systems([0.0], min_df=1), sample=None, log=lambda m: None)
    report = write_report([result], tmp_path, {}, "python -m train.evaluate --test")
    ours = figures(result, "text only")
    lo, hi = ours["pearson_interval"]
    assert 0 < lo < ours["pearson"] < hi
    lo, hi = ours["label_precision@8_interval"]  # the lists of the 10 articles
    assert lo <= ours["label_precision@8"] <= hi
    row = report["summary"][0]
    assert row["metric"] == "pearson" and row["interval"] == ours["pearson_interval"]
    cell = f"{ours['pearson']:.3f} [{ours['pearson_interval'][0]:.3f}, {ours['pearson_interval'][1]:.3f}]"
    md = (tmp_path / "report.md").read_text()
    assert md.count(cell) == 2  # in the summary and in the data set's table
    assert "**[low, high]** after a figure: its 95% bootstrap interval" in md
    lo, hi = figures(result, "random")["pearson_interval"]
    assert lo < 0 < hi  # random scores: no correlation the interval could rule out
    floors = [d for d in result["differences"] if d["against"] in ("random", "most recent", "tags only")]
    assert all(not (d["interval"] and d["interval"][0] > 0) for d in floors)  # 10 articles: some floors not cleared
    others = [d for d in result["differences"] if d not in floors]
    assert [d["metric"] for d in others] == ["pearson"] * 3 + ["label_precision@8"] * 3  # the judged figure first
    assert [d["metric"] for d in result["differences"]] == sorted((d["metric"] for d in result["differences"]), key="pearson".__ne__)
    compared = {(d["system"], d["against"]): d for d in others if d["metric"] == "pearson"}
    assert set(compared) == {("text only", "words only"), ("text only", "more like this"), ("text only", "yarpp")}
    topics = compared["text only", "words only"]
    assert topics["difference"] == pytest.approx(ours["pearson"] - figures(result, "words only")["pearson"])
    lo, hi = topics["interval"]
    assert lo <= topics["difference"] <= hi
    assert "## Differences on the same questions" in md and f"| tiny | Pearson | text only | words only | {topics['difference']:+.3f} |" in md
    assert "A difference is of the unrounded figures" in md  # why it can be 0.001 off the rounded figures' difference


def test_a_bundled_data_set_is_judged_against_its_targets(result, tmp_path, monkeypatch):
    from train import targets

    monkeypatch.setitem(targets.BUNDLED, "bbc", result["content_digest"])  # "tiny" stands in for BBC's content
    as_bbc = {**result, "dataset": "bbc", "sampled_lists": 4}  # 4 of its 10 articles' lists judged
    report = write_report([as_bbc], tmp_path, {}, "python -m train.evaluate --test")
    ours = figures(result, "text only")
    rows = {row["metric"]: row for row in report["targets"]}
    assert set(rows) == {"label_precision@8", "near_duplicate_pairs"} and rows["label_precision@8"]["system"] == "text only"
    assert rows["label_precision@8"]["value"] == ours["label_precision@8"] < 0.95
    assert rows["label_precision@8"]["verdict"].startswith(f"short by {0.95 - ours['label_precision@8']:.3f}")
    assert rows["near_duplicate_pairs"]["verdict"] == "met in the 4 lists judged (of 10 articles; --sample 0 judges every list)"
    md = (tmp_path / "report.md").read_text()
    assert "## Targets" in md and "| bbc | category precision@8 ≥ 0.95 |" in md
    assert "lists judged: 4 (a sample)" in md


def test_a_folder_named_like_a_bundled_data_set_is_not_held_to_its_targets(result, tmp_path):
    report = write_report([{**result, "dataset": "bbc"}], tmp_path, {}, "python -m train.evaluate --test")
    assert report["targets"] == [] and "## Targets" not in (tmp_path / "report.md").read_text()


@pytest.mark.parametrize("value, interval, expected", [
    (0.90, [0.87, 0.93], "met, the whole interval at or above it"),
    (0.86, [0.86, 0.90], "met, the whole interval at or above it"),  # the threshold itself is met
    (0.87, [0.85, 0.89], "met in the figure; the interval reaches below it"),
    (0.85, [0.83, 0.87], "short by 0.010 in the figure; the interval reaches it"),
    (0.839, [0.827, 0.851], "short by 0.021; the whole interval below it"),
    (0.87, None, "met in the figure (no interval)"),
    (None, None, "no figure"),
])
def test_target_verdicts(value, interval, expected):
    from train.targets import Target, verdict

    assert verdict(Target("x", "m", 0.86, "m ≥ 0.86"), value, interval) == expected


def test_a_count_of_faults_is_judged_on_the_lists_it_was_counted_in():
    from train.targets import Target, verdict

    none = Target("x", "near_duplicate_pairs", 0, "no pair", at_most=True)
    assert verdict(none, 0, None, (2225, 2225)) == "met in the 2,225 lists judged, every article's"
    assert verdict(none, 3, None, (2225, 2225)) == "short: 3 in the 2,225 lists judged, every article's"


def test_knn_is_tuned_on_the_index_and_reported(result):
    ours = figures(result, "text only")
    assert ours["knn_k"] in (10, 20, 30, 40, 50) and ours["knn_vote_power"] in (1.0, 2.0)
    assert 0 <= ours["knn_index_f1_cross_fitted"] <= 1


def test_the_command_finds_data_sets_by_name_or_layout_and_rejects_the_rest(tmp_path, capsys):
    from train.evaluate import main

    datasets = tmp_path / "datasets"
    background = datasets / "background-v2"  # laid out like lee2005_background under another name
    background.mkdir(parents=True)
    lines = [f"Story {i} about {topic} and the {topic} market in the town of {town}." for i, (topic, town) in
             enumerate((t, w) for t in ("rain", "grain", "rates", "chess") for w in ("Ely", "Ayr", "Bude"))]
    (background / "lee_background.cor").write_text("\n".join(lines) + "\n")
    (datasets / "scratch").mkdir()  # not a data set: left out
    out = tmp_path / "report"
    assert main(["--all", str(datasets), "--out", str(out), "--weights", "0.3", "--n-jobs", "1"]) == 0
    report = json.loads((out / "report.json").read_text())
    assert [d["dataset"] for d in report["datasets"]] == ["background-v2"]
    assert report["settings"]["left_out_folders"] == ["scratch"]
    assert "note: folders that are no known data set, left out: scratch" in capsys.readouterr().err
    assert "Folders that are no known data set, left out: scratch." in (out / "report.md").read_text()
    assert main(["--dataset", str(datasets / "nowhere"), "--out", str(tmp_path / "no")]) == 1
    assert capsys.readouterr().err == f"error: {datasets / 'nowhere'}: no such folder\n"
    assert main(["--dataset", str(datasets / "scratch"), "--out", str(tmp_path / "no")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "nor laid out like one" in err and "Traceback" not in err
    assert main(["--all", str(datasets / "scratch"), "--out", str(tmp_path / "no")]) == 1
    assert "no known data set" in capsys.readouterr().err and not (tmp_path / "no").exists()
    assert main(["--all", str(background), "--out", str(tmp_path / "no")]) == 1  # one data set given as a folder of them
    assert f"error: {background} is itself a data set, with no data set folders inside it: evaluate it with --dataset " \
           f"{background}" in capsys.readouterr().err and not (tmp_path / "no").exists()


def test_what_a_corpus_lacks_is_said_beside_its_figures(evalset, tmp_path):
    bare = [replace(a, tags=(), published_at=None) for a in evalset.articles]
    result = evaluate_set(replace(evalset, articles=bare), standard_systems([0.0, 0.3], min_df=1), sample=None, log=lambda m: None)
    notes = " ".join(result["notes"])
    assert "With 10 articles a list of 10 can hold every other article: a system that lists them all" in notes
    assert "and on label P@8, which counts the empty places of a shorter list as misses" in notes  # evalset has labels
    unlabelled = evaluate_set(replace(evalset, articles=bare, labels={}, queries=[], categories=[]), standard_systems([0.0], min_df=1),
                              sample=None, log=lambda m: None)
    assert "hold every other article" in " ".join(unlabelled["notes"]) and "label P@8" not in " ".join(unlabelled["notes"])
    assert "More like this" not in notes  # 10 articles can give a word in 5 of them
    assert "No article has a date" in notes and "No article has a tag: every blend is text only" in notes
    write_report([result], tmp_path, {}, "python -m train.evaluate --test")
    assert "No article has a date" in (tmp_path / "report.md").read_text()
    many = [replace(a, id=f"{a.id}-{n}") for n in range(2) for a in evalset.articles]  # 20 articles, dated and tagged
    assert evaluate_set(EvalSet("twenty", many), standard_systems([0.0], min_df=1), sample=None, log=lambda m: None)["notes"] == []
    mixed = [replace(a, language="de" if n % 3 == 0 else "en") for n, a in enumerate(many)]
    notes = " ".join(evaluate_set(EvalSet("mixed", mixed), standard_systems([0.0], min_df=1), sample=None, log=lambda m: None)["notes"])
    assert "Articles in 2 languages (en 13, de 7): " in notes and "one model per language" in notes
    titles = [replace(a, body="") for a in many]  # headlines alone, at min_df 2: a few words each
    notes = " ".join(evaluate_set(EvalSet("titles", titles), standard_systems([0.0]), sample=None, log=lambda m: None)["notes"])
    assert "The training job warns of this corpus: the median article keeps " in notes and "--min-df 1 keeps every word" in notes


def test_the_report_says_what_its_ground_truth_cannot_measure(evalset):
    def notes(es):
        return " ".join(evaluate_set(es, standard_systems([0.0], min_df=1), sample=None, log=lambda m: None)["notes"])

    four = replace(evalset, articles=evalset.articles[:4], related={}, labels={}, queries=[], categories=[],
                   rated_pairs=[("s1", "s2", 3.0), ("s2", "s3", 3.0), ("s1", "s3", 3.0)])
    said = notes(four)
    assert "More like this uses only words found in at least 5 articles" in said and "with 4 its lists are all empty" in said
    assert "Every rated pair has the same rating (3): a correlation needs ratings that vary" in said
    assert "Only 2 rated pairs about the corpus" in notes(replace(four, rated_pairs=four.rated_pairs[:2]))
    once = notes(replace(four, rated_pairs=[("s1", "s2", 1.0), ("s1", "s2", 3.0), ("s2", "s1", 5.0)]))  # found by a tester
    assert "Every rating is of one pair (rated 3 times): a model scores that pair once, so its scores do not vary" in once
    assert "Every rating is of one pair" not in notes(replace(four, rated_pairs=[("s1", "s2", 1.0), ("s1", "s2", 3.0), ("s1", "s3", 5.0)]))
    from itertools import combinations

    by_label = [(a.id, b.id, 1.0 if evalset.labels[a.id] == evalset.labels[b.id] else 4.0)  # 1 = alike: the other way
                for a, b in combinations(evalset.articles, 2)]
    below = notes(replace(evalset, rated_pairs=by_label, queries=[], categories=[]))
    assert "Every Pearson of our model is below 0" in below
    assert "a file in SemEval's layout is flipped when read (5 − Overall), so there check that its Overall runs as SemEval's" in below
    inverted = replace(evalset, rated_pairs=[(a, b, 5.0 - r) for a, b, r in evalset.rated_pairs], queries=[], categories=[])
    assert "below 0" not in notes(inverted)  # 5 pairs: a Pearson below 0 that chance could give
    assert "below 0" not in notes(replace(evalset, queries=[], categories=[]))
    assert "(more like this" not in said + notes(evalset)  # the first: said why by the note above
    headlines = replace(evalset, articles=[replace(a, body="", subtitle="") for a in evalset.articles])
    assert "Many lists are empty (more like this 100%): More Like This's query, with Elasticsearch's defaults, keeps only " \
           "words that occur at least 2 times in the article" in notes(headlines)
    # any system, not only More Like This: yarpp's match threshold empties most lists of the 10 articles, while its
    # Pearson, which scores every pair, can still be the best of all (found by a tester)
    assert "Many lists are empty (yarpp 60%): YARPP lists only articles scoring at least its match threshold of 4" in notes(evalset)
    assert "so a good Pearson does not make up for empty lists" in notes(evalset)
    unrated = notes(replace(evalset, rated_pairs=[]))
    assert "(yarpp 60%)" in unrated and "Pearson scores every rated pair" not in unrated
    assert "Many lists are empty (words only 50%, text only 50%): our model lists only articles that share an indexed word, " \
           "a topic or a tag with the article and are not the same story as it (a near-duplicate; see --min-df and " \
           "--duplicate-threshold)" in notes(headlines)


def test_differences_point_to_held_out_halves_only_where_there_are_some(result, tmp_path):
    row = {"system": "text only", "against": "yarpp", "metric": "recall@10", "difference": 0.1, "interval": [0.05, 0.15]}
    write_report([{**result, "differences": [row]}], tmp_path, {}, "test")
    md = (tmp_path / "report.md").read_text()
    assert "## Differences on the same questions" in md and "Held-out halves" not in md
    write_report([{**result, "differences": [row, {**row, "questions": "held-out half"}]}], tmp_path, {}, "test")
    assert "A row marked \"held-out half\" is on the half of the questions that tuning never read, and on those alone" in (tmp_path / "report.md").read_text()


def test_a_published_model_is_evaluated_as_it_is_beside_the_sweep(evalset, tmp_path):
    from recommender import artifact
    from recommender.model import RelatedArticles
    from train.systems import Published

    info = {"training": {"seconds": {"read": 0.1, "fit": 12.5}}}
    artifact.publish(RelatedArticles(min_df=1, tag_weight=0.3).fit(evalset.articles), tmp_path / "models", info=info)
    published = Published(tmp_path / "models")
    result = evaluate_set(evalset, [*standard_systems([0.0, 0.3], min_df=1), published], sample=None, log=lambda m: None)
    ours = next(s for s in result["systems"] if s["kind"] == "published")
    assert ours["system"] == published.name and published.name.startswith("published 20") and ours["params"]["tag_weight"] == 0.3
    same = figures(result, "blend w=0.3")  # the same settings fitted here give the same lists and scores
    for key in ("recall@10", "mrr", "pearson", "knn_micro_f1", "label_precision@8", "coverage"):
        assert ours["figures"][key] == same[key], key
    assert ours["figures"]["fit_seconds"] == 12.5  # as the training job recorded it, not the time to load
    best = result["best_tag_weight"]
    assert best["published"] == same[best["metric"]] and best["published_system"] == published.name
    assert {s["system"] for s in result["systems"] if s["kind"] == "model"} == {"text only", "blend w=0.3"}  # not in the sweep
    against_default = next(d for d in result["differences"] if d["system"] == published.name)
    assert against_default["against"] == "text only"  # tonight's model against the defaults, on the same questions
    assert against_default["difference"] == pytest.approx(ours["figures"][best["metric"]] - figures(result, "text only")[best["metric"]])
    with pytest.raises(ValueError, match="trained on another corpus: 0 of the 9 articles evaluated are not in it and it holds 1 others"):
        published.check(evalset.articles[:-1])
    edited = [replace(evalset.articles[0], title="Edited"), *evalset.articles[1:]]
    with pytest.raises(ValueError, match="other versions of these 10 articles: the ids are the same"):
        published.check(edited)
    with pytest.raises(ValueError, match="other versions"):
        published.check(evalset.articles[::-1])
    relabelled = [replace(a, labels=("another",)) for a in evalset.articles]  # labels are ground truth, not the corpus
    assert any(a.labels for a in evalset.articles)
    published.check(relabelled)
    published.check([replace(a, labels=()) for a in evalset.articles])


@pytest.mark.parametrize("option, what", [("--all", "a folder of data sets"), ("--dataset", "a data set folder"),
                                           ("--corpus", "a corpus file"), ("--out", "a report folder"), ("--model", "a models folder")])
def test_an_empty_path_is_a_usage_error_not_the_current_folder(tmp_path, capsys, option, what):
    from train.evaluate import main

    argv = {"--out": ["--corpus", str(tmp_path / "c.jsonl")], "--model": ["--corpus", str(tmp_path / "c.jsonl")]}.get(option, [])
    with pytest.raises(SystemExit) as info:  # Path("") is the current folder: --out "" wrote the report there
        main([*argv, option, ""])
    assert info.value.code == 2 and f"argument {option}: expected {what}, got an empty value" in capsys.readouterr().err


def test_the_command_takes_a_published_model_only_with_one_corpus(tmp_path, capsys):
    from train.evaluate import main

    with pytest.raises(SystemExit) as info:
        main(["--all", str(tmp_path), "--model", str(tmp_path)])
    assert info.value.code == 2 and "--model goes with --corpus or --dataset" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["--dataset", str(tmp_path), "--related", str(tmp_path / "r.csv")])
    assert info.value.code == 2 and "--related, --ratings, --format, --tag-delimiter and --max-skipped go with --corpus" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["--dataset", str(tmp_path), "--max-skipped", "1"])
    assert info.value.code == 2 and "--max-skipped go with --corpus" in capsys.readouterr().err
    (tmp_path / "file").write_text("x")
    with pytest.raises(SystemExit) as info:
        main(["--corpus", str(tmp_path / "c.jsonl"), "--out", str(tmp_path / "file")])
    assert info.value.code == 2 and "--out must be a folder" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:  # below a file: refused before any work too
        main(["--corpus", str(tmp_path / "c.jsonl"), "--out", str(tmp_path / "file" / "report")])
    assert info.value.code == 2 and f"--out must be a folder, and {tmp_path / 'file'} is a file" in capsys.readouterr().err
    if Path("/proc/self").is_dir():  # a folder whose permission bits allow root, and that takes no new folder
        with pytest.raises(SystemExit) as info:
            main(["--corpus", str(tmp_path / "c.jsonl"), "--out", "/proc/evaluation-report"])
        assert info.value.code == 2 and "--out: cannot write in /proc" in capsys.readouterr().err
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".write-test-")]
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("")
    assert main(["--corpus", str(corpus), "--model", str(tmp_path / "none"), "--out", str(tmp_path / "r")]) == 1
    assert f"error: {tmp_path / 'none'}: no such folder; train a model into it first" in capsys.readouterr().err  # not "no model here"
    assert not (tmp_path / "r").exists()
    assert main(["--corpus", str(corpus), "--model", str(tmp_path / "file"), "--out", str(tmp_path / "r")]) == 1
    assert "file: not a models folder" in capsys.readouterr().err


def test_data_sets_that_cannot_be_evaluated_are_one_line_errors(tmp_path, capsys):
    from train.evaluate import main

    datasets = tmp_path / "datasets"
    (datasets / "a-background").mkdir(parents=True)
    (datasets / "a-background" / "news.cor").write_text("".join(
        f"Story {i} about {t} in {w}.\n" for i, (t, w) in enumerate((t, w) for t in ("rain", "grain") for w in ("Ely", "Ayr"))))
    (datasets / "b-empty").mkdir()
    (datasets / "b-empty" / "blank.cor").write_text("\n\n")  # read before anything is fitted: nothing evaluated
    out = tmp_path / "report"
    assert main(["--all", str(datasets), "--out", str(out), "--weights", "0", "--n-jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert "b-empty: no articles to evaluate: 0 documents" in err and "evaluate (0" not in err and "Traceback" not in err and not out.exists()

    (datasets / "b-empty" / "blank.cor").write_text("The.\nAnd it.\nOf the.\n")  # read, but no word to fit on
    assert main(["--all", str(datasets), "--out", str(out), "--weights", "0", "--n-jobs", "1"]) == 1
    captured = capsys.readouterr()
    assert "error: b-empty: " in captured.err and "not evaluated (see above): b-empty" in captured.err
    report = json.loads((out / "report.json").read_text())  # the data sets that could be evaluated are kept
    assert [d["dataset"] for d in report["datasets"]] == ["a-background"]
    reason = ("no terms left after stop words and the cut-offs (min_df 2: a word must be in at least 2 articles, "
              "--min-df 1 keeps every word; max_df 1.0): the corpus is too small, or its articles share no word the cut-offs keep")
    assert report["settings"]["not_evaluated"] == [{"dataset": "b-empty", "reason": reason}]
    assert f"Not evaluated: b-empty: {reason}" in (out / "report.md").read_text()


@pytest.mark.parametrize("option, value, message", [
    ("--weights", "0.2,2", "--weights must be tag weights between 0 and 1"),
    ("--weights", "a,b", "--weights must be tag weights between 0 and 1"),
    ("--sample", "-5", "expected a whole number, 0 or more"),
    ("--n-jobs", "0", "expected a number of processes (1 or more) or -1"),
    ("--n-jobs", "-2", "expected a number of processes (1 or more) or -1"),
])
def test_bad_options_are_usage_errors_not_tracebacks(tmp_path, capsys, option, value, message):
    from train.evaluate import main

    with pytest.raises(SystemExit) as info:
        main(["--dataset", str(tmp_path), option, value])
    err = capsys.readouterr().err
    assert info.value.code == 2 and message in err and "Traceback" not in err


def test_sample_zero_judges_every_article(tmp_path, capsys):
    from train.evaluate import main

    corpus = write_corpus(tmp_path / "c.jsonl")
    assert main(["--corpus", str(corpus), "--sample", "0", "--weights", "0", "--n-jobs", "1", "--out", str(tmp_path / "r")]) == 0
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert report["settings"]["sample"] is None and report["datasets"][0]["sampled_lists"] == 12
    assert "for every article of a data set (" in (tmp_path / "r" / "report.md").read_text()


def test_ground_truth_mostly_about_ids_not_in_the_corpus_is_warned_of_on_stderr_even_when_quiet(tmp_path, capsys):
    from train.evaluate import main

    corpus = write_corpus(tmp_path / "c.jsonl")
    related = tmp_path / "related.csv"
    related.write_text("id_a,id_b\ns1,d1\n0s2,0d2\n0f1,0f2\n")
    assert main(["--corpus", str(corpus), "--related", str(related), "--weights", "0", "--n-jobs", "1", "-q",
                 "--out", str(tmp_path / "r")]) == 0
    assert f"warning: {related}: 4 of its 6 related ids (a pair counts once each way it is asked) are left out for 4 distinct ids not in the corpus ('0d2', '0f1', '0f2', " \
           "...): they differ from the corpus's ids only in leading zeros" in capsys.readouterr().err


def test_a_report_with_no_held_out_figure_does_not_send_the_reader_to_one(tmp_path, capsys):
    """Tuned on a file whose held-out half names nothing: "ship on" the held-out rows pointed at
    rows that did not exist (found by a tester)."""
    from train.__main__ import main as train_main
    from train.evaluate import main

    corpus = write_corpus(tmp_path / "c.jsonl")
    related = tmp_path / "related.csv"
    related.write_text("id_a,id_b\ns1,d1\n")  # the one pair is the tuning half's
    models = tmp_path / "models"
    assert train_main([str(corpus), "--out", str(models), "--min-df", "1", "--tune", str(related), "-q"]) == 0
    assert main(["--corpus", str(corpus), "--related", str(related), "--model", str(models), "--weights", "0",
                 "--n-jobs", "1", "-q", "--out", str(tmp_path / "r")]) == 0
    text = (tmp_path / "r" / "report.md").read_text()
    assert "ship on those" not in text and "held-out half" not in text
    assert "the other half, which tuning never read, gives no figure here" in text
    # nor when the held-out half's ratings do not vary: no empty "pearson is: ." note either (found by a tester)
    ratings = tmp_path / "ratings.csv"
    ratings.write_text("id_a,id_b,similarity\ns1,d1,4\ns1,s2,3\ns1,f1,1\nf1,s3,3\nf1,f2,4\nd1,f3,3\n")  # held out: all 3
    assert train_main([str(corpus), "--out", str(models), "--min-df", "1", "--tune", str(ratings), "-q"]) == 0
    assert main(["--corpus", str(corpus), "--ratings", str(ratings), "--model", str(models), "--weights", "0",
                 "--n-jobs", "1", "-q", "--out", str(tmp_path / "r2")]) == 0
    text = (tmp_path / "r2" / "report.md").read_text()
    assert "questions), which that choice never read" not in text and "is: ." not in text and "ship on those" not in text
    assert "(too few of its judgements about this corpus, or ratings that do not vary)" in text


def test_the_report_says_how_a_published_model_was_trained_and_tuned(tmp_path, capsys):
    from train.__main__ import main as train_main
    from train.evaluate import main

    corpus = write_corpus(tmp_path / "c.jsonl")
    related = tmp_path / "related.csv"
    related.write_text("id_a,id_b\ns1,d1\nf1,f2\n")
    models = tmp_path / "models"
    assert train_main([str(corpus), "--out", str(models), "--topic-weight", "0.25", "--min-df", "1", "--tune", str(related)]) == 0
    version = capsys.readouterr().out.strip()
    assert main(["--corpus", str(corpus), "--related", str(related), "--model", str(models), "--weights", "0",
                 "--n-jobs", "1", "--out", str(tmp_path / "r")]) == 0
    text = (tmp_path / "r" / "report.md").read_text()
    line = next(line for line in text.splitlines() if line.startswith(f"published {version} was trained with"))
    assert "unlike the defaults: " in line and "topic_weight 0.25" in line and "min_df 1" in line and "title_weight" not in line
    assert f"chosen with --tune on {related}, the ground truth evaluated here" in line and "can flatter its figures" in line
    published = json.loads((tmp_path / "r" / "report.json").read_text())["settings"]["published_model"]
    assert published["parameters"]["topic_weight"] == 0.25 and published["tuned_on"] == str(related)
    assert published["tuned_on_this_ground_truth"] is True and published["held_out"] is True
    assert "the rows and figures marked \"held-out half\" are of the other half, which tuning never read" in line
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    mine = next(s["figures"] for s in report["datasets"][0]["systems"] if s["kind"] == "published")
    # tuning read the pair s1-d1 from both ends; f1-f2 is held out from both (f1 -> f2 is not a question
    # tuning read with f2 -> f1 asked here, as when articles, not pairs, were split)
    assert mine["recall@10_held_out_questions"] == 2
    assert report["summary"][0]["published_held_out"] == mine["recall@10_held_out"]
    summary_row = next(line for line in text.splitlines() if line.startswith("| c |"))  # the Summary's published cell
    assert summary_row.endswith(f" {mine['recall@10']:.3f} (held-out half {mine['recall@10_held_out']:.3f}) |")
    assert any(r["system"] == f"published {version}" and r.get("questions") == "held-out half" for r in report["datasets"][0]["differences"])
    assert any(n.startswith(f"published {version}'s weights were chosen with --tune on half of this data set's judgements")
               for n in report["datasets"][0]["notes"])
    sampled = tmp_path / "sampled"
    assert train_main([str(corpus), "--out", str(sampled), "--min-df", "2", "--tune", str(related), "--tune-sample", "6"]) == 0
    capsys.readouterr()
    assert main(["--corpus", str(corpus), "--related", str(related), "--model", str(sampled), "--weights", "0",
                 "--n-jobs", "1", "--out", str(tmp_path / "r4"), "-q"]) == 0
    sampled_report = json.loads((tmp_path / "r4" / "report.json").read_text())  # the pairs split as on the whole corpus
    held = next(s["figures"] for s in sampled_report["datasets"][0]["systems"] if s["kind"] == "published")
    assert held["recall@10_held_out_questions"] == 2 and "held-out half" in (tmp_path / "r4" / "report.md").read_text()
    other = tmp_path / "other.csv"
    other.write_text("id_a,id_b\ns2,s3\n")
    assert main(["--corpus", str(corpus), "--related", str(other), "--model", str(models), "--weights", "0",
                 "--n-jobs", "1", "--out", str(tmp_path / "r2")]) == 0
    assert "not the ground truth evaluated here" in (tmp_path / "r2" / "report.md").read_text()
    copy = tmp_path / "renamed.csv"
    copy.write_bytes(related.read_bytes())
    related.write_text("id_a,id_b\ns2,s3\n")  # the same name, other judgements
    for given, said in ((copy, "the ground truth evaluated here"), (related, "not the ground truth evaluated here")):
        assert main(["--corpus", str(corpus), "--related", str(given), "--model", str(models), "--weights", "0",
                     "--n-jobs", "1", "--out", str(tmp_path / "r3"), "-q"]) == 0
        line = next(line for line in (tmp_path / "r3" / "report.md").read_text().splitlines() if line.startswith("published "))
        assert f"--tune on {related}, {said}" in line, given


def test_only_the_ground_truth_tune_read_gets_a_held_out_half(tmp_path, capsys):
    from train.__main__ import main as train_main
    from train.evaluate import main
    from train import metrics as M

    corpus = write_corpus(tmp_path / "c.jsonl")
    related = tmp_path / "related.csv"
    related.write_text("id_a,id_b\ns1,d1\nf1,f2\ns2,s3\n")
    ratings = tmp_path / "ratings.csv"
    ratings.write_text("id_a,id_b,similarity\ns1,d1,4\nf1,f2,3\ns2,f3,1\ns3,f1,1\nd1,d2,4\nf2,f3,3\n")
    for tuned, held, not_held in ((ratings, "pearson", "recall@10"), (related, "recall@10", "pearson")):
        models = tmp_path / f"models-{tuned.stem}"
        assert train_main([str(corpus), "--out", str(models), "--min-df", "1", "-q", "--tune", str(tuned)]) == 0
        capsys.readouterr()
        out = tmp_path / f"r-{tuned.stem}"
        assert main(["--corpus", str(corpus), "--related", str(related), "--ratings", str(ratings), "--model", str(models),
                     "--weights", "0", "--n-jobs", "1", "--out", str(out), "-q"]) == 0
        ds = json.loads((out / "report.json").read_text())["datasets"][0]
        mine = next(s["figures"] for s in ds["systems"] if s["kind"] == "published")
        assert f"{held}_held_out" in mine and f"{not_held}_held_out" not in mine, tuned
        assert all(r.get("questions") != "held-out half" or r["metric"] == held for r in ds["differences"])
        note = next(n for n in ds["notes"] if "'s weights were chosen with --tune on half" in n)
        assert f"which that choice never read, {M.name(held)} is:" in note
        assert not any("halves of the held-out split are uneven" in n for n in ds["notes"])


def test_a_report_says_when_the_ratings_tune_read_are_unlike_the_held_out_half(tmp_path, capsys):
    from itertools import combinations

    from train.__main__ import main as train_main
    from train.evaluate import main

    corpus = write_corpus(tmp_path / "c.jsonl")
    ratings = tmp_path / "ratings.csv"  # similar, dissimilar, similar, ...: every other pair puts one kind in each half
    ratings.write_text("id_a,id_b,similarity\n" + "".join(f"{a},{b},{(4 if j % 2 == 0 else 1) + j % 3}\n" for j, (a, b)
                                                         in enumerate(combinations([a["id"] for a in make_articles()], 2))))
    models = tmp_path / "models"
    assert train_main([str(corpus), "--out", str(models), "--min-df", "1", "-q", "--tune", str(ratings)]) == 0
    capsys.readouterr()
    assert main(["--corpus", str(corpus), "--ratings", str(ratings), "--model", str(models), "--weights", "0",
                 "--n-jobs", "1", "--out", str(tmp_path / "r"), "-q"]) == 0
    notes = json.loads((tmp_path / "r" / "report.json").read_text())["datasets"][0]["notes"]
    note = next(n for n in notes if n.startswith("The halves of the held-out split are uneven: "))
    assert "(mean rating 5 over 33) and the other half (mean 2 over 33) differ beyond chance" in note
    assert "uneven" in (tmp_path / "r" / "report.md").read_text()


def test_undefined_correlations_keep_their_columns_as_dashes(tmp_path, capsys):
    from train.evaluate import main

    corpus = write_corpus(tmp_path / "c.jsonl")
    ratings = tmp_path / "ratings.csv"
    ratings.write_text("id_a,id_b,similarity\ns1,d1,4\ns1,f1,4\nf1,f2,4\n")  # all one rating: no correlation
    assert main(["--corpus", str(corpus), "--ratings", str(ratings), "--weights", "0", "--n-jobs", "1", "--out", str(tmp_path / "r")]) == 0
    text = (tmp_path / "r" / "report.md").read_text()
    header = next(line for line in text.splitlines() if line.startswith("| system |"))
    assert "| Pearson | Spearman |" in header and "P@10" not in header and "kNN" not in header
    row = next(line for line in text.splitlines() if line.startswith("| text only |")).split(" | ")
    columns = header.split(" | ")
    assert row[columns.index("Pearson")] == "–" and row[columns.index("Spearman")] == "–"
    assert "(– where there are fewer than 3 pairs, or the scores or the ratings do not vary)" in text
    assert "most recent with minus the days between the two articles" in text  # how a baseline scores a pair
    assert "No figure to judge c by, so no summary row" in text and "## Summary" not in text  # it has no labels either
    # the one-screen summary says so too, not that there is no ground truth (there is: it gives no figure)
    assert "no figure to judge by (no ground truth, or none that gives a figure; report.md says which): c" in capsys.readouterr().out


def test_without_out_only_the_standard_suite_writes_reports_latest(tmp_path, capsys, monkeypatch):
    from train.evaluate import build_parser, default_out, main

    monkeypatch.chdir(tmp_path)
    write_corpus(Path("tonight.jsonl"))
    Path("related.csv").write_text("id_a,id_b\ns1,d1\n")
    assert main(["--corpus", "tonight.jsonl", "--related", "related.csv", "--weights", "0", "--n-jobs", "1", "-q"]) == 0
    assert Path("reports/tonight/report.json").is_file() and not Path("reports/latest").exists()
    assert "evaluation report in reports/tonight" in capsys.readouterr().out
    parse = build_parser().parse_args
    assert default_out(parse(["--all", "data"])) == Path("reports/latest")
    assert default_out(parse(["--dataset", "../shared/datasets/bbc/"])) == Path("reports/bbc")
    assert default_out(parse(["--corpus", "/x/my.jsonl.gz"])) == Path("reports/my")


def test_the_command_refuses_a_corpus_the_job_would_refuse_unless_told(tmp_path, capsys):
    from train.evaluate import main

    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps(a) + "\n" for a in make_articles()) + "not json\n")  # 1 of 13 records bad
    args = ["--corpus", str(corpus), "--weights", "0", "--n-jobs", "1", "--out", str(tmp_path / "r"), "-q"]
    assert main(args) == 1
    assert "skipped 1 of 13 records (7.7%" in capsys.readouterr().err and not (tmp_path / "r" / "report.md").exists()
    assert main(args + ["--max-skipped", "0.1"]) == 0
    assert "1 unreadable record skipped" in (tmp_path / "r" / "report.md").read_text()


def test_the_command_evaluates_a_model_the_job_published(tmp_path, capsys):
    from train.__main__ import main as train_main
    from train.evaluate import main

    corpus = write_corpus(tmp_path / "c.jsonl")
    related = tmp_path / "related.csv"
    related.write_text("id_a,id_b\ns1,d1\nf1,f2\n")
    assert train_main([str(corpus), "--out", str(tmp_path / "models"), "--min-df", "1", "--n-jobs", "1"]) == 0
    version = capsys.readouterr().out.strip()
    out = tmp_path / "report"
    assert main(["--corpus", str(corpus), "--related", str(related), "--model", str(tmp_path / "models"),
                 "--weights", "0", "--n-jobs", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    report = json.loads((out / "report.json").read_text())
    assert report["settings"]["published_model"]["version"] == version
    assert report["summary"][0]["published_system"] == f"published {version}" and f"published {report['summary'][0]['published']:.3f}" in printed
    assert f"| published {version} |" in (out / "report.md").read_text()


def test_the_same_story_twice_counts_the_article_itself_and_its_headline():
    from train.evaluate import reader_metrics
    from train.systems import Blend
    from recommender.neighbours import title_key

    body = "dockers voted to return after the ministry raised its pay offer and cranes restart tonight at the port"
    rows = [("long", "Port strike ends", body, [], "2024-03-01"),
            ("short", "Port strike ends", " ".join(body.split()[:9]), [], "2024-03-01"),
            ("copy", "Port strike ends today", body, [], "2024-03-01"),
            ("cake", "Cake recipe", "flour sugar eggs butter", [], "2024-03-01"),
            ("bread", "Bread recipe", "flour yeast water salt", [], "2024-03-01"),
            ("flash", "Strike over, dockers return", "cranes restart tonight", [], "2024-03-01")]
    articles = [parse_article(a) for a in make_articles(rows)]
    judge = Blend("judge", min_df=1, topic_weight=0.0).fit(articles)
    days = {a.id: 0.0 for a in articles}
    headlines = {a.id: title_key(a.title) for a in articles}

    def pairs(lists):
        return reader_metrics(lists, judge, days, headlines, len(articles), 8)["near_duplicate_pairs"]

    assert pairs({"cake": ["bread"]}) == 0
    assert pairs({"long": ["short"]}) == 1  # the article's own story cut short, under its headline
    assert pairs({"cake": ["long", "copy"]}) == 1  # the same text under two headlines
    assert pairs({"long": ["copy", "cake"]}) == 1  # the article itself again
    assert pairs({"cake": ["flash", "long"]}) == 1  # a brief and its story of the same day
    days["flash"] = 9.0
    assert pairs({"cake": ["flash", "long"]}) == 0  # ... but not nine days apart


def test_the_reader_figures_on_hand_made_lists():
    from train.evaluate import reader_metrics
    from train.systems import Blend
    from recommender.neighbours import title_key

    rows = [("s", "Harbour news", "ferry timetable changes", [], "2024-03-01"),
            ("a", "Cake recipe", "flour sugar eggs butter", [], "2024-03-03"),
            ("b", "Football final", "goal keeper penalty stadium", [], "2024-02-20"),
            ("c", "Cake recipe", "flour sugar eggs butter", [], None),
            ("d", "Unread story", "orchestra violin concert hall", [], "2024-03-01")]
    articles = [parse_article(a) for a in make_articles(rows)]
    judge = Blend("judge", min_df=1, topic_weight=0.0).fit(articles)  # a and c: the same words
    days = {a.id: date_to_days(a.published_at) for a in articles}
    headlines = {a.id: title_key(a.title) for a in articles}
    lists = {"s": ["a", "b"], "b": ["a", "c"], "a": [], "d": ["s"]}
    got = reader_metrics(lists, judge, days, headlines, len(articles), 2)
    assert got["empty_lists"] == 1 / 4 and got["short_lists"] == 2 / 4  # "a" empty, "d" one of 2
    assert got["coverage"] == 4 / 5  # a, b, c, s appear; d in no list
    assert got["intra_list_similarity"] == pytest.approx((0.0 + 1.0) / 2)  # a, b share no word; a, c the same words
    assert got["near_duplicate_pairs"] == 1 and got["lists_with_near_duplicates"] == 1  # a and c in b's list
    # gaps in days over dated pairs: s-a 2, s-b 10, b-a 12 (c undated), d-s 0
    assert got["mean_age_gap_days"] == pytest.approx((2 + 10 + 12 + 0) / 4)


def test_a_floor_is_compared_with_the_default_only_where_the_default_does_not_clear_it():
    import train.metrics as M
    from train.evaluate import differences

    hits = {"text only": [1, 0] * 20, "words only": [1, 0] * 20, "random": [0] * 40, "tags only": [1] * 30 + [0] * 10}
    results = [{"system": name, "kind": "model" if name == "text only" else "baseline", "params": {"tag_weight": 0.0},
                "figures": {"recall@10": sum(h) / len(h)}} for name, h in hits.items()]
    questions = {name: {"recall@10": M.mean_questions(map(float, h))} for name, h in hits.items()}
    rows = differences(results, questions, {"metric": "recall@10", "tag_weight": 0.0})
    floors = {r["against"]: r for r in rows if r["against"] in ("random", "most recent", "tags only")}
    assert set(floors) == {"tags only"}  # random is cleared beyond chance: no row
    assert floors["tags only"]["difference"] == pytest.approx(0.5 - 0.75) and floors["tags only"]["interval"][1] < 0


def test_the_report_lists_where_the_default_is_behind_beyond_chance(result, tmp_path):
    rows = [{"system": "text only", "against": "words only", "metric": "knn_micro_f1", "difference": -0.017, "interval": [-0.025, -0.009]},
            {"system": "text only", "against": "yarpp", "metric": "knn_micro_f1", "difference": 0.0, "interval": [-0.010, 0.009]},
            {"system": "blend w=0.3", "against": "text only", "metric": "recall@10", "questions": "held-out half",
             "difference": 0.031, "interval": [0.012, 0.068]}]
    write_report([{**result, "differences": rows}], tmp_path, {}, "test")
    md = (tmp_path / "report.md").read_text()
    assert "- tiny, kNN micro-F1: words only ahead by 0.017 [0.009, 0.025]" in md
    assert "- tiny, R@10 (held-out half): blend w=0.3 ahead by 0.031 [0.012, 0.068] (at the tag weight chosen on all questions, this half among them)" in md
    assert "yarpp ahead" not in md  # within chance


def test_the_report_says_where_a_published_model_is_behind_as_well_as_ahead(result, tmp_path):
    from train.evaluate import summary_text

    published = {"system": "published v1", "kind": "published", "params": {"tag_weight": 0.0}, "figures": {}}
    rows = [{"system": "published v1", "against": "text only", "metric": "recall@10", "difference": 0.031, "interval": [0.012, 0.068]},
            {"system": "published v1", "against": "text only", "metric": "label_precision@8", "difference": -0.104, "interval": [-0.130, -0.080]},
            {"system": "published v1", "against": "text only", "metric": "pearson", "difference": 0.004, "interval": [-0.020, 0.030]},
            {"system": "published v1", "against": "text only", "metric": "ndcg@10", "difference": 1.475, "interval": None}]
    report = write_report([{**result, "systems": [*result["systems"], published], "differences": rows}], tmp_path, {}, "test")
    md = (tmp_path / "report.md").read_text()
    assert "- tiny, label P@8: published v1 behind by 0.104 [0.080, 0.130], beyond chance" in md
    assert "- tiny, R@10: published v1 ahead by 0.031 [0.012, 0.068], beyond chance" in md
    assert "- tiny, Pearson: published v1 level within chance: +0.004 [-0.020, +0.030]" in md
    assert "- tiny, nDCG@10: published v1 cannot be judged: +1.475 with no interval" in md  # not "level"
    assert "published v1 ahead by 0.031 [0.012, 0.068]\n" not in md  # not also among where the default is behind
    printed = summary_text({**report, "out": str(tmp_path)}, 1.0)
    assert "tiny: published v1 against text only: R@10 ahead by 0.031" in printed
    assert "label P@8 behind by 0.104 [0.080, 0.130], beyond chance" in printed


def test_the_plot_says_when_the_published_model_is_not_a_point_of_the_curve(result, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    from train import evaluate

    stars = []
    monkeypatch.setattr(evaluate, "_draw", lambda plt, panels, goals, path, star: stars.append(star))
    defaults = {"tag_weight": 0.0, "topic_weight": 0.5, "min_df": 1, "n_jobs": 1}
    for parameters in ({"tag_weight": 0.3, "topic_weight": 0.5, "min_df": 1, "n_jobs": -1},  # only its tag weight differs
                       {"tag_weight": 0.3, "topic_weight": 0.25, "min_df": 2, "n_jobs": 1}):
        settings = {"model_defaults": defaults, "published_model": {"version": "v1", "parameters": parameters}}
        assert evaluate.plot({"datasets": [result], "settings": settings}, tmp_path / "p.png")
    assert stars == ["published", "published (own min_df, topic_weight)"]


def test_a_data_set_the_defaults_were_tuned_on_also_gets_its_held_out_half(evalset, monkeypatch, tmp_path):
    from train import metrics as M
    from train import targets
    from train.groundtruth import HELD_OUT, half

    more = [("s2", "d1", 3.5), ("f2", "f3", 3.0), ("s3", "f2", 1.5), ("d2", "s4", 3.0), ("f3", "s1", 1.0), ("s2", "s4", 2.5)]
    tuned = replace(evalset, queries=[], categories=[], rated_pairs=evalset.rated_pairs + more,
                    related={**evalset.related, "s2": {"s3"}, "f2": {"f3", "f4"}})  # no unseen queries, as tuned sets
    assert not evaluate_set(tuned, standard_systems([0.0], min_df=1), sample=None, log=lambda m: None)["tuned_on_half"]
    monkeypatch.setattr(targets, "TUNED", {"tiny": tuned.digest()})
    result = evaluate_set(tuned, standard_systems([0.0, 0.3], min_df=1), sample=None, log=lambda m: None)
    assert result["tuned_on_half"]
    ours = figures(result, "text only")
    system = next(s for s in standard_systems([0.0], min_df=1) if s.name == "text only").fit(tuned.articles)
    held = half(tuned, HELD_OUT)
    odd = held.labelled
    expected = M.mean(M.label_precision([i for i, _ in system.related(s, 8)], tuned.labels[s], tuned.labels, 8) for s in odd)
    assert ours["label_precision@8_held_out"] == pytest.approx(expected) and ours["label_precision@8_held_out_questions"] == len(odd)
    pairs = held.rated_pairs
    assert ours["pearson_held_out"] == pytest.approx(M.correlations([system.score(a, b) for a, b, _ in pairs],
                                                                    [r for *_, r in pairs])["pearson"], abs=1e-6)
    # related pairs s1-d1, s1-d2, f1-f2, s2-s3, f2-f3, f2-f4 alternate: s1-d2, s2-s3 and f2-f4 are held out
    assert held.related == {"s1": {"d2"}, "s2": {"s3"}, "f2": {"f4"}} and ours["recall@10_held_out_questions"] == 3
    assert ours["recall@10_held_out"] == pytest.approx(M.mean(
        M.recall_at_k([i for i, _ in system.related(q, 10)], rel, 10) for q, rel in held.related.items()))
    held_rows = [row for row in result["differences"] if row.get("questions") == "held-out half"]
    assert held_rows and {row["metric"] for row in held_rows} <= {"recall@10", "pearson", "label_precision@8"}
    row = next(r for r in held_rows if r["metric"] == "label_precision@8" and r["against"] == "words only")
    assert row["difference"] == pytest.approx(ours["label_precision@8_held_out"] - figures(result, "words only")["label_precision@8_held_out"])
    monkeypatch.setitem(targets.BUNDLED, "bbc", result["content_digest"])  # "tiny" stands in for BBC, tuned on half
    report = write_report([{**result, "dataset": "bbc"}], tmp_path, {}, "test")
    row = next(r for r in report["targets"] if r["metric"] == "label_precision@8")
    assert row["held_out_value"] == ours["label_precision@8_held_out"] and row["held_out_verdict"].startswith("short by")
    assert "held_out_value" not in next(r for r in report["targets"] if r["metric"] == "near_duplicate_pairs")
    summary = report["summary"][0]
    key = summary["metric"]
    assert summary["text_only_held_out"] == ours[f"{key}_held_out"]
    assert summary["words_only_held_out"] == figures(result, "words only")[f"{key}_held_out"]
    assert f"(held-out half: text only {summary['text_only_held_out']:.3f}, words only " in summary_text({**report, "out": tmp_path}, 1.0)
    md = (tmp_path / "report.md").read_text()
    assert "label P@8, held-out half" in md and "| held-out half | its verdict |" in md and "| – | – |" in md
    assert "## Held-out halves" in md and "half the questions of bbc:" in md
    # the Summary itself shows the default's and words only's held-out figures, which a reader ships on (found by a reader)
    summary_row = next(line for line in md.splitlines() if line.startswith("| bbc |"))
    assert summary_row.startswith("| bbc | R@10 | ")  # recall@10 under the column's name, as the tables and glossary say it
    assert f"{summary['words_only']:.3f} (held-out half {summary['words_only_held_out']:.3f}) | " \
           f"{summary['text_only']:.3f} (held-out half {summary['text_only_held_out']:.3f}) |" in summary_row
    assert any(note.startswith("The defaults were tuned on half of this data set's judgements (every other related pair, "
                               "with both its ends, or rated pair; or the articles at even positions for labels). On the "
                               "other half (3 questions), which that choice never read, R@10 is: ") and "text only " in note
               for note in result["notes"])


def test_the_command_is_quiet_on_request_and_stops_on_sigterm_as_on_ctrl_c(tmp_path, capsys, monkeypatch):
    import os
    import signal

    from train import evaluate

    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps({"id": f"a{i}", "title": f"story {i % 3} of {'rain grain chess'.split()[i % 3]}",
                                          "body": f"words {i % 4} about {'rain grain chess'.split()[i % 3]}"}) + "\n" for i in range(12)))
    out = tmp_path / "report"
    assert evaluate.main(["--corpus", str(corpus), "--out", str(out), "--weights", "0", "--n-jobs", "1", "-q"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "report" in captured.out  # the summary on stdout, no progress on stderr
    assert evaluate.main(["--corpus", str(corpus), "--related", str(tmp_path / "nope.csv"), "--out", str(out)]) == 1
    assert capsys.readouterr().err == f"error: {tmp_path / 'nope.csv'}: no such file (--related)\n"
    assert evaluate.main(["--corpus", str(corpus), "--ratings", str(tmp_path), "--out", str(out)]) == 1
    assert capsys.readouterr().err == f"error: {tmp_path}: a folder, not a file (--ratings)\n"

    def killed(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)
        raise AssertionError("SIGTERM did not stop the run")

    before = (out / "report.json").read_bytes()
    monkeypatch.setattr(evaluate, "evaluate_set", killed)
    handler = signal.getsignal(signal.SIGTERM)
    assert evaluate.main(["--corpus", str(corpus), "--out", str(out), "--n-jobs", "1"]) == 143
    assert capsys.readouterr().err.endswith("error: terminated; the report folder is as it was\n")
    assert signal.getsignal(signal.SIGTERM) is handler and (out / "report.json").read_bytes() == before


def test_a_csv_with_its_own_tag_delimiter_is_read_as_the_job_read_it(tmp_path, capsys):
    import csv

    from train.__main__ import main as train_main
    from train.evaluate import main

    corpus = tmp_path / "c.csv"
    with corpus.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["id", "title", "body", "tags"])
        for a in make_articles():
            out.writerow([a["id"], a["title"], a["body"], ";".join(a.get("tags", []))])
    related = tmp_path / "related.csv"
    related.write_text("id_a,id_b\ns1,d1\nf1,f2\n")
    models = tmp_path / "models"
    assert train_main([str(corpus), "--out", str(models), "--min-df", "1", "--tag-delimiter", ";"]) == 0
    capsys.readouterr()
    args = ["--corpus", str(corpus), "--related", str(related), "--model", str(models), "--weights", "0", "--n-jobs", "1",
            "--out", str(tmp_path / "r")]
    assert main(args) == 1 and "was trained on other versions of these" in capsys.readouterr().err  # tags split at |
    assert main(args + ["--tag-delimiter", ";"]) == 0
    with pytest.raises(SystemExit) as info:
        main(["--all", str(tmp_path), "--tag-delimiter", ";"])
    assert info.value.code == 2 and "--tag-delimiter and --max-skipped go with --corpus" in capsys.readouterr().err


def test_post_is_timed_with_the_corpus_own_articles_when_there_are_no_unseen_ones(evalset, monkeypatch):
    from train.systems import Blend

    posted = []
    monkeypatch.setattr(Blend, "related_to", lambda self, article, k: posted.append((self.name, article.id, k)) or [])
    plain = replace(evalset, queries=[], categories=[])
    result = evaluate_set(plain, standard_systems([0.0], min_df=1), sample=None, log=lambda m: None)
    assert sorted(i for name, i, k in posted if name == "text only") == sorted(a.id for a in plain.articles)  # 10 < 200: all
    assert {k for *_, k in posted} == {8}
    assert all(s["figures"]["post_query_ms"] >= 0 for s in result["systems"])


def test_related_ids_our_model_counts_as_the_same_story_are_said_to_be_misses(evalset, tmp_path):
    """Our model never lists an article's near-duplicate, so a related pair that is the same story
    twice is a miss of ours by design: the report must say how many there are (found on a corpus
    whose related articles were copies of each other, where recall@10 was 0 with no word of why)."""
    s1 = next(a for a in evalset.articles if a.id == "s1")
    copied = replace(evalset, articles=[*evalset.articles, replace(s1, id="s1-again", title="Storm delays the launch",
                                                                   body=s1.body + " Engineers checked the fuel lines.")],
                     related={**evalset.related, "s1": {"d1", "d2", "s1-again"}}, queries=[], categories=[])
    result = evaluate_set(copied, standard_systems([0.0], min_df=1), sample=None, log=lambda m: None)
    notes = " ".join(result["notes"])
    assert "1 of the 4 related ids (25%) are of articles our model counts as the same story as the article asked " \
           "(text cosine at least 0.8" in notes and "train with higher thresholds, --duplicate-threshold and, for versions under one headline, --headline-threshold" in notes
    assert "s1-again" not in [j for j, _ in standard_systems([0.0], min_df=1)[-1].fit(copied.articles).related("s1", 10)]
    plain = evaluate_set(replace(evalset, queries=[], categories=[]), standard_systems([0.0], min_df=1), sample=None, log=lambda m: None)
    assert "the same story as the article asked" not in " ".join(plain["notes"])

    # a published model with near-duplicate settings of its own is counted by its own groups, not the defaults'
    from recommender import artifact
    from recommender.model import RelatedArticles
    from train.systems import Published

    for threshold, counted in ((0.99, False), (0.8, True)):
        models = tmp_path / f"models-{threshold}"
        model = RelatedArticles(min_df=1, duplicate_threshold=threshold, headline_threshold=threshold).fit(copied.articles)
        artifact.publish(model, models)
        published = Published(models)
        result = evaluate_set(copied, standard_systems([0.0], min_df=1) + [published], sample=None, log=lambda m: None)
        notes = " ".join(result["notes"])
        assert "related ids (25%) are of articles our model at the defaults counts as the same story" in notes
        assert (f"related ids (25%) are of articles {published.name} counts as the same story" in notes) is counted
        assert (f"{published.name} (duplicate threshold 0.99, headline threshold 0.99) counts none of them as the same "
                "story, so it can list them." in notes) is not counted


def test_the_comparative_targets_set_the_blend_against_text_only(evalset, monkeypatch, tmp_path):
    from train import metrics as M
    from train import targets
    from train.groundtruth import TUNING, half

    tuned = replace(evalset, queries=[], categories=[], related={**evalset.related, "s2": {"s3"}, "f2": {"f3", "f4"}})
    monkeypatch.setattr(targets, "TUNED", {"stackexchange_cstheory_meta": tuned.digest()})  # "tiny" stands in for it
    result = evaluate_set(tuned, standard_systems([0.0, 0.3], min_df=1), sample=None, log=lambda m: None)
    chosen, key = result["tuned_tag_weight"], result["tuned_tag_weight"]["metric"]
    models = {s["params"]["tag_weight"]: s["figures"] for s in result["systems"] if s["kind"] == "model"}
    # the tuning half's figure, measured here on its own, is what the weight was chosen by
    system = next(s for s in standard_systems([0.0], min_df=1) if s.name == "text only").fit(tuned.articles)
    tuning = half(tuned, TUNING).related
    assert key == "recall@10" and models[0.0]["recall@10_tuning_half"] == pytest.approx(M.mean(
        M.recall_at_k([i for i, _ in system.related(q, 10)], rel, 10) for q, rel in tuning.items()))
    assert chosen["tag_weight"] == max(models, key=lambda w: (models[w][f"{key}_tuning_half"], -w))
    assert chosen["difference"] == pytest.approx(models[chosen["tag_weight"]][f"{key}_held_out"] - models[0.0][f"{key}_held_out"])
    assert chosen["text_only_tuning_half"] == models[0.0][f"{key}_tuning_half"]
    margin, interval = chosen["tuning_half"] - chosen["text_only_tuning_half"], chosen["tuning_half_interval"]
    assert interval is None if chosen["tag_weight"] == 0 else interval[0] <= margin <= interval[1]
    both = sum(1 for q, rel in tuned.related.items() for i in rel if q in tuned.related.get(i, ())) // 2
    assert result["pairs_asked_both_ends"] == both
    report = write_report([{**result, "dataset": "stackexchange_cstheory_meta"}], tmp_path, {}, "test")
    rows = {row["target"]: row for row in report["targets"]}
    assert set(rows) == {targets.TAGS_AGAINST_TEXT[1], targets.NEVER_WORSE}
    tags = rows[targets.TAGS_AGAINST_TEXT[1]]
    assert tags["reached"].startswith(f"text only {models[0.0][key]:.3f}") and tags["verdict"].startswith("reported: ")
    assert rows[targets.NEVER_WORSE]["held_out_verdict"].startswith("met")
    md = (tmp_path / "report.md").read_text()
    assert f"| stackexchange_cstheory_meta | {targets.NEVER_WORSE} | w = {chosen['tag_weight']:g}, chosen on the tuning half" in md
    assert (f"stackexchange_cstheory_meta asks {both:,} linked pair" in md) == bool(both)


def _with_blend(tuned=None, differences=()):
    """A data set's section as the report holds it: text only and a blend at 0.1, best by recall@10."""
    systems = [{"system": "text only", "kind": "model", "params": {"tag_weight": 0.0}, "figures": {"recall@10": 0.40}},
               {"system": "blend w=0.1", "kind": "model", "params": {"tag_weight": 0.1}, "figures": {"recall@10": 0.42}}]
    return {"dataset": "news", "content_digest": "d", "tagged_articles": 5, "systems": systems,
            "best_tag_weight": {"metric": "recall@10", "tag_weight": 0.1}, "tuned_tag_weight": tuned,
            "differences": list(differences)}


def test_a_blend_the_tuning_half_chooses_is_short_where_the_held_out_half_puts_it_behind(monkeypatch):
    from train import targets

    monkeypatch.setattr(targets, "TUNED", {"news": "d"})
    behind = {"metric": "recall@10", "tag_weight": 0.1, "system": "blend w=0.1", "tuning_half": 0.45, "held_out": 0.30,
              "text_only_tuning_half": 0.40, "tuning_half_interval": [0.01, 0.09],
              "text_only_held_out": 0.36, "difference": -0.06, "interval": [-0.09, -0.02]}
    ds = _with_blend(behind)
    [row] = targets.comparisons(ds, ds["systems"][0])
    assert row["target"] == targets.NEVER_WORSE and row["value"] is None  # no figure of all questions judges it
    assert "(R@10 0.450 against text only's 0.400 there: the blend ahead by 0.050 [0.010, 0.090], beyond chance)" in row["reached"]
    assert row["held_out_verdict"] == "short: the blend behind by 0.060 [0.020, 0.090], beyond chance"
    level = {**behind, "difference": -0.01, "interval": [-0.04, +0.02], "tuning_half_interval": [-0.02, 0.12]}
    [row] = targets.comparisons(_with_blend(level), ds["systems"][0])
    assert row["held_out_verdict"] == "met: the blend level within chance: -0.010 [-0.040, +0.020]"
    assert "the blend level within chance: +0.050 [-0.020, +0.120]: that half can hardly tell the weights apart)" in row["reached"]
    # without an interval the sign decides: behind is worse
    [row] = targets.comparisons(_with_blend({**level, "interval": None}), ds["systems"][0])
    assert row["held_out_verdict"] == "short: -0.010, no interval: the sign decides"
    [row] = targets.comparisons(_with_blend({**level, "difference": 0.01, "interval": None}), ds["systems"][0])
    assert row["held_out_verdict"] == "met: +0.010, no interval: the sign decides"


def test_the_job_would_choose_only_among_the_weights_tune_tries():
    from train.evaluate import tuned_weight
    from train.tuning import TAG_WEIGHTS

    assert 0.7 not in TAG_WEIGHTS
    figures = lambda tuning: {"recall@10": 0.4, "recall@10_tuning_half": tuning, "recall@10_held_out": 0.3}
    results = [{"system": "text only", "kind": "model", "params": {"tag_weight": 0.0}, "figures": figures(0.40)},
               {"system": "blend w=0.7", "kind": "model", "params": {"tag_weight": 0.7}, "figures": figures(0.50)}]
    chosen = tuned_weight(results, {}, {})
    assert chosen["tag_weight"] == 0.0 and chosen["interval"] is None and chosen["tuning_half_interval"] is None


def test_every_question_of_a_set_tuning_never_read_is_held_out():
    from train import targets

    ours = {"system": "text only", "kind": "model", "params": {"tag_weight": 0.0},
            "figures": {"knn_micro_f1": 0.8, "label_precision@8": 0.85}}
    ds = {"dataset": "reuters21578", "content_digest": targets.BUNDLED["reuters21578"], "corpus_size": 10, "systems": [ours],
          "best_tag_weight": {"metric": "knn_micro_f1", "tag_weight": 0.0}, "tuned_tag_weight": None, "differences": []}
    rows = targets.judge([ds])
    assert len(rows) == 3 and all(row["held_out_verdict"] == "the same" for row in rows)
    bbc = {**ds, "dataset": "bbc", "content_digest": targets.BUNDLED["bbc"]}
    assert not any("held_out_verdict" in row for row in targets.judge([bbc]) if row["metric"] == "near_duplicate_pairs")


def test_without_a_tuning_half_the_job_would_choose_its_default_and_the_sweeps_best_is_reported(monkeypatch):
    from train import targets

    monkeypatch.setattr(targets, "TUNED", {"news": "d"})
    lists = {"metric": "label_precision@8", "system": "blend w=0.1", "against": "text only", "difference": -0.01,
             "interval": [-0.012, -0.008]}
    ds = _with_blend(None, [lists])
    [row] = targets.comparisons(ds, ds["systems"][0])
    assert row["reached"].startswith("w = 0, the job's default") and "label P@8 -0.010 [-0.012, -0.008]" in row["reached"]
    assert row["verdict"] == "met at the default; the sweep's best weight is behind beyond chance on label P@8"
    monkeypatch.setattr(targets, "TUNED", {})
    assert targets.comparisons(ds, ds["systems"][0]) == []  # a corpus the project does not bundle is held to nothing
