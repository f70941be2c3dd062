"""Model updates without a restart: a new version is swapped in under load with no failed request, a
broken one is refused once and the old one keeps serving, and SIGHUP asks for a check."""
from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from recommender import artifact
from recommender.holder import ModelHolder, ModelUnavailable
from recommender.model import RelatedArticles

from .conftest import make_articles, serving


def holder_of(app) -> ModelHolder:
    return app.extensions["recommender.holder"]


def wait_for(condition, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def publish_new(models_dir) -> str:
    return artifact.publish(RelatedArticles(min_df=1, tag_weight=0.5).fit(make_articles()), models_dir)["version"]


def point_to(models_dir, version: str) -> None:
    tmp = models_dir / ".CURRENT.test"
    tmp.write_text(version + "\n")
    os.replace(tmp, models_dir / artifact.POINTER)


def publish_broken(models_dir, tmp_path) -> str:
    """A newer version whose candidates.npy fails its checksum, made current."""
    staging = tmp_path / "staging"
    version = artifact.publish(RelatedArticles(min_df=1).fit(make_articles()), staging)["version"]
    shutil.copytree(staging / version, models_dir / version)
    target = models_dir / version / "candidates.npy"
    data = bytearray(target.read_bytes())
    data[-1] ^= 0xFF
    target.write_bytes(bytes(data))
    point_to(models_dir, version)
    return version


def test_a_new_version_is_swapped_in_under_load_without_a_failed_request(make_app, models_dir):
    app = make_app(RELOAD_INTERVAL=0)
    old = holder_of(app).model.version_
    answers: list[tuple[int, str, str]] = []
    failures: list[str] = []
    stop = threading.Event()

    def hammer(base: str, worker: int) -> None:
        for n in range(2000):  # bounded in count and (below) in time
            if stop.is_set():
                return
            path = ["/articles/s1/related?k=3", "/healthz", f"/articles/f{1 + n % 4}/related?explain=1"][n % 3]
            try:
                with urllib.request.urlopen(base + path, timeout=10) as response:
                    body = json.loads(response.read())
                    answers.append((response.status, response.headers["X-Model-Version"], body["model_version"]))
            except (urllib.error.URLError, OSError, ValueError) as exc:
                failures.append(f"{path}: {exc!r}")

    with serving(app) as base, ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(hammer, base, w) for w in range(6)]
        assert wait_for(lambda: len(answers) >= 60)
        new = publish_new(models_dir)
        switched = wait_for(lambda: any(a[2] == new for a in answers[-20:]))
        seen_at_switch = len(answers)
        wait_for(lambda: len(answers) >= seen_at_switch + 60, seconds=10)
        stop.set()
        for future in futures:
            future.result(timeout=30)
    assert not failures
    assert switched
    assert all(status == 200 and header == body for status, header, body in answers)
    assert {a[2] for a in answers} == {old, new}
    assert all(a[2] == new for a in answers[-30:])
    assert holder_of(app).model.version_ == new


def test_a_broken_version_is_refused_once_and_the_old_one_keeps_serving(make_app, models_dir, tmp_path, monkeypatch, caplog):
    app = make_app(RELOAD_INTERVAL=0)
    client = app.test_client()
    old = holder_of(app).model.version_
    loads: list[str] = []
    real_load = artifact.load

    def counting_load(path, **kwargs):
        loads.append(os.path.basename(path))
        return real_load(path, **kwargs)

    monkeypatch.setattr(artifact, "load", counting_load)
    with caplog.at_level(logging.INFO, logger="recommender.reload"):
        broken = publish_broken(models_dir, tmp_path)
        assert wait_for(lambda: client.get("/healthz").json["refused_versions"] == [broken])
        for _ in range(30):
            r = client.get("/articles/s1/related")
            assert r.status_code == 200 and r.json["model_version"] == old == r.headers["X-Model-Version"]
        time.sleep(0.2)
        assert client.get("/healthz").json["model_version"] == old
    assert [name for name in loads if not name.startswith(".tmp-")] == [broken]  # tried once, not in a loop (publish checks its .tmp- folder)
    refusals = [rec for rec in caplog.records if rec.levelno == logging.ERROR and broken in rec.getMessage()]
    assert len(refusals) == 1 and "corrupt" in refusals[0].getMessage()

    good = publish_new(models_dir)
    assert wait_for(lambda: client.get("/healthz").json["model_version"] == good)


def test_a_pointer_to_no_version_is_one_clear_line_and_the_old_model_keeps_serving(make_app, models_dir, caplog):
    app = make_app(RELOAD_INTERVAL=0)
    client = app.test_client()
    old = holder_of(app).model.version_
    with caplog.at_level(logging.INFO, logger="recommender.reload"):
        point_to(models_dir, "20261201-235999-gone")
        assert wait_for(lambda: client.get("/healthz").json["refused_versions"] == ["20261201-235999-gone"])
        (models_dir / artifact.POINTER).unlink()
        (models_dir / artifact.POINTER).mkdir()  # unreadable: said, not a traceback
        assert wait_for(lambda: client.get("/healthz") and any("cannot read CURRENT" in r.getMessage() for r in caplog.records))
        assert client.get("/articles/s1/related").json["model_version"] == old
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "CURRENT names version '20261201-235999-gone', which is not there" in errors[0].getMessage()
    assert all(r.exc_info is None for r in errors)


