"""The versioned artifact: round trips, atomic publishing, pruning, and refusing broken models."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from recommender import artifact
from recommender.artifact import ArtifactError

from .test_model import ALL_IDS


@pytest.fixture
def published(model, tmp_path):
    models = tmp_path / "models"
    manifest = artifact.publish(model, models)
    return models, manifest


def test_save_then_load_gives_identical_lists(model, published):
    models, manifest = published
    loaded = artifact.load(models)
    assert loaded.version_ == manifest["version"] == artifact.current_version(models)
    for article_id in ALL_IDS:
        assert loaded.related(article_id, k=8, explain=True) == model.related(article_id, k=8, explain=True)
        assert loaded.article(article_id) == model.article(article_id)
    post = {"title": "Bread prices", "body": "sourdough flour bakery", "tags": ["bread"]}
    assert loaded.related_to(post) == model.related_to(post)


def test_loaded_arrays_are_memory_mapped(published):
    loaded = artifact.load(published[0])
    base = loaded.text_matrix_.data
    while base is not None and not isinstance(base, np.memmap):
        base = base.base
    assert isinstance(base, np.memmap)
    assert isinstance(loaded.ids_.sorted_keys, np.memmap)  # the id index is shared too, not sorted again


def test_a_version_without_the_sorted_ids_sorts_them_on_load(model, published):
    models, manifest = published
    folder = models / manifest["version"]
    (folder / "ids_sorted.npy").unlink()
    on_disk = json.loads((folder / "manifest.json").read_text())
    del on_disk["files"]["ids_sorted.npy"]
    (folder / "manifest.json").write_text(json.dumps(on_disk))
    loaded = artifact.load(models)
    assert not isinstance(loaded.ids_.sorted_keys, np.memmap)
    assert [loaded.index_of(i) for i in ALL_IDS] == [model.index_of(i) for i in ALL_IDS]


def test_manifest_describes_the_version(model, published):
    models, manifest = published
    on_disk = json.loads((models / manifest["version"] / "manifest.json").read_text())
    assert on_disk == manifest
    assert manifest["articles"] == len(model)
    assert manifest["corpus_fingerprint"] == model.corpus_fingerprint_
    assert manifest["parameters"]["tag_weight"] == model.tag_weight
    assert {"numpy", "scipy", "scikit-learn", "joblib", "python"} <= set(manifest["libraries"])
    files = {p.name for p in (models / manifest["version"]).iterdir()} - {"manifest.json"}
    assert set(manifest["files"]) == files
    assert all(len(meta["sha256"]) == 64 for meta in manifest["files"].values())
    assert not any(name.endswith((".pkl", ".joblib", ".pickle")) for name in files)


def test_a_corrupt_file_is_refused_with_its_name(published):
    models, manifest = published
    target = models / manifest["version"] / "candidates.npy"
    data = bytearray(target.read_bytes())
    data[-1] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="candidates.npy is corrupt"):
        artifact.load(models)


def test_a_missing_file_is_refused(published):
    models, manifest = published
    (models / manifest["version"] / "idf.npy").unlink()
    with pytest.raises(ArtifactError, match="idf.npy is missing"):
        artifact.load(models)


def test_an_incompatible_library_version_is_refused(published):
    models, manifest = published
    path = models / manifest["version"] / "manifest.json"
    manifest["libraries"]["scikit-learn"] = "0.1.0"
    path.write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match="scikit-learn 0.1.0") as refused:
        artifact.load(models)
    assert str(refused.value).startswith(f"{models / manifest['version']}: ")  # which folder, as every refusal says


def test_an_unknown_format_is_refused(published):
    models, manifest = published
    path = models / manifest["version"] / "manifest.json"
    path.write_text(json.dumps({**manifest, "format": 99}))
    with pytest.raises(ArtifactError, match="format 99"):
        artifact.load(models)


def test_an_empty_models_folder_says_to_train_first(tmp_path):
    with pytest.raises(ArtifactError, match="run the training job"):
        artifact.load(tmp_path)


def test_a_pointer_to_a_missing_version_says_so(published):
    models, manifest = published
    (models / artifact.POINTER).write_text("20261201-235999-gone\n")
    with pytest.raises(ArtifactError, match="CURRENT names version '20261201-235999-gone', which is not there"):
        artifact.load(models)


@pytest.mark.parametrize("pointer,message", [
    ("\n", "an empty CURRENT, though 1 version folder is here"),
    (".\n", "CURRENT names '.', which is not the name of a version folder"),
    ("../elsewhere\n", "CURRENT names '../elsewhere', which is not the name of a version folder"),
    (None, "cannot read CURRENT"),  # a folder where the pointer file should be
])
def test_a_pointer_that_names_no_version_folder_is_refused(published, tmp_path, pointer, message):
    models, manifest = published
    (models / artifact.POINTER).unlink()
    if pointer is None:
        (models / artifact.POINTER).mkdir()
    else:
        (models / artifact.POINTER).write_text(pointer)
    with pytest.raises(ArtifactError, match=message.replace("(", r"\(").replace(".", r"\.")):
        artifact.load(models)
    if pointer is not None:  # an absolute path is a name of another folder too
        (models / artifact.POINTER).write_text(str(models / manifest["version"]) + "\n")
        with pytest.raises(ArtifactError, match="not the name of a version folder"):
            artifact.load(models)


def test_a_file_is_not_a_models_folder(tmp_path):
    (tmp_path / "model.jsonl").write_text("{}\n")
    with pytest.raises(ArtifactError, match="model.jsonl: not a models folder"):
        artifact.load(tmp_path / "model.jsonl")


def test_a_failure_while_publishing_leaves_the_previous_model_current(model, published, monkeypatch):
    models, manifest = published
    calls = {"n": 0}
    real_save = np.save

    def failing_save(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError(28, "No space left on device")
        return real_save(*args, **kwargs)

    monkeypatch.setattr(artifact.np, "save", failing_save)
    with pytest.raises(OSError):
        artifact.publish(model, models)
    monkeypatch.undo()
    assert artifact.current_version(models) == manifest["version"]
    assert artifact.versions(models) == [manifest["version"]]
    assert not [p for p in models.iterdir() if p.name.startswith(".tmp-")]
    assert artifact.load(models).related("s1") == model.related("s1")


def test_a_failure_before_the_pointer_moves_keeps_the_old_pointer(model, published, monkeypatch):
    models, manifest = published

    def broken_replace(*args, **kwargs):
        raise OSError(5, "I/O error")

    monkeypatch.setattr(artifact.os, "replace", broken_replace)
    with pytest.raises(OSError):
        artifact.publish(model, models)
    monkeypatch.undo()
    assert artifact.current_version(models) == manifest["version"]
    artifact.load(models)
    # nothing left behind: neither the new version nobody names nor the pointer's scratch file
    assert sorted(p.name for p in models.iterdir() if p.name != artifact.LOCK) == sorted([artifact.POINTER, manifest["version"]])


def test_a_pointer_that_is_not_a_file_leaves_nothing_behind(model, tmp_path):
    models = tmp_path / "models"
    (models / artifact.POINTER).mkdir(parents=True)
    with pytest.raises(OSError):
        artifact.publish(model, models)
    assert [p.name for p in models.iterdir() if p.name != artifact.LOCK] == [artifact.POINTER]


def test_a_failure_after_the_pointer_moved_keeps_the_version_it_names(model, published, monkeypatch):
    models, manifest = published
    real_fsync, calls = artifact._fsync, []

    def fsync_failing_after_the_move(path):
        calls.append(path)
        if Path(path) == models and (models / artifact.POINTER).read_text().strip() != manifest["version"]:
            raise OSError(5, "I/O error")
        return real_fsync(path)

    monkeypatch.setattr(artifact, "_fsync", fsync_failing_after_the_move)
    with pytest.raises(OSError, match="CURRENT already names the new version .*, which is served, but the folder could not"):
        artifact.publish(model, models)
    monkeypatch.undo()
    new = artifact.current_version(models)
    assert new != manifest["version"] and new in artifact.versions(models)  # CURRENT never names a missing folder
    artifact.load(models)


def test_old_versions_are_pruned_but_never_the_current_one(model, tmp_path):
    models = tmp_path / "models"
    made = [artifact.publish(model, models, keep=2)["version"] for _ in range(4)]
    assert artifact.versions(models) == made[-2:]
    assert artifact.current_version(models) == made[-1]


def test_publishing_clears_the_scratch_a_killed_publish_left_but_not_a_running_ones(model, tmp_path):
    import os
    import time

    models = tmp_path / "models"
    artifact.publish(model, models)
    killed, running = models / ".tmp-20261101-000000-000001", models / ".tmp-20261202-000000-000001"
    for folder in (killed, running):
        folder.mkdir()
        (folder / "terms.npy").write_bytes(b"half written")
    pointer = models / ".CURRENT.4242.tmp"
    pointer.write_text("20261101-000000-000001")
    day_and_more = time.time() - artifact.STALE_AFTER_SECONDS - 60
    for path in (killed, pointer):
        os.utime(path, (day_and_more, day_and_more))
    version = artifact.publish(model, models)["version"]
    assert not killed.exists() and not pointer.exists()
    assert running.exists() and artifact.current_version(models) == version


def test_the_version_rolled_back_to_survives_the_next_publish(model, tmp_path):
    models = tmp_path / "models"
    good, bad = (artifact.publish(model, models, keep=3)["version"] for _ in range(2))
    (models / "CURRENT").write_text(good + "\n")  # the operator rolls back from bad to good
    new = artifact.publish(model, models, keep=2)["version"]
    assert artifact.versions(models) == [good, new] and artifact.current_version(models) == new
    newer = artifact.publish(model, models, keep=2)["version"]  # no rollback now: the newest stay
    assert artifact.versions(models) == [new, newer]


def test_a_killed_publishs_scratch_is_removed_before_the_new_version_is_written(model, tmp_path, monkeypatch):
    import os
    import time

    models = tmp_path / "models"
    artifact.publish(model, models)
    killed = models / ".tmp-20261101-000000-000001"
    killed.mkdir()
    day_and_more = time.time() - artifact.STALE_AFTER_SECONDS - 60
    os.utime(killed, (day_and_more, day_and_more))
    seen = []
    real_save = artifact.save
    monkeypatch.setattr(artifact, "save", lambda *a, **k: seen.append(killed.exists()) or real_save(*a, **k))
    artifact.publish(model, models)
    assert seen == [False]


def test_a_folder_that_is_no_version_and_cannot_be_read_is_left_alone(model, tmp_path, monkeypatch):
    models = tmp_path / "models"
    artifact.publish(model, models)
    (models / "lost+found").mkdir()
    real_is_file = type(models).is_file

    def is_file(path):
        if path.parent.name == "lost+found":
            raise PermissionError(13, "Permission denied", str(path))
        return real_is_file(path)

    monkeypatch.setattr(type(models), "is_file", is_file)
    version = artifact.publish(model, models, keep=1)["version"]
    assert artifact.versions(models) == [version] and (models / "lost+found").is_dir()


def test_an_old_version_that_cannot_be_removed_is_a_warning(model, tmp_path, monkeypatch):
    models = tmp_path / "models"
    old = artifact.publish(model, models)["version"]
    real_rmtree = artifact.shutil.rmtree

    def rmtree(path, *args, **kwargs):
        if str(path).endswith(old):
            raise PermissionError(13, "Permission denied")
        return real_rmtree(path, *args, **kwargs)

    monkeypatch.setattr(artifact.shutil, "rmtree", rmtree)
    warnings = []
    new = artifact.publish(model, models, keep=1, warn=warnings.append)["version"]
    assert artifact.current_version(models) == new and artifact.versions(models) == [old, new]
    assert warnings == [f"warning: could not remove old version {old}: Permission denied; it stays"]


def test_one_training_job_at_a_time_per_models_folder(model, tmp_path):
    import threading

    models = tmp_path / "models"
    refused = []

    def elsewhere(work):  # another holder: a thread opens the lock file anew, as another process would
        def run():
            try:
                work()
            except artifact.ArtifactError as exc:
                refused.append(str(exc))
        thread = threading.Thread(target=run)
        thread.start()
        thread.join()

    def hold():
        with artifact.publishing(models):
            pass

    with artifact.publishing(models):
        elsewhere(hold)
        elsewhere(lambda: artifact.publish(model, models))  # a notebook's publish during the nightly job
        version = artifact.publish(model, models)["version"]  # the holder's own publish takes the lock again
    assert len(refused) == 2 and all("another training job is publishing into this folder (pid " in r for r in refused)
    assert artifact.versions(models) == [version]
    with artifact.publishing(models):  # released
        pass


def test_save_takes_a_path_as_text_and_rows_outside_the_model_are_an_index_error(model, tmp_path):
    artifact.save(model, str(tmp_path / "v1"), version="v1")
    loaded = artifact.load(tmp_path / "v1")
    assert loaded.article_at(0)["id"] == model.article_at(0)["id"]
    for bad in (-1, len(model), 10**6, "0"):
        with pytest.raises(IndexError, match="article row"):
            loaded.article_at(bad)


def test_a_process_forked_while_its_parent_holds_the_lock_does_not_hold_it(model, tmp_path):
    import os

    models = tmp_path / "models"
    with artifact.publishing(models):
        child = os.fork()
        if child == 0:  # the child: its publish must wait for the parent's job, i.e. stop at once
            try:
                artifact.publish(model, models)
                os._exit(3)
            except artifact.ArtifactError:
                os._exit(0)
            except BaseException:
                os._exit(4)
        _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0 and artifact.versions(models) == []


def test_a_model_whose_words_this_code_reads_otherwise_is_refused(model, tmp_path):
    from recommender.model import RelatedArticles
    from recommender.text import ANALYSER

    def publish_with(fitted, analyser, name, terms=None):
        manifest = artifact.publish(fitted, tmp_path / name)
        folder = tmp_path / name / manifest["version"]
        on_disk = json.loads((folder / "manifest.json").read_text())
        if analyser is None:
            del on_disk["analyser"]  # as a model from before the analyser was kept
        else:
            on_disk["analyser"] = analyser
        if terms is not None:  # the vocabulary an older analyser made of the same texts
            np.save(folder / "terms.npy", np.asarray(terms))
            on_disk["files"]["terms.npy"] = {"sha256": artifact._sha256(folder / "terms.npy"), "bytes": (folder / "terms.npy").stat().st_size}
        (folder / "manifest.json").write_text(json.dumps(on_disk))
        return tmp_path / name

    chinese = RelatedArticles(min_df=1, topic_weight=0.0).fit([
        {"id": "a", "title": "台风登陆", "body": "强台风今天在广东登陆"},
        {"id": "b", "title": "台风过后", "body": "台风过后广东恢复供电"}])
    runs = sorted(["台风登陆", "台风过后", "强台风今天在广东登陆", "广东恢复供电"])
    assert len(runs) <= len(chinese.terms_)  # the same shapes: as many terms fit the matrices
    old_terms = runs + [f"x{i}" for i in range(len(chinese.terms_) - len(runs))]
    with pytest.raises(ArtifactError, match="trained before Chinese and Japanese were read as pairs of characters"):
        artifact.load(publish_with(chinese, None, "old-chinese", terms=sorted(old_terms)))
    assert artifact.load(publish_with(chinese, None, "pairs-before-the-field")).related("a")  # trained on 2 Dec, before the field
    assert artifact.load(publish_with(model, None, "old-english")).related("s1")  # English reads as it did
    assert artifact.load(publish_with(chinese, ANALYSER, "new-chinese")).related("a")
    with pytest.raises(ArtifactError, match=f"analyser {ANALYSER + 1}; this code reads texts as analyser {ANALYSER}"):
        artifact.load(publish_with(model, ANALYSER + 1, "newer"))
