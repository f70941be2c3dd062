"""Integration tests on the real data sets in ``RECOMMENDER_DATASETS`` (CI passes ../shared/datasets).

Skipped when the folder is not there; the unit tests never need it.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from recommender import artifact
from train.__main__ import main
from train.loaders import LoadReport, load_articles
from train.loaders.reuters import read_splits

DATASETS = Path(os.environ.get("RECOMMENDER_DATASETS", Path(__file__).resolve().parents[2] / "shared" / "datasets"))
needs_data = pytest.mark.skipif(not DATASETS.is_dir(), reason=f"no data sets at {DATASETS} (set RECOMMENDER_DATASETS)")


@needs_data
def test_reuters_loads_every_story_with_text_and_the_modapte_split():
    report = LoadReport()
    articles = list(load_articles([DATASETS / "reuters21578"], "reuters", report=report))
    assert report.read == len(articles) == 21_577
    assert report.skipped_by_reason() == {"no title or text": 1}
    assert len({a.id for a in articles}) == len(articles)
    assert sum(1 for a in articles if a.labels) == 11_367
    splits = read_splits(DATASETS / "reuters21578")
    modapte = [s for s in splits.values() if s[1] == "YES" and s[0] in ("TRAIN", "TEST")]
    assert len(modapte) == 9_603 + 3_299
    bahia = next(a for a in articles if a.id == "1")
    assert bahia.title == "BAHIA COCOA REVIEW" and bahia.labels == ("cocoa",) and "cocoa" not in bahia.tags


@needs_data
@pytest.mark.parametrize("name", ["reuters21578", "bbc", "semeval2022_task8_hfl_sample"])
def test_the_bundled_data_sets_are_recognised_for_their_targets(name):
    from train.adapters import load_dataset
    from train.targets import BUNDLED

    assert load_dataset(DATASETS / name).digest() == BUNDLED[name]  # else the report would judge no target


@needs_data
@pytest.mark.parametrize("name", ["bbc", "semeval2022_task8_hfl_sample", "stackexchange_cstheory_meta"])
def test_the_data_sets_the_defaults_were_tuned_on_are_recognised(name):
    from train.adapters import load_dataset
    from train.targets import TUNED

    assert load_dataset(DATASETS / name).digest() == TUNED[name]  # else the report would give no held-out half


@needs_data
def test_the_job_on_bbc_gives_lists_from_the_same_category(tmp_path, capsys):
    models = tmp_path / "models"
    assert main([str(DATASETS / "bbc"), "--out", str(models), "--n-jobs", "1"]) == 0
    err = capsys.readouterr().err
    assert "read 2,225 articles; skipped 0" in err and "not UTF-8" in err
    model = artifact.load(models)
    assert model.manifest_["articles"] == 2225
    rng = np.random.default_rng(0)
    sample = rng.choice(len(model), 200, replace=False)
    shares = []
    for i in sample:
        source = model.article_at(int(i))
        items = model.related(source["id"], k=8)
        assert len(items) == 8 and source["id"] not in {r.id for r in items}
        shares.append(np.mean([model.article(r.id)["labels"] == source["labels"] for r in items]))
    assert np.mean(shares) >= 0.9