def test_an_empty_or_missing_pointer_and_a_deleted_served_folder_are_said(make_app, models_dir, caplog):
    app = make_app(RELOAD_INTERVAL=0)
    client = app.test_client()
    served = holder_of(app).model.version_
    said = lambda text: any(text in r.getMessage() for r in caplog.records)  # noqa: E731
    with caplog.at_level(logging.INFO, logger="recommender.reload"):
        point_to(models_dir, "  ")
        assert wait_for(lambda: client.get("/healthz") and said(f"CURRENT is missing or empty; still serving {served}"))
        caplog.clear()
        (models_dir / artifact.POINTER).unlink()
        assert wait_for(lambda: client.get("/healthz") and said("CURRENT is missing or empty"))
        point_to(models_dir, served)
        shutil.rmtree(models_dir / served)  # the files stay mapped: answers go on, a restart would not
        os.kill(os.getpid(), signal.SIGHUP)
        assert wait_for(lambda: said(f"the folder of the served version {served} is gone; still serving it from memory"))
    assert client.get("/articles/s1/related").json["model_version"] == served


def test_sighup_triggers_a_check(make_app, models_dir):
    app = make_app(RELOAD_INTERVAL=3600)
    client = app.test_client()
    old = holder_of(app).model.version_
    new = publish_new(models_dir)
    assert client.get("/healthz").json["model_version"] == old  # no check is due for an hour
    os.kill(os.getpid(), signal.SIGHUP)
    assert wait_for(lambda: holder_of(app).model.version_ == new)
    assert client.get("/healthz").json["model_version"] == new


def test_sighup_retries_a_refused_version(make_app, models_dir, tmp_path):
    app = make_app(RELOAD_INTERVAL=0)
    client = app.test_client()
    broken = publish_broken(models_dir, tmp_path)
    assert wait_for(lambda: client.get("/healthz").json["refused_versions"] == [broken])
    shutil.copy(tmp_path / "staging" / broken / "candidates.npy", models_dir / broken / "candidates.npy")  # repaired in place
    client.get("/healthz")
    time.sleep(0.1)
    assert holder_of(app).model.version_ != broken  # the pointer did not change: no retry by itself
    os.kill(os.getpid(), signal.SIGHUP)
    assert wait_for(lambda: client.get("/healthz").json == {"status": "ok", "model_version": broken, "articles": 12, "refused_versions": []})


def test_a_check_is_one_stat_and_at_most_every_interval(models_dir, monkeypatch):
    now = [1000.0]
    holder = ModelHolder(models_dir, interval=10, clock=lambda: now[0])
    reads: list[int] = []
    real_current = artifact.current_version
    monkeypatch.setattr(artifact, "current_version", lambda d: reads.append(1) or real_current(d))
    old = holder.get().version_
    for _ in range(100):
        now[0] += 1
        holder.get()
    assert reads == []  # the pointer did not change: it was never read
    new = publish_new(models_dir)
    reads.clear()  # publishing reads the pointer itself
    now[0] += 5
    assert holder.get().version_ == old  # not due yet
    time.sleep(0.1)
    assert holder.model.version_ == old
    now[0] += 5
    holder.get()  # due: notices the pointer changed and loads in the background
    assert wait_for(lambda: holder.model.version_ == new)
    assert reads == [1]


def test_a_request_keeps_the_model_it_started_with(make_app, models_dir):
    app = make_app(RELOAD_INTERVAL=0)
    old_model = holder_of(app).model
    with app.test_request_context("/articles/s1/related"):
        from recommender.holder import served_model

        taken = served_model()
        new = publish_new(models_dir)
        holder_of(app).check_soon()
        assert wait_for(lambda: holder_of(app).model.version_ == new)
        assert served_model() is taken is old_model


@pytest.mark.parametrize("interval", [0, 0.05])
def test_rollback_is_followed_too(make_app, models_dir, interval):
    app = make_app(RELOAD_INTERVAL=interval)
    client = app.test_client()
    first = holder_of(app).model.version_
    second = publish_new(models_dir)
    assert wait_for(lambda: client.get("/healthz").json["model_version"] == second)
    point_to(models_dir, first)
    assert wait_for(lambda: client.get("/healthz").json["model_version"] == first)


def test_a_worker_starting_on_a_broken_version_serves_the_one_before_it(models_dir, tmp_path, caplog):
    served = artifact.current_version(models_dir)
    broken = publish_broken(models_dir, tmp_path)  # the running workers refused it and kept `served`
    with caplog.at_level(logging.ERROR, logger="recommender.reload"):
        holder = ModelHolder(models_dir)  # a worker restarted (OOM killer, --max-requests, HUP to the master)
    assert holder.model.version_ == served and holder.refused == (broken,)
    assert f"refused model version {broken}" in caplog.text and f"serving {served}, the newest older version" in caplog.text
    point_to(models_dir, served)
    (models_dir / served / "idf.npy").unlink()  # the one named broken and nothing older: no model
    with pytest.raises(ModelUnavailable, match="idf.npy is missing"):
        ModelHolder(models_dir)


def test_a_broken_rollback_target_never_rolls_forward(models_dir, tmp_path):
    old = artifact.current_version(models_dir)
    publish_new(models_dir)  # a newer, good version
    (models_dir / old / "idf.npy").write_bytes(b"short")  # the rollback target, truncated
    point_to(models_dir, old)
    with pytest.raises(ModelUnavailable, match=r"idf.npy is incomplete or damaged: 5 bytes, the manifest says"):
        ModelHolder(models_dir)  # the newer one was rolled back from for a reason: not served
