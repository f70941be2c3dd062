"""A training job killed with SIGKILL (no handler runs, no ``finally``) while it writes the new
version: the version that was current stays current and loads, no half-written folder is taken for
a version, and the next job publishes as if nothing had happened."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from recommender import artifact
from train.synthetic import main as synthetic

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("killed") / "corpus.jsonl"
    assert synthetic(["1200", "--out", str(path)]) == 0
    return path


#: Runs the training job, stopping itself (SIGSTOP) just before it moves ``CURRENT`` to the new
#: version, so that it can be killed at exactly that moment: polling for the renamed folder missed
#: that window, a few microseconds on tmpfs, when the machine was busy (the job ran on and published).
STOP_BEFORE_POINTER = """
import os, signal, sys
from recommender import artifact
from train.__main__ import main
move = artifact._point_to
def stop_first(*args):
    os.kill(os.getpid(), signal.SIGSTOP)
    move(*args)
artifact._point_to = stop_first
sys.exit(main(sys.argv[1:]))
"""


def job(corpus: Path, models: Path, stop_before_pointer: bool = False) -> subprocess.Popen:
    run = ["-c", STOP_BEFORE_POINTER] if stop_before_pointer else ["-m", "train"]
    return subprocess.Popen([sys.executable, *run, str(corpus), "--out", str(models), "--n-jobs", "1", "--quiet"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def kill_when(process: subprocess.Popen, seen) -> None:
    """SIGKILL ``process`` as soon as ``seen()`` is true; fail if it ended first."""
    deadline = time.monotonic() + 120
    while not seen():
        assert process.poll() is None, f"the job ended before it could be killed: {process.communicate()}"
        assert time.monotonic() < deadline, "the job never reached the point to kill it at"
        time.sleep(0.0005)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert process.returncode == -signal.SIGKILL


def kill_when_stopped(process: subprocess.Popen) -> None:
    """SIGKILL ``process`` once it has stopped itself; fail if it ended first."""
    _, status = os.waitpid(process.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status), f"the job ended before it stopped to be killed (wait status {status})"
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert process.returncode == -signal.SIGKILL


def scratch(models: Path) -> list[str]:
    return sorted(p.name for p in models.iterdir() if p.name.startswith(".tmp-"))


@pytest.mark.parametrize("moment", ["writing the new version", "the new version renamed, the pointer not yet moved"])
def test_a_job_killed_while_publishing_leaves_the_current_version_serving(corpus, tmp_path, moment):
    models = tmp_path / "models"
    first = job(corpus, models)
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    before = artifact.current_version(models)
    if moment == "writing the new version":
        kill_when(job(corpus, models), lambda: bool(scratch(models)))
    else:
        kill_when_stopped(job(corpus, models, stop_before_pointer=True))
        assert len(artifact.versions(models)) == 2  # the new version was renamed into place before the pointer moves

    assert artifact.current_version(models) == before
    assert len(artifact.load(models)) == 1200
    for version in artifact.versions(models):  # a folder listed as a version is a whole one
        assert len(artifact.load(models / version)) == 1200
    if moment == "writing the new version":
        assert artifact.versions(models) == [before] and len(scratch(models)) == 1

    again = job(corpus, models)  # the kernel released the killed job's lock
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert artifact.current_version(models) == out.strip() != before
    assert len(artifact.load(models)) == 1200
