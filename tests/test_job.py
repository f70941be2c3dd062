"""The training job end to end on a tiny corpus the tests write, including every way it can fail."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from recommender import artifact
from train.__main__ import main

from .conftest import make_articles


def write_jsonl(path, rows, extra_lines=()):
    lines = [json.dumps(r) for r in rows] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def corpus(tmp_path):
    return write_jsonl(tmp_path / "corpus.jsonl", make_articles())


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_job_trains_and_publishes_a_version(tmp_path, corpus, capsys):
    models = tmp_path / "models"
    code, out, err = run(capsys, corpus, "--out", models, "--min-df", "1", "--n-jobs", "1")
    assert code == 0, err
    version = out.strip()
    assert version == artifact.current_version(models)
    for expected in ("read 12 articles; skipped 0", "vocabulary:", "candidates: step", "published version"):
        assert expected in err
    model = artifact.load(models)
    assert len(model) == 12
    assert model.manifest_["training"]["read"] == 12
    assert model.related("s1")[0].id in {"d1", "d2", "u1", "s2", "s3", "s4"}


def test_quiet_says_nothing_on_a_clean_run_but_the_version(tmp_path, corpus, capsys):
    code, out, err = run(capsys, corpus, "--out", tmp_path / "models", "--quiet", "--n-jobs", "1")
    assert code == 0 and err == "" and out.strip() == artifact.current_version(tmp_path / "models")


def test_quiet_still_says_what_was_skipped_and_warns(tmp_path, capsys):
    rows = make_articles() + [{"id": "w", "title": "The and of", "body": "\U0001F680"}]
    path = write_jsonl(tmp_path / "c.jsonl", rows, ["{not json"])
    code, out, err = run(capsys, path, "-q", "--out", tmp_path / "models", "--max-skipped", "0.15")
    assert code == 0, err
    lines = err.splitlines()
    assert lines[0] == "read 13 articles; skipped 1" and any("c.jsonl:14" in line for line in lines)
    assert lines[-1].startswith("warning: articles with no word the model indexes: 1 ")
    assert not any(line.startswith(("vocabulary:", "candidates:", "published version")) for line in lines)
    code, _, err = run(capsys, path, "-q", "--out", tmp_path / "models", "--max-skipped", "0")
    assert code == 1 and err.splitlines()[-1].startswith("error: skipped 1 of 14 records")


def test_a_model_whose_every_list_is_empty_is_not_published(tmp_path, corpus, previous, capsys):
    code, _, err = run(capsys, corpus, "--out", previous[0], "--max-df", "0.09", "--min-df", "1", "--n-jobs", "1")  # words in at most 1 of 12
    _assert_failed_and_previous_intact((code, "", err), previous, "every list would be empty")


@pytest.mark.parametrize("option, value", [("--max-df", "1"), ("--min-df", "2.0"), ("--min-df", "0"), ("--max-df", "-0.5")])
def test_document_frequency_cut_offs_that_cannot_work_are_usage_errors(tmp_path, corpus, capsys, option, value):
    with pytest.raises(SystemExit) as stopped:
        run(capsys, corpus, "--out", tmp_path / "models", option, value)
    assert stopped.value.code == 2 and not (tmp_path / "models").exists()
    assert ("max_df 1, a count" if value == "1" else "a share of the corpus in (0, 1]") in capsys.readouterr().err


def test_model_settings_reach_the_manifest(tmp_path, corpus, capsys):
    models = tmp_path / "models"
    code, _, err = run(capsys, corpus, "--out", models, "--tag-weight", "0.6", "--ngram-range", "1,2", "--min-df", "1")
    assert code == 0, err
    params = artifact.load(models).manifest_["parameters"]
    assert params["tag_weight"] == 0.6 and params["ngram_range"] == [1, 2]


def test_topic_resolutions_are_given_as_a_comma_separated_list(tmp_path, corpus, capsys):
    code, _, err = run(capsys, corpus, "--out", tmp_path / "models", "--min-df", "1", "--topic-dims", "2,4")
    assert code == 0, err
    model = artifact.load(tmp_path / "models")
    assert model.manifest_["parameters"]["topic_dims"] == [2, 4] and model.topics_.shape == (12, 6)
    assert "topics: 4, read at 2, 4" in err
    with pytest.raises(SystemExit) as exit_:
        main([str(corpus), "--out", str(tmp_path / "other"), "--topic-dims", "20,x"])
    assert exit_.value.code == 2 and "expected a number of topics or several as 20,50,100" in capsys.readouterr().err


def test_bad_records_are_skipped_and_counted_with_reasons(tmp_path, capsys):
    path = write_jsonl(tmp_path / "c.jsonl", make_articles(), ["{not json", json.dumps({"id": "x1", "title": " "})])
    code, _, err = run(capsys, path, "--out", tmp_path / "models", "--min-df", "1", "--max-skipped", "0.15")
    assert code == 0, err
    assert "read 12 articles; skipped 2" in err
    assert "c.jsonl:13" in err and "c.jsonl:14" in err
    assert artifact.load(tmp_path / "models").manifest_["training"]["skipped"] == 2
    assert "more (--strict" not in err


def test_too_many_bad_records_publish_nothing(tmp_path, capsys):
    path = write_jsonl(tmp_path / "c.jsonl", make_articles(), ["{not json", json.dumps({"id": "x1", "title": " "})])
    code, out, err = run(capsys, path, "--out", tmp_path / "models", "--min-df", "1")  # 2 of 14: over 5%
    assert code == 1 and out == "" and not (tmp_path / "models" / "CURRENT").exists()
    assert err.strip().splitlines()[-1] == ("error: skipped 2 of 14 records (14.3%), more than --max-skipped 0.05 allows: nothing "
                                            "published; fix the records (reasons above), or pass --max-skipped 1 to publish what was read")
    assert "candidate search" not in err  # stopped once read, before the search
    code, _, err = run(capsys, path, "--out", tmp_path / "models", "--min-df", "1", "--max-skipped", "0.15")
    assert code == 0, err
    with pytest.raises(SystemExit) as exit_:
        main([str(path), "--out", str(tmp_path / "models"), "--max-skipped", "5"])
    assert exit_.value.code == 2 and "expected a share from 0 to 1, got '5'" in capsys.readouterr().err


def test_past_ten_bad_records_the_rest_are_counted(tmp_path, capsys):
    path = write_jsonl(tmp_path / "c.jsonl", make_articles(), ["{not json"] * 13)
    code, _, err = run(capsys, path, "--out", tmp_path / "models", "--min-df", "1", "--max-skipped", "1")
    assert code == 0 and "skipped 13: invalid JSON" in err
    assert err.count("  e.g. ") == 10 and "c.jsonl:22: invalid JSON" in err and "c.jsonl:23" not in err
    assert "  ... and 3 more (--strict stops at the first bad record)" in err


def test_strict_stops_at_the_first_bad_record(tmp_path, capsys):
    path = write_jsonl(tmp_path / "c.jsonl", make_articles(), ["{not json"])
    code, out, err = run(capsys, path, "--out", tmp_path / "models", "--strict")
    assert code == 1 and out == ""
    assert err.startswith("error: ") and "c.jsonl:13" in err and len(err.strip().splitlines()) == 1
    assert artifact.current_version(tmp_path / "models") is None


@pytest.fixture
def previous(tmp_path, corpus, capsys):
    models = tmp_path / "models"
    assert run(capsys, corpus, "--out", models, "--min-df", "1")[0] == 0
    return models, artifact.current_version(models)


def _assert_failed_and_previous_intact(result, previous, reason):
    code, out, err = result
    models, version = previous
    assert code == 1 and out == ""
    last = err.strip().splitlines()[-1]
    assert last.startswith("error: ") and reason in last
    assert artifact.current_version(models) == version
    assert artifact.versions(models) == [version]
    artifact.load(models)


def test_duplicate_ids_fail_and_are_listed(tmp_path, previous, capsys):
    path = write_jsonl(tmp_path / "dup.jsonl", make_articles() + make_articles()[:2])
    result = run(capsys, path, "--out", previous[0])
    _assert_failed_and_previous_intact(result, previous, "2 duplicate article ids: s1, s2")
    assert f"s1 is articles 1 and 13 of {path}; s2 is articles 2 and 14 of {path} (an id must be unique" in result[2]


def test_a_duplicate_across_two_inputs_names_both(tmp_path, previous, capsys):
    first = write_jsonl(tmp_path / "monday.jsonl", make_articles())
    second = write_jsonl(tmp_path / "tuesday.jsonl", [{**make_articles()[4], "title": "updated"}])
    result = run(capsys, first, second, "--out", previous[0])
    _assert_failed_and_previous_intact(result, previous, "1 duplicate article id: f1")
    assert f"f1 is article 5 of {first} and article 1 of {second}" in result[2]


def test_an_empty_corpus_fails(tmp_path, previous, capsys):
    path = write_jsonl(tmp_path / "empty.jsonl", [], ["{broken"])
    _assert_failed_and_previous_intact(run(capsys, path, "--out", previous[0]), previous, "empty corpus")


def test_unreadable_input_fails(tmp_path, previous, capsys):
    result = run(capsys, tmp_path / "missing.jsonl", "--out", previous[0])
    _assert_failed_and_previous_intact(result, previous, "missing.jsonl")


def test_an_unwritable_output_folder_fails_before_reading(tmp_path, corpus, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, out, err = run(capsys, corpus, "--out", blocker / "models")
    assert code == 1 and out == ""
    assert err.startswith("error: cannot write to the models folder") and "read" not in err.split("error:")[0]
    code, out, err = run(capsys, corpus, "--out", blocker)
    assert code == 1 and err.startswith(f"error: cannot write to the models folder {blocker}: a file, not a folder (--out)")


@pytest.mark.parametrize("error,reason", [
    (OSError(28, "No space left on device"), "No space left on device"),
    (OSError("143350 requested and 17376 written"), "17376 written (a short write: is the disk full?)"),  # numpy's
])
def test_a_failure_while_publishing_keeps_the_previous_model(tmp_path, corpus, previous, capsys, monkeypatch, error, reason):
    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(artifact, "_fsync", broken)
    result = run(capsys, corpus, "--out", previous[0], "--min-df", "1")
    monkeypatch.undo()
    _assert_failed_and_previous_intact(result, previous, reason)


def test_a_corpus_much_smaller_than_the_current_version_is_not_published(tmp_path, previous, capsys):
    path = write_jsonl(tmp_path / "cut.jsonl", make_articles()[:4])  # 4 of the 12 articles the current version has
    result = run(capsys, path, "--out", previous[0], "--min-df", "1")
    _assert_failed_and_previous_intact(result, previous, f"read 4 articles, 67% fewer than the 12 of the current version {previous[1]}")
    assert "--max-shrink 0.5 allows: nothing published" in result[2]
    assert run(capsys, path, "--out", previous[0], "--min-df", "1", "--max-shrink", "1")[0] == 0


def test_a_second_job_on_the_same_models_folder_stops_at_once(tmp_path, corpus, previous, capsys):
    import fcntl

    with open(previous[0] / artifact.LOCK, "a+") as other:  # as another process holds it: its own open file
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        other.truncate(0)
        other.write("pid 4242, since 2026-12-02 03:00:00 UTC\n")
        other.flush()
        result = run(capsys, corpus, "--out", previous[0], "--min-df", "1")
    _assert_failed_and_previous_intact(result, previous, "another training job is publishing into this folder (pid ")
    assert "read " not in result[2]  # stopped before reading


def test_sigterm_stops_the_job_as_ctrl_c_does(tmp_path, corpus, previous, capsys, monkeypatch):
    import os
    import signal

    import train.__main__ as cli

    def killed(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)
        raise AssertionError("SIGTERM did not stop the job")

    monkeypatch.setattr(cli, "train", killed)
    handler = signal.getsignal(signal.SIGTERM)
    code, out, err = run(capsys, corpus, "--out", previous[0])
    assert code == 143 and err == "error: terminated; the previous model stays current\n"
    assert signal.getsignal(signal.SIGTERM) is handler  # the job's own handler is gone again


def test_ctrl_c_while_pruning_says_the_new_version_is_current(tmp_path, corpus, previous, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(artifact, "prune", interrupted)
    code, out, err = run(capsys, corpus, "--out", previous[0], "--min-df", "1")
    now = artifact.current_version(previous[0])
    assert code == 130 and now != previous[1]
    assert err.strip().splitlines()[-1] == f"error: interrupted after version {now} was made current; old versions may be left to prune"


@pytest.mark.parametrize("option,value", [("--format", "xml"), ("--keep", "0"), ("--keep", "-1"), ("--keep", "two")])
def test_bad_options_are_usage_errors(tmp_path, corpus, capsys, option, value):
    with pytest.raises(SystemExit) as info:
        main([str(corpus), "--out", str(tmp_path / "models"), option, value])
    assert info.value.code == 2 and f"argument {option}" in capsys.readouterr().err
    assert not (tmp_path / "models").exists()  # refused before any work


def test_tune_chooses_the_topic_and_tag_weights_on_the_users_ground_truth(tmp_path, corpus, capsys, monkeypatch):
    truth = tmp_path / "related.csv"
    truth.write_text("id_a,id_b\ns1,d1\ns2,s3\nf1,f2\nf3,f1\nu1,s2\n")
    models = tmp_path / "models"
    code, _, err = run(capsys, corpus, "--out", models, "--min-df", "1", "--tune", truth)
    assert code == 0, err
    manifest = artifact.load(models).manifest_
    tuning, params = manifest["tuning"], manifest["parameters"]
    assert set(tuning["topic_scores"]) == {"0", "0.1", "0.25", "0.5", "0.75"}
    assert set(tuning["scores"]) == {"0", "0.05", "0.1", "0.2", "0.3", "0.5"}
    topic, tag = tuning["topic_weight"], tuning["tag_weight"]
    assert (params["topic_weight"], params["tag_weight"]) == (topic, tag)
    assert tuning["topic_scores"][f"{topic:g}"] == max(tuning["topic_scores"].values())
    assert tuning["scores"]["0"] == tuning["topic_scores"][f"{topic:g}"]  # measured once, at tag weight 0
    best = max(tuning["scores"].values())
    assert tuning["scores"][f"{tag:g}"] == best
    assert min(float(w) for w, v in tuning["scores"].items() if v == best) == tag
    assert "tuning: topic weight 0.25, tag weight 0: recall@10" in err and f"tuning: topic weight {topic:g}, tag weight 0.3: recall@10" in err
    assert err.count(f"tuning: topic weight {topic:g}, tag weight 0:") == 1
    assert "holds nearly every other one" not in err  # 12 articles: a list of 10 leaves one out
    assert "tuning: warning: the half of " in err and "holds only " in err  # a handful of related pairs
    code, _, err = run(capsys, corpus, "--out", models, "--min-df", "1", "--tune", truth, "-q")
    assert code == 0 and "tuning: warning: the half of " in err and "holds only " in err and "tuning: topic weight" not in err
    assert manifest["tuning"]["ground_truth_sha256"] == hashlib.sha256(truth.read_bytes()).hexdigest()
    monkeypatch.chdir(tmp_path)  # a path typed relative to where the job ran would mean nothing to a later reader
    assert run(capsys, corpus, "--out", models, "--min-df", "1", "--tune", "related.csv", "-q")[0] == 0
    assert artifact.load(models).manifest_["tuning"]["ground_truth"] == str(truth.resolve())


def test_tune_keeps_a_topic_weight_given_on_the_command_line(tmp_path, corpus, capsys):
    truth = tmp_path / "related.csv"
    truth.write_text("id_a,id_b\ns1,d1\ns2,s3\nf1,f2\n")
    models = tmp_path / "models"
    code, _, err = run(capsys, corpus, "--out", models, "--min-df", "1", "--topic-weight", "0", "--tune", truth)
    assert code == 0, err
    manifest = artifact.load(models).manifest_
    assert manifest["tuning"]["topic_scores"] is None and manifest["tuning"]["topic_weight"] == 0
    assert manifest["parameters"]["topic_weight"] == 0
    assert "tuning: topic weight 0.5" not in err and "chose topic weight" not in err


def test_tune_on_enough_judgements_does_not_warn_that_the_choice_is_weak(tmp_path, corpus, capsys):
    from itertools import combinations

    ids = [a["id"] for a in make_articles()]
    truth = tmp_path / "ratings.csv"  # every pair of the 12 articles rated: 33 in the half tuning reads
    truth.write_text("id_a,id_b,similarity\n" + "".join(f"{a},{b},{4 if a[0] == b[0] else 1}\n" for a, b in combinations(ids, 2)))
    code, _, err = run(capsys, corpus, "--out", tmp_path / "models", "--min-df", "1", "--topic-weight", "0.5", "--tune", truth)
    assert code == 0, err
    assert "holds only" not in err and "differ beyond chance" not in err


def test_tune_warns_when_the_file_alternates_kinds_of_pair(tmp_path, corpus, capsys):
    from itertools import combinations

    ids = [a["id"] for a in make_articles()]
    truth = tmp_path / "ratings.csv"  # a similar pair, then a dissimilar one: every other pair puts one kind in each half
    truth.write_text("id_a,id_b,similarity\n" + "".join(f"{a},{b},{(4 if j % 2 == 0 else 1) + j % 3}\n"
                                                       for j, (a, b) in enumerate(combinations(ids, 2))))
    code, _, err = run(capsys, corpus, "--out", tmp_path / "models", "--min-df", "1", "--topic-weight", "0.5", "--tune", truth, "-q")
    assert code == 0, err  # -q keeps warnings: a nightly cron job must still see them
    assert "tuning: topic weight" not in err  # progress is quiet
    assert f"tuning: warning: {truth}: the rated pairs tuning reads (mean rating 5 over 33) and the other half (mean 2 over 33) " \
           "differ beyond chance" in err and "shuffle its rows" in err


def test_tune_keeps_a_tag_weight_given_and_skips_it_without_tags(tmp_path, corpus, capsys):
    truth = tmp_path / "related.csv"
    truth.write_text("id_a,id_b\ns1,d1\ns2,s3\nf1,f2\n")
    code, _, err = run(capsys, corpus, "--out", tmp_path / "m1", "--min-df", "1", "--tag-weight", "0.3", "--tune", truth)
    assert code == 0, err
    manifest = artifact.load(tmp_path / "m1").manifest_
    assert manifest["parameters"]["tag_weight"] == 0.3 and manifest["tuning"]["scores"] is None  # was silently set to the tuned one
    assert "tuning: tag weight 0.3 as given" in err and "topic weight 0.5, tag weight 0.1:" not in err
    untagged = write_jsonl(tmp_path / "untagged.jsonl", [{**a, "tags": []} for a in make_articles()])
    code, _, err = run(capsys, untagged, "--out", tmp_path / "m2", "--min-df", "1", "--tune", truth)
    assert code == 0 and "tuning: no article has a tag: tag weight 0" in err and "tag weight 0.1:" not in err
    with pytest.raises(SystemExit) as stopped:
        run(capsys, corpus, "--out", tmp_path / "m3", "--topic-weight", "0", "--tag-weight", "0.3", "--tune", truth)
    assert stopped.value.code == 2 and "both are given" in capsys.readouterr().err


def test_the_tuning_sample_keeps_every_judged_article_and_spreads_the_rest():
    from recommender.schema import parse_article
    from train.job import tuning_sample

    articles = [parse_article({"id": f"a{i}", "title": "t", "body": "b"}) for i in range(10)]
    ids = lambda chosen: [a.id for a in chosen]  # noqa: E731
    assert ids(tuning_sample(articles, {"a9", "a3"}, 5)) == ["a0", "a3", "a4", "a8", "a9"]  # others at 0, 4, 8 of the rest
    assert tuning_sample(articles, {"a9"}, 0) is articles and tuning_sample(articles, {"a9"}, 10) is articles
    assert ids(tuning_sample(articles, {"a1", "a2", "a5"}, 2)) == ["a1", "a2", "a5"]  # judged articles are never dropped


def test_tune_fits_on_a_sample_of_a_large_corpus_and_the_model_on_all(tmp_path, corpus, capsys, fit_inputs):
    truth = tmp_path / "related.csv"
    truth.write_text("id_a,id_b\ns1,d1\nf1,f2\n")
    models = tmp_path / "models"
    code, _, err = run(capsys, corpus, "--out", models, "--min-df", "1", "--tune", truth, "--tune-sample", "6")
    assert code == 0, err
    assert "tuning: on 6 of 12 articles (the 4 the ground truth names" in err
    assert "tuning: warning: with 6 articles a list of 10 holds nearly every other one" in err
    assert [len(a) for a in fit_inputs[:-1]] == [6] * 10 and len(fit_inputs[-1]) == 12  # ten tuning fits, then the model
    assert {"s1", "d1", "f1", "f2"} <= {a.id for a in fit_inputs[0]}
    assert artifact.load(models).manifest_["tuning"]["articles"] == 6 and len(artifact.load(models)) == 12
    for bad in ("-1", "many"):
        with pytest.raises(SystemExit) as info:
            main([str(corpus), "--out", str(models), "--tune", str(truth), "--tune-sample", bad])
        assert info.value.code == 2 and "expected a whole number of articles" in capsys.readouterr().err


@pytest.mark.parametrize("option, value, message", [
    ("--n-jobs", "0", "n_jobs must be a number of processes"),
    ("--n-jobs", "-2", "n_jobs must be a number of processes (1 or more) or -1 for all cores, got -2"),
    ("--tag-weight", "1.5", "tag_weight must be between 0 and 1"),
    ("--ngram-range", "2,1", "ngram_range must be (1, 1), (1, 2) or (2, 2)"),
    ("--stemmer", "klingon", "no stemmer for 'klingon'"),
])
def test_an_invalid_setting_is_a_usage_error_before_any_work(tmp_path, corpus, capsys, fit_inputs, option, value, message):
    with pytest.raises(SystemExit) as info:
        main([str(corpus), "--out", str(tmp_path / "models"), option, value])
    err = capsys.readouterr().err
    assert info.value.code == 2 and f"error: invalid setting: {message}" in err
    assert "read 12 articles" not in err and not fit_inputs and not (tmp_path / "models").exists()


def test_none_on_the_command_line_is_a_setting_not_the_default(tmp_path, corpus, capsys):
    models = tmp_path / "models"
    code, _, err = run(capsys, corpus, "--out", models, "--min-df", "1", "--stemmer", "none", "--stop-words", "none")
    assert code == 0, err
    model = artifact.load(models)
    assert model.stemmer is None and model.stop_words is None  # both were dropped as if not given
    assert {"the", "delayed"} <= set(model.terms_.tolist())


def test_stop_words_come_from_a_file_of_ones_own(tmp_path, corpus, capsys):
    words = tmp_path / "stop.txt"
    words.write_text("# newsroom words\nLaunch\n\n  storm \nthe\n", encoding="utf-8")
    models = tmp_path / "models"
    code, _, err = run(capsys, corpus, "--out", models, "--min-df", "1", "--stop-words", words, "--stemmer", "none")
    assert code == 0, err
    model = artifact.load(models)
    assert model.stop_words == ["Launch", "storm", "the"] and model.manifest_["parameters"]["stop_words"] == model.stop_words
    terms = set(model.terms_.tolist())
    assert not {"launch", "storm", "the"} & terms and {"rocket", "delayed", "and"} <= terms  # read as the text is: Launch is launch
    for bad, message in (("klingon", "expected english, none or a file of stop words, one a line; cannot read klingon"),
                         (tmp_path / "empty.txt", "empty.txt: no stop words in it")):
        if isinstance(bad, Path):
            bad.write_text("# nothing\n")
        with pytest.raises(SystemExit) as info:
            main([str(corpus), "--out", str(tmp_path / "other"), "--stop-words", str(bad)])
        assert info.value.code == 2 and message in capsys.readouterr().err


def test_an_empty_dask_address_is_a_usage_error(tmp_path, corpus, capsys, fit_inputs):
    with pytest.raises(SystemExit) as info:  # it skipped the scheduler check and hung in a client for "" before
        main([str(corpus), "--out", str(tmp_path / "models"), "--dask", ""])
    assert info.value.code == 2 and "expected a Dask scheduler's address" in capsys.readouterr().err and not fit_inputs


@pytest.mark.parametrize("argv, message", [
    (["", "--out", "models"], "argument INPUT: expected a file or folder of articles, got an empty value"),
    (["CORPUS", "--out", ""], "argument --out: expected a models folder, got an empty value"),  # it published into the current folder
    (["CORPUS", "--out", "models", "--tune", ""], "argument --tune: expected a ground-truth file, got an empty value"),
    (["CORPUS", "--out", "models", "--tune-sample", "5"], "--tune-sample goes with --tune"),  # it was ignored
])
def test_empty_paths_and_options_without_their_partner_are_usage_errors(tmp_path, corpus, capsys, fit_inputs, argv, message):
    with pytest.raises(SystemExit) as info:
        main([str(corpus) if a == "CORPUS" else str(tmp_path / a) if a == "models" else a for a in argv])
    assert info.value.code == 2 and message in capsys.readouterr().err and not fit_inputs


def test_a_missing_tune_file_is_said_before_the_corpus_is_read(tmp_path, corpus, capsys, fit_inputs):
    code, _, err = run(capsys, corpus, "--out", tmp_path / "models", "--tune", tmp_path / "typo.csv")
    assert code == 1 and err == f"error: {tmp_path / 'typo.csv'}: no such file (--tune)\n"  # it came after reading and fitting
    assert not fit_inputs and not (tmp_path / "models").exists()
    code, _, err = run(capsys, corpus, "--out", tmp_path / "models", "--tune", tmp_path)  # as train.evaluate says it
    assert code == 1 and err == f"error: {tmp_path}: a folder, not a file (--tune)\n" and not fit_inputs
    (tmp_path / "plot.png").write_bytes(b"\x89PNG")  # no ground-truth format: said before reading too (found by a tester)
    code, _, err = run(capsys, corpus, "--out", tmp_path / "models", "--tune", tmp_path / "plot.png")
    assert code == 1 and err == (f"error: cannot read the ground truth (--tune): {tmp_path / 'plot.png'}: ground truth must be "
                                 "a .jsonl file of related ids or a .csv file of related or rated pairs (or either gzipped)\n")
    assert not fit_inputs and not (tmp_path / "models").exists()


def test_a_stemmer_is_named_in_any_case(tmp_path, corpus, capsys):
    code, _, err = run(capsys, corpus, "--out", tmp_path / "models", "--min-df", "1", "--stemmer", "German")
    assert code == 0, err  # "no stemmer for 'German'" before: PyStemmer's names are lower case
    assert artifact.load(tmp_path / "models").stemmer == "german"


def test_a_search_budget_too_small_is_named_when_every_list_would_be_empty(tmp_path, corpus, capsys):
    code, _, err = run(capsys, corpus, "--out", tmp_path / "models", "--min-df", "1", "--search", "approximate", "--search-budget", "1")
    assert code == 1 and "every list would be empty" in err and "--search-budget 1 lets the approximate search walk too few" in err
    code, _, err = run(capsys, corpus, "--out", tmp_path / "models", "--min-df", "1", "--search", "approximate")
    assert code == 0, err  # the default budget finds the lists


def test_the_job_function_refuses_an_invalid_setting_before_it_reads(tmp_path, corpus, fit_inputs):
    from train.job import JobError, train

    with pytest.raises(JobError, match="invalid setting: ngram_range"):
        train([corpus], tmp_path / "models", params={"ngram_range": (0, 1)})
    assert not fit_inputs and not (tmp_path / "models").exists()


def test_tune_warns_of_ratings_that_run_the_other_way(tmp_path, corpus, capsys):
    """1 = very similar made every Pearson negative and tuning chose the worst weights in silence
    (found by a tester)."""
    from itertools import combinations

    ids = [json.loads(line)["id"] for line in corpus.read_text().splitlines() if line.strip()]
    topic = {i: "food" if i.startswith("f") else "space" for i in ids}
    truth = tmp_path / "ratings.csv"
    truth.write_text("id_a,id_b,similarity\n" + "".join(f"{a},{b},{1 if topic[a] == topic[b] else 4}\n"
                                                         for a, b in combinations(ids, 2)))
    code, _, err = run(capsys, corpus, "--out", tmp_path / "models", "--min-df", "1", "--tune", truth, "-q")
    assert code == 0 and f"tuning: warning: every weight tried has a Pearson below 0 on {truth}" in err
    truth.write_text("id_a,id_b,similarity\n" + "".join(f"{a},{b},{4 if topic[a] == topic[b] else 1}\n"
                                                         for a, b in combinations(ids, 2)))
    code, _, err = run(capsys, corpus, "--out", tmp_path / "models", "--min-df", "1", "--tune", truth, "-q")
    assert code == 0 and "Pearson below 0" not in err


def test_tune_warns_when_no_weight_scores_apart_from_another(tmp_path, capsys):
    """Related pairs that are near-copies are never listed: recall 0 at every weight, and tuning
    "chose" the defaults with no word (found by a tester)."""
    words = ["orbit rocket launch pad", "bread flour oven yeast", "goal match league coach", "vote ballot party poll",
             "storm flood rain levee", "court judge trial jury"]
    rows = [{"id": f"{n}{copy}", "title": f"Story {n}{copy}", "body": f"{text} {text} report", "tags": [f"t{n % 2}"]}
            for n, text in enumerate(words) for copy in ("", "-again")]
    corpus = tmp_path / "copies.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows))
    truth = tmp_path / "related.csv"
    truth.write_text("id_a,id_b\n" + "".join(f"{n},{n}-again\n" for n in range(len(words))))
    code, _, err = run(capsys, corpus, "--out", tmp_path / "models", "--min-df", "1", "--tune", truth, "-q")
    assert code == 0 and f"tuning: warning: every weight tried scores recall@10" in err
    assert "so it cannot tell them apart and keeps the default of each weight it tunes; a recall of 0 at every weight: if the related " \
           "pairs are near-copies of each other, the model never lists them" in err


def test_tune_on_a_file_with_no_judgement_says_so(tmp_path, corpus, capsys):
    truth = tmp_path / "related.csv"
    truth.write_text("id_a,id_b\n")
    code, _, err = run(capsys, corpus, "--out", tmp_path / "models", "--tune", truth)
    assert code == 1 and f"{truth}: holds no related ids or rated pairs to tune on" in err and "0 of its ids" not in err


def test_tune_on_too_few_rated_pairs_is_an_error_not_a_traceback(tmp_path, corpus, capsys):
    truth = tmp_path / "ratings.csv"
    truth.write_text("id_a,id_b,similarity\ns1,d1,4\ns1,f1,1\nf1,f2,4\n")  # the half tuning reads: 2 pairs
    code, _, err = run(capsys, corpus, "--out", tmp_path / "models", "--tune", truth)
    assert code == 1 and "cannot tune on it: pearson (tuning half) is undefined on the 2 judgements tuning reads" in err
    assert "they must hold at least 3 ratings that differ, of at least 2 different pairs" in err
    assert "Traceback" not in err and artifact.current_version(tmp_path / "models") is None


def test_tune_with_ground_truth_about_other_articles_fails(tmp_path, corpus, capsys):
    truth = tmp_path / "ratings.csv"
    truth.write_text("id_a,id_b,similarity\nx1,x2,3.0\n")
    code, out, err = run(capsys, corpus, "--out", tmp_path / "models", "--tune", truth)
    assert code == 1 and "no ground truth about articles of this corpus (2 distinct ids not in the corpus ('x1', 'x2'): an id must be spelt as the corpus spells it)" in err


def test_tune_warns_when_most_of_its_ground_truth_names_ids_not_in_the_corpus(tmp_path, corpus, capsys):
    truth = tmp_path / "ratings.csv"
    truth.write_text("id_a,id_b,similarity\ns1,d1,4\ns1,f1,1\nf1,f2,4\ns2,d2,4\ns2,f2,1\n"
                     + "".join(f"0s{n},0d{n},3\n" for n in range(6)))  # 6 of 11 pairs name ids spelt otherwise
    code, _, err = run(capsys, corpus, "--out", tmp_path / "models", "--tune", truth, "-q")
    assert code == 0 and f"tuning: warning: {truth}: 6 of its 11 ratings are left out for 12 distinct ids not in the corpus ('0d0', '0d1', '0d2', ...)" in err
    truth.write_text("id_a,id_b,similarity\ns1,d1,4\ns1,f1,1\nf1,f2,4\ns2,d2,4\ns2,f2,1\n0s1,0d1,3\n")
    code, _, err = run(capsys, corpus, "--out", tmp_path / "models", "--tune", truth)
    assert code == 0 and "warning" not in err.split("tuning: 1 of the 6 ratings")[0][-200:]
    assert f"tuning: 1 of the 6 ratings of {truth} are left out for 2 distinct ids not in the corpus ('0d1', '0s1')" in err


@pytest.fixture
def fit_inputs(monkeypatch):
    """What RelatedArticles.fit is given, call by call."""
    import train.job as job

    given = []
    fit = job.RelatedArticles.fit

    def recording_fit(self, articles):
        given.append(articles)
        return fit(self, articles)

    monkeypatch.setattr(job.RelatedArticles, "fit", recording_fit)
    return given


def test_the_job_streams_the_articles_into_fit_and_splits_the_time_honestly(tmp_path, corpus, capsys, fit_inputs):
    import train.job as job

    given = fit_inputs
    code, _, err = run(capsys, corpus, "--out", tmp_path / "models", "--min-df", "1", "--n-jobs", "1")
    assert code == 0, err
    assert len(given) == 1 and not isinstance(given[0], (list, tuple))  # a generator, read once by fit
    assert err.index("read 12 articles; skipped 0") < err.index("vocabulary:") < err.index("published version")
    saved = artifact.load(tmp_path / "models").manifest_["training"]["seconds"]
    assert set(saved) == {"read", "fit"} and saved["read"] > 0 and saved["fit"] > 0  # written before "write" is known
    manifest = job.train([corpus], tmp_path / "more", params={"min_df": 1, "n_jobs": 1}, log=lambda message: None)
    seconds = manifest["training"]["seconds"]
    assert list(seconds) == ["read", "fit", "write"] and all(s > 0 for s in seconds.values())


def test_the_job_keeps_the_list_only_for_tuning(tmp_path, corpus, capsys, fit_inputs):
    given = fit_inputs
    truth = tmp_path / "related.csv"
    truth.write_text("id_a,id_b\ns1,d1\ns2,s3\nf1,f2\n")
    code, _, err = run(capsys, corpus, "--out", tmp_path / "models", "--min-df", "1", "--tune", truth)
    assert code == 0, err
    assert isinstance(given[-1], list) and len(given[-1]) == 12
    assert err.count("read 12 articles; skipped 0") == 1


def test_an_empty_corpus_fails_after_the_load_summary(tmp_path, capsys):
    path = write_jsonl(tmp_path / "empty.jsonl", [], ["{broken"])
    code, out, err = run(capsys, path, "--out", tmp_path / "models")
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert "read 0 articles; skipped 1" in err and lines[-1] == f"error: empty corpus: no valid articles in {path}"
    assert err.index("read 0 articles") < err.index("error:")
    assert artifact.current_version(tmp_path / "models") is None


def test_a_bad_record_under_strict_mid_stream_fails_cleanly(tmp_path, previous, capsys):
    path = write_jsonl(tmp_path / "c.jsonl", make_articles()[:6], ["{not json"] + [json.dumps(a) for a in make_articles()[6:]])
    code, out, err = run(capsys, path, "--out", previous[0], "--strict")
    _assert_failed_and_previous_intact((code, out, err), previous, "c.jsonl:7")


@pytest.mark.parametrize("every, lines", [(0.0, 2), (3600.0, 1)])
def test_reading_progress_is_a_line_per_thousand_articles_at_most_one_per_interval(tmp_path, capsys, monkeypatch, every, lines):
    import train.job as job

    monkeypatch.setattr(job, "PROGRESS_SECONDS", every)
    rows = [{"id": f"a{i}", "title": f"story {'abcdefg'[i % 7] * 3} of town {'hijklmnopqr'[i % 11] * 3}",
             "body": f"words {'stuvw'[i % 5] * 4} and {'abcdefghijklm'[i % 13] * 5}"} for i in range(2100)]
    said: list[str] = []
    job.train([write_jsonl(tmp_path / "c.jsonl", rows)], tmp_path / "models", params={"topic_weight": 0, "n_jobs": 1}, log=said.append)
    reading = [line for line in said if line.startswith("reading: ")]
    assert reading == ["reading: 1,000 articles, 0 skipped", "reading: 2,000 articles, 0 skipped"][:lines]
    assert any(line.startswith("read 2,100 articles; skipped 0") for line in said)


def test_a_corpus_whose_words_the_cut_offs_all_leave_out_says_how_to_keep_them(tmp_path, capsys):
    rows = [{"id": "1", "title": "Flood warning", "body": "rivers rose"}, {"id": "2", "title": "Election results", "body": "votes"},
            {"id": "3", "title": "Harvest festival", "body": "potatoes galore"}]  # no word in two articles
    path = write_jsonl(tmp_path / "c.jsonl", rows)
    code, _, err = run(capsys, path, "--out", tmp_path / "models")
    assert code == 1 and "no terms left" in err and "min_df 2: a word must be in at least 2 articles, --min-df 1 keeps every word" in err
    assert not (tmp_path / "models").exists() or artifact.current_version(tmp_path / "models") is None
    code, _, err = run(capsys, path, "--out", tmp_path / "models", "--min-df", "1")  # fits, then no two articles share a word
    assert "no terms left" not in err and "fitted 3 articles" in err and "every list would be empty" in err


def test_an_article_whose_words_are_all_left_out_by_min_df_is_in_the_warning(tmp_path, capsys):
    rows = [{"id": "1", "title": "Warning", "body": "flood valley river"}, {"id": "2", "title": "Risk", "body": "flood valley snow"},
            {"id": "4", "title": "Storm", "body": "snow river roads"}, {"id": "3", "title": "Harvest festival", "body": "potatoes galore"}]
    code, _, err = run(capsys, write_jsonl(tmp_path / "c.jsonl", rows), "--out", tmp_path / "models")
    assert code == 0, err
    assert "articles with no word the model indexes: 1 (" in err and "--min-df 1 keeps every word" in err


def test_a_corpus_left_with_few_words_per_article_is_a_warning_that_names_the_cut_offs(tmp_path, capsys):
    rows = [{"id": "1", "title": "Flood warning in the valley", "body": "Rivers rose after heavy rain; farmers moved cattle."},
            {"id": "2", "title": "Election in the valley", "body": "Voters chose a new mayor after a campaign about roads."},
            {"id": "3", "title": "Harvest festival returns", "body": "Farmers brought potatoes and cattle to the autumn fair."},
            {"id": "4", "title": "New school opens", "body": "The mayor cut the ribbon at the school beside the river."},
            {"id": "5", "title": "Road works begin", "body": "Machines arrived to rebuild the valley road before winter rain."}]
    path = write_jsonl(tmp_path / "c.jsonl", rows)
    code, _, err = run(capsys, path, "--out", tmp_path / "models", "-q")  # min_df 2 keeps a few words of each
    assert code == 0, err
    warning = [line for line in err.splitlines() if line.startswith("warning: the median article keeps ")]
    assert len(warning) == 1 and "fewer than 5" in warning[0] and "--min-df 1 keeps every word" in warning[0]
    code, _, err = run(capsys, path, "--out", tmp_path / "models", "--min-df", "1")
    assert code == 0 and "the median article keeps" not in err


@pytest.mark.parametrize("rows, options, reason", [
    ([{"id": str(i), "title": "Flood warning for the valley", "body": "Rivers rose."} for i in range(5)], [],
     "every article that shares words with another is grouped with it as the same story (4 near-duplicates grouped)"),
    ([{"id": "1", "title": "Warning", "body": "Naples"}, {"id": "2", "title": "Results", "body": "Naples"},
      {"id": "3", "title": "Festival", "body": "potatoes"}], [],  # only Naples kept: 1 and 2 look the same
     "too few of their words were kept to tell them apart (see --min-df, where 1 keeps every word"),
    ([{"id": "1", "title": "Flood warning", "body": "rivers rose"}], ["--min-df", "1"],
     "the corpus has one article, and a list holds other articles"),
    ([{"id": "1", "title": "Flood", "body": "rivers", "tags": ["weather"]}, {"id": "2", "title": "Storm", "body": "snow", "tags": ["weather"]}],
     ["--min-df", "1"], "(tags count only with --tag-weight above 0)"),
])
def test_a_model_whose_lists_would_all_be_empty_says_why(tmp_path, capsys, previous, rows, options, reason):
    code, _, err = run(capsys, write_jsonl(tmp_path / "c.jsonl", rows), "--out", previous[0], "--n-jobs", "1", "--max-shrink", "1", *options)
    _assert_failed_and_previous_intact((code, "", err), previous, "every list would be empty: ")
    assert reason in err


def test_articles_without_an_indexed_word_are_a_warning(tmp_path, capsys):
    rows = [{"id": "1", "title": "The and of", "body": "\U0001F680 \U0001F680"}, {"id": "2", "title": "Flood rain", "body": "river"},
            {"id": "3", "title": "Flood warning", "body": "rain river"}]
    path = write_jsonl(tmp_path / "c.jsonl", rows)
    code, _, err = run(capsys, path, "--out", tmp_path / "models", "--min-df", "1")  # 2 and 3 differ by a word found once
    assert code == 0, err
    assert "warning: articles with no word the model indexes: 1 (only stop words" in err
    assert "RuntimeWarning" not in err


@pytest.mark.parametrize("command", [["train", "{corpus}", "--out", "{models}", "--min-df", "1", "-q"],
                                     ["train.evaluate", "--corpus", "{corpus}", "--out", "{models}", "--weights", "0",
                                      "--n-jobs", "1", "-q"]])
def test_a_reader_that_goes_away_is_no_failure_of_the_job(tmp_path, corpus, command):
    """`python -m train ... | head` ended in a BrokenPipeError traceback and exit 1 after the new
    version was made current (found by a tester); so did train.evaluate after writing its report."""
    import subprocess
    import sys

    argv = [sys.executable, "-m", *(a.format(corpus=corpus, models=tmp_path / "out") for a in command)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=Path(__file__).parent.parent)
    proc.stdout.close()  # nobody reads the result
    with proc.stderr:
        err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0 and "Traceback" not in err, err
    assert (tmp_path / "out" / ("CURRENT" if command[0] == "train" else "report.json")).exists()
