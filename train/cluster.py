"""Running the candidate search on a Dask cluster through joblib's Dask backend.

The model does not know about Dask: its candidate search runs its row blocks with ``joblib.Parallel``,
and inside :func:`dask_backend` joblib sends them to the cluster's workers instead of local
processes. The blocks are the same and are put together in the same order, so the model is the
same as a local run's. ``distributed`` is imported only when a cluster is asked for (the ``dask``
extra: ``pip install 'related-articles[dask]'``); the workers need this project installed, at the
same version, to import the block function.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
from typing import Any, Callable, Iterator

from recommender.neighbours import Corpus

Log = Callable[[str], None]


class ClusterError(Exception):
    """No usable cluster at the address, or the cluster failed during the work. One line."""


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ClusterError(
            "--dask needs the dask extra: pip install 'related-articles[dask]' (dask[distributed])"
        ) from None
    return distributed


def connect_timeout() -> float:
    """Seconds to wait for the scheduler: Dask's own setting ``distributed.comm.timeouts.connect``
    (30 s unless configured, e.g. ``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=5s``)."""
    import dask
    from dask.utils import parse_timedelta

    return float(parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"), default="s"))


def check_scheduler(address: str, log: Log) -> dict[str, Any]:
    """Fail before the long work if the scheduler cannot be reached or has no worker.

    Asks the scheduler who it is over one short-lived connection (no client is left behind on
    failure) and returns its identity (``n_workers``, ``total_threads``, ...).
    """
    _distributed()
    from distributed.core import rpc

    timeout = connect_timeout()

    async def identity() -> dict[str, Any]:
        scheduler = rpc(address, timeout=timeout)
        try:
            return await asyncio.wait_for(scheduler.identity(), timeout)
        finally:
            await scheduler.close_rpc()

    try:
        info = asyncio.run(identity())
    except (OSError, ValueError, TypeError, asyncio.TimeoutError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    if not info.get("workers"):
        raise ClusterError(f"the Dask scheduler at {address} has no workers")
    threads = sum(int(w.get("nthreads", 0)) for w in info["workers"].values())
    log(f"dask: scheduler {address} has {len(info['workers'])} workers with {threads} threads")
    if threads < 2:  # joblib's Dask backend reports the cluster's threads, and joblib runs one "job" in process
        log("dask: warning: with one thread on the cluster, joblib runs the candidate search in this process, not on "
            "the cluster; give the cluster 2 or more threads")
    return info


def _corpus_size(corpus: Corpus) -> int:
    """Bytes of the arrays a corpus holds, for Dask's ``sizeof``."""
    return sum(
        m.data.nbytes + m.indices.nbytes + m.indptr.nbytes for m in (corpus.text, corpus.text_t, corpus.tags, corpus.tags_t)
    ) + corpus.tagged.nbytes


@contextlib.contextmanager
def dask_backend(address: str | None) -> Iterator[None]:
    """Within this block, joblib's ``Parallel`` runs its tasks on the Dask cluster at ``address``.

    ``None`` is a no-op (local joblib as usual). The corpus, which every block task reads, is sent
    to the cluster once and shared by the tasks: joblib's Dask backend scatters an argument once when
    Dask's ``sizeof`` says it is large, so the corpus's true size is registered here. A failure of
    the cluster during the work becomes :class:`ClusterError`.
    """
    if address is None:
        yield
        return
    distributed = _distributed()
    import joblib
    from dask.sizeof import sizeof

    sizeof.register(Corpus)(_corpus_size)
    try:
        client = distributed.Client(address, timeout=connect_timeout(), set_as_default=False)
    except (OSError, ValueError) as exc:
        raise ClusterError(f"cannot connect to the Dask scheduler at {address}: {exc}") from None
    # a lost scheduler is logged by Dask's client with tracebacks; the error below says it in one line
    chatter = [logging.getLogger(n) for n in ("distributed", *logging.root.manager.loggerDict) if n.startswith("distributed")]
    levels = [logger.level for logger in chatter]
    for logger in chatter:
        logger.setLevel(logging.CRITICAL)
    try:
        with joblib.parallel_config(backend="dask", client=client):
            yield
    except (OSError, TimeoutError, asyncio.CancelledError, concurrent.futures.CancelledError, distributed.KilledWorker) as exc:
        said = " ".join(str(exc).split())  # one line, whatever Dask wrote
        raise ClusterError(f"the Dask cluster at {address} failed: {type(exc).__name__}: {said}") from None
    finally:
        client.close()
        for logger, level in zip(chatter, levels):
            logger.setLevel(level)
