"""Training on a Dask cluster (joblib's Dask backend) gives the same model as training locally."""
from __future__ import annotations

import json
import socket

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
import dask  # noqa: E402

from recommender import artifact  # noqa: E402
from recommender.model import RelatedArticles  # noqa: E402
from recommender.neighbours import block_rows  # noqa: E402
from train.__main__ import main  # noqa: E402
from train.cluster import dask_backend  # noqa: E402

from .conftest import make_articles  # noqa: E402

# a budget so small that the 12 test articles make several blocks (3 rows each), or else the
# search would run in one local block and never reach the cluster
TINY_MB = 0.0005
LEARNED = ("candidates_", "candidate_scores_", "duplicate_group_")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=":0"
    ) as running:
        yield running


def blocks_run(cluster) -> int:
    """Candidate blocks the scheduler has run so far (joblib batches several calls into one task)."""
    done = 0
    for name, prefix in cluster.scheduler.task_prefixes.items():
        for block in ("batch_of__search_block_", "batch_of__top_n_block_", "batch_of__approximate_block_"):
            if name.startswith(block):
                done += int(name.removeprefix(block).split("_")[0]) * prefix.state_counts["memory"]
    return done


def test_the_cluster_runs_the_blocks_and_the_model_is_the_same(cluster):
    articles = make_articles()
    local = RelatedArticles(min_df=1, tag_weight=0.3, memory_mb=TINY_MB, n_jobs=1).fit(articles)
    before = blocks_run(cluster)
    with dask_backend(cluster.scheduler_address):
        remote = RelatedArticles(min_df=1, tag_weight=0.3, memory_mb=TINY_MB, n_jobs=-1).fit(articles)
    n = len(articles)
    assert blocks_run(cluster) - before == -(-n // block_rows(n, TINY_MB)) > 1
    assert "Corpus" in cluster.scheduler.task_prefixes  # sent to the cluster once, not with every block
    for name in LEARNED:
        np.testing.assert_array_equal(getattr(local, name), getattr(remote, name))
    for a in articles:
        assert local.related(a["id"], k=5) == remote.related(a["id"], k=5)


def test_the_compiled_text_only_path_runs_on_the_cluster_too(cluster):
    articles = make_articles()
    local = RelatedArticles(min_df=1, n_jobs=-1).fit(articles)
    before = blocks_run(cluster)
    with dask_backend(cluster.scheduler_address):
        remote = RelatedArticles(min_df=1, n_jobs=-1).fit(articles)
    assert blocks_run(cluster) - before == 1  # 12 articles make one block of the compiled path
    for name in LEARNED:
        np.testing.assert_array_equal(getattr(local, name), getattr(remote, name))


@pytest.mark.parametrize("tag_weight", [0.0, 0.3])
def test_the_approximate_search_runs_on_the_cluster_too(cluster, tag_weight):
    articles = make_articles()
    settings = dict(min_df=1, n_jobs=-1, search="approximate", search_budget=2, search_pool=4, tag_weight=tag_weight)
    local = RelatedArticles(**settings).fit(articles)
    before = blocks_run(cluster)
    with dask_backend(cluster.scheduler_address):
        remote = RelatedArticles(**settings).fit(articles)
    assert blocks_run(cluster) - before == 1
    for name in LEARNED:
        np.testing.assert_array_equal(getattr(local, name), getattr(remote, name))


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps(a) + "\n" for a in make_articles()), encoding="utf-8")
    return path


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_job_trains_on_the_cluster(cluster, corpus, tmp_path, capsys):
    options = ("--min-df", "1", "--tag-weight", "0.3", "--memory-mb", str(TINY_MB))
    code, _, err = run(capsys, corpus, "--out", tmp_path / "local", "--n-jobs", "1", *options)
    assert code == 0, err
    before = blocks_run(cluster)
    code, out, err = run(capsys, corpus, "--out", tmp_path / "dask", "--dask", cluster.scheduler_address, *options)
    assert code == 0, err
    assert "dask: scheduler" in err and "2 workers" in err
    assert out.strip() == artifact.current_version(tmp_path / "dask")
    assert blocks_run(cluster) - before > 1
    local, remote = artifact.load(tmp_path / "local"), artifact.load(tmp_path / "dask")
    for name in LEARNED:
        np.testing.assert_array_equal(getattr(local, name), getattr(remote, name))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_scheduler_fails_in_one_line_and_keeps_the_previous_model(corpus, tmp_path, capsys):
    models = tmp_path / "models"
    assert run(capsys, corpus, "--out", models, "--min-df", "1", "--n-jobs", "1")[0] == 0
    version = artifact.current_version(models)
    address = f"tcp://127.0.0.1:{_free_port()}"
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code, out, err = run(capsys, corpus, "--out", models, "--min-df", "1", "--dask", address)
    assert code == 1 and out == ""
    assert err.startswith(f"error: cannot reach the Dask scheduler at {address}") and len(err.strip().splitlines()) == 1
    assert artifact.current_version(models) == version
    assert len(artifact.load(models)) == 12


def test_a_scheduler_without_workers_is_refused(corpus, tmp_path, capsys):
    with distributed.LocalCluster(n_workers=0, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=":0") as empty:
        code, out, err = run(capsys, corpus, "--out", tmp_path / "models", "--dask", empty.scheduler_address)
    assert code == 1 and out == ""
    assert err.strip() == f"error: the Dask scheduler at {empty.scheduler_address} has no workers"


def test_a_one_thread_cluster_is_said_to_run_nothing(corpus, tmp_path, capsys):
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", host="127.0.0.1",
                                  dashboard_address=":0") as small:
        code, _, err = run(capsys, corpus, "--out", tmp_path / "models", "--min-df", "1", "--dask", small.scheduler_address)
    assert code == 0 and "dask: warning: with one thread on the cluster, joblib runs the candidate search in this process" in err


def test_a_cluster_failing_mid_search_is_one_line_and_dask_says_no_tracebacks(cluster):
    import logging

    from train.cluster import ClusterError

    before = logging.getLogger("distributed.client").level
    with pytest.raises(ClusterError) as failed:
        with dask_backend(cluster.scheduler_address):  # the client's own logger has a level of its own
            assert logging.getLogger("distributed").level == logging.getLogger("distributed.client").level == logging.CRITICAL
            raise OSError("Client lost the connection to the scheduler.\nPlease check your connection and re-run your work.")
    assert "\n" not in str(failed.value) and str(failed.value).endswith("scheduler. Please check your connection and re-run your work.")
    assert logging.getLogger("distributed.client").level == before
