"""Serving cost under gunicorn: GET related against the framework's floor, POST latency, memory.

    python bench/serve.py [--size 100000] [--models DIR] [--unseen FILE] [--workers 2] [--duration 10] [--rounds 3]

1. Throughput and latency of ``GET /articles/<id>/related`` (random ids of the model) and, in the
   same run, server and app, of ``GET /floor/<id>/related`` (``bench/floor_app.py``: the same
   answer for every id, no model work: the framework's floor; ``--bytes-floor`` adds
   ``GET /floor-bytes/<id>/related``, the same answer pre-encoded, which skips JSON encoding too). Load comes from ``wrk`` on 127.0.0.1
   (``apt-get install wrk``) with a Lua script that picks random ids; each round runs both endpoints
   for ``--duration`` seconds, alternating, so drifts in the machine's load hit both.
2. Latency of ``POST /related`` with articles the model has not seen (held-out synthetic articles,
   posted one after the other by one client).
3. Memory of the gunicorn processes with 1, 2 and 4 workers after a warm-up that touches the whole
   model: RSS, shared and private memory of each (``/proc/<pid>/smaps_rollup``) and the total PSS.

Without ``--models`` it serves the model ``bench/train.py`` made of the first ``--size`` synthetic
articles (in ``--data``; trained here if missing); the next 500 synthetic articles are the unseen ones
posted. To rerun it on a model trained elsewhere (1M articles, say), give ``--models DIR`` and
``--unseen FILE``, a JSON-lines file of articles the model has not seen (its first 500 are posted);
nothing is generated or trained then. Everything is bounded in time and stays on the loopback interface.
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DEFAULT_DATA, ROOT, load, machine, mib, smaps_rollup, synthetic_corpus, table  # noqa: E402

HELD_OUT = 500
WRK_SCRIPT = """
local ids = {}
local prefix = "/articles/"
init = function(args)
  prefix = args[1]
  for line in io.lines(args[2]) do ids[#ids + 1] = line end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end
request = function()
  return wrk.format("GET", prefix .. ids[math.random(#ids)] .. "/related")
end
done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50_ms": %.3f, "p99_ms": %.3f, "mean_ms": %.3f, "bad_status": %d, "socket_errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    latency.mean / 1e3, summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_articles(path: Path, skip: int, count: int) -> list[dict]:
    """``count`` articles of a JSON-lines file after the first ``skip`` (blank lines ignored), read lazily."""
    found = []
    with open(path, encoding="utf-8") as lines:
        for line in itertools.islice((line for line in lines if line.strip()), skip, None):
            found.append(json.loads(line))
            if len(found) == count:
                break
    return found


def prepare(args) -> tuple[Path, list[dict]]:
    """A models folder and the unseen articles to post.

    With ``--models`` and ``--unseen`` both are given. Otherwise the model is the one
    ``bench/train.py`` trains on the first ``--size`` synthetic articles (trained here if it is
    missing) and the next 500 articles of the same synthetic corpus are the unseen ones.
    """
    if args.unseen:
        unseen = read_articles(args.unseen, 0, HELD_OUT)
        if not unseen:
            raise SystemExit(f"error: {args.unseen}: no articles to post")
    else:
        unseen = read_articles(synthetic_corpus(args.size + HELD_OUT, args.data), args.size, HELD_OUT)
    if args.models:
        return Path(args.models), unseen
    models = args.data / f"models-synthetic-{args.size}"
    if not (models / "CURRENT").exists():
        print(f"training the model of {args.size:,} articles into {models} ...", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "train", str(synthetic_corpus(args.size, args.data)), "--out", str(models)],
                       check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return models, unseen


class Gunicorn:
    """gunicorn with ``workers`` sync workers over bench/floor_app.py, on a free loopback port."""

    def __init__(self, models: Path, workers: int, log: Path):
        self.port = free_port()
        env = {**os.environ, "RECOMMENDER_MODELS": str(models)}
        self.log = open(log, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "sync", "-b", f"127.0.0.1:{self.port}",
             "--chdir", str(ROOT / "bench"), "--timeout", "120", "floor_app:app"],
            cwd=ROOT, env=env, stdout=self.log, stderr=self.log,
        )
        deadline = time.monotonic() + 300
        while True:
            try:
                if self.request("GET", "/healthz")[0] == 200 and len(self.workers()) == workers:
                    break
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start; see {log}")
            time.sleep(0.2)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            headers = {"Content-Type": "application/json"} if body is not None else {}
            connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            answer = connection.getresponse()
            return answer.status, answer.read()
        finally:
            connection.close()

    def workers(self) -> list[int]:
        try:
            with open(f"/proc/{self.process.pid}/task/{self.process.pid}/children") as children:
                return [int(c) for c in children.read().split()]
        except FileNotFoundError:
            return []

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def __enter__(self) -> "Gunicorn":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def wrk(port: int, prefix: str, ids_file: Path, script: Path, seconds: float, threads: int, connections: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s", "--timeout", "10s", "-s", str(script),
         f"http://127.0.0.1:{port}", "--", prefix, str(ids_file)],
        check=True, capture_output=True, text=True, timeout=seconds + 60,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def round_order(prefixes: list[str], round_: int) -> list[str]:
    """The endpoints in the order of this round: reversed every other round, so that a drift in the
    machine's load during a round does not always favour the same endpoint."""
    return prefixes if round_ % 2 == 0 else prefixes[::-1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def post_latency(server: Gunicorn, unseen: list[dict], count: int) -> dict:
    fields = ("title", "subtitle", "body", "tags", "published_at", "section")
    bodies = [{f: a[f] for f in fields if f in a} for a in unseen]
    for body in bodies[:20]:  # warm-up: every worker imports, builds its analyser, touches the index
        server.request("POST", "/related", body)
    times = []
    for i in range(count):
        began = time.perf_counter()
        status, _ = server.request("POST", "/related", bodies[i % len(bodies)])
        times.append((time.perf_counter() - began) * 1e3)
        if status != 200:
            raise SystemExit(f"POST /related answered {status}")
    return {"n": count, "p50": percentile(times, 50), "p99": percentile(times, 99), "mean": statistics.fmean(times)}


def memory(models: Path, unseen: list[dict], workers: int, args, ids_file: Path, script: Path) -> dict:
    with Gunicorn(models, workers, args.data / f"gunicorn-{workers}.log") as server:
        wrk(server.port, "/articles/", ids_file, script, 3, args.threads, max(args.connections, 2 * workers))
        for i in range(10 * workers):
            server.request("POST", "/related", {k: unseen[i % len(unseen)][k] for k in ("title", "body", "tags")})
        master = smaps_rollup(server.process.pid)
        each = [smaps_rollup(pid) for pid in server.workers()]
    def shared(m):
        return m.get("Shared_Clean", 0) + m.get("Shared_Dirty", 0)
    def private(m):
        return m.get("Private_Clean", 0) + m.get("Private_Dirty", 0)
    return {
        "workers": workers,
        "master_rss": master.get("Rss", 0),
        "worker_rss": statistics.fmean(m["Rss"] for m in each),
        "worker_shared": statistics.fmean(shared(m) for m in each),
        "worker_private": statistics.fmean(private(m) for m in each),
        "total_pss": master.get("Pss", 0) + sum(m["Pss"] for m in each),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="synthetic articles in the model (default: 100000)")
    parser.add_argument("--models", help="serve this models folder instead of a synthetic one")
    parser.add_argument("--unseen", type=Path, help="JSON-lines articles the model has not seen, to post (default: "
                        "the 500 synthetic articles after the first --size)")
    parser.add_argument("--bytes-floor", action="store_true", help="also measure GET /floor-bytes/<id>/related, the "
                        "floor's answer pre-encoded (no JSON encoding at all)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"corpora, models and logs (default: {DEFAULT_DATA})")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers for the throughput runs (default: 2)")
    parser.add_argument("--duration", type=float, default=10, help="seconds of each wrk run (default: 10)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each endpoint, alternating (default: 3)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default: 2)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default: 8)")
    parser.add_argument("--posts", type=int, default=300, help="POST /related requests timed (default: 300)")
    parser.add_argument("--memory-workers", default="1,2,4", help="worker counts for the memory table (default: 1,2,4)")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("error: wrk is missing: apt-get install wrk")
    args.data.mkdir(parents=True, exist_ok=True)
    for line in machine():
        print(line)
    models, unseen = prepare(args)
    sys.path.insert(0, str(ROOT))
    from recommender import artifact

    model = artifact.load(models, verify=False)
    ids = [str(i) for i in model.ids_.keys]
    random.Random(0).shuffle(ids)
    fast = "with" if getattr(model, "default_answers_", None) is not None else "WITHOUT (an artifact from before it)"
    print(f"model: {models} ({len(model):,} articles, version {model.version_}), {fast} the fast path's precomputed lists")
    del model
    workdir = Path(tempfile.mkdtemp(prefix="serve-bench-", dir=args.data))
    ids_file, script = workdir / "ids.txt", workdir / "random_ids.lua"
    ids_file.write_text("\n".join(ids[:20_000]) + "\n")  # wrk picks among 20,000 random ids
    script.write_text(WRK_SCRIPT)

    runs = {"/floor/": [], "/articles/": [], **({"/floor-bytes/": []} if args.bytes_floor else {})}
    with Gunicorn(models, args.workers, args.data / "gunicorn-throughput.log") as server:
        for prefix in runs:  # warm-up
            wrk(server.port, prefix, ids_file, script, 2, args.threads, args.connections)
        for round_ in range(args.rounds):
            for prefix in round_order(list(runs), round_):
                result = wrk(server.port, prefix, ids_file, script, args.duration, args.threads, args.connections)
                result["load"] = load()
                runs[prefix].append(result)
        posts = post_latency(server, unseen, args.posts)
        posts["load"] = load()

    rows = []
    ratios = {prefix: [o["rps"] / f["rps"] for o, f in zip(runs["/articles/"], runs[prefix])] for prefix in runs}
    names = {"/floor/": "floor: GET /floor/<id>/related", "/articles/": "GET /articles/<id>/related",
             "/floor-bytes/": "pre-encoded floor: GET /floor-bytes/<id>/related"}
    for prefix, name in names.items():
        for i, r in enumerate(runs.get(prefix, []), 1):
            rows.append([name, i, f"{r['rps']:,.0f}", f"{ratios[prefix][i - 1]:.0%}" if prefix != "/articles/" else "", f"{r['p50_ms']:.2f}", f"{r['p99_ms']:.2f}",
                         r["bad_status"] + r["socket_errors"], r["load"]])
    floor = statistics.median(r["rps"] for r in runs["/floor/"])
    ours = statistics.median(r["rps"] for r in runs["/articles/"])
    print(f"\nGET throughput, gunicorn {args.workers} sync workers, wrk -t{args.threads} -c{args.connections} "
          f"-d{args.duration:g}s, ids drawn at random from {min(len(ids), 20_000):,} of the model's:\n")
    print(table(["endpoint", "round", "requests/s", "related / this, same round", "p50 ms", "p99 ms", "errors", "load 1/5/15"], rows))
    print(f"\nmedian requests/s: related {ours:,.0f}, floor {floor:,.0f}: related is {ours / floor:.0%} of the floor; "
          f"median of the same-round ratios {statistics.median(ratios['/floor/']):.0%}")
    if args.bytes_floor:
        raw = statistics.median(r["rps"] for r in runs["/floor-bytes/"])
        print(f"pre-encoded floor {raw:,.0f}: related is {ours / raw:.0%} of it; "
              f"median of the same-round ratios {statistics.median(ratios['/floor-bytes/']):.0%}")
    print(f"\nPOST /related, {posts['n']} unseen articles one after another, {len(ids):,}-article model: "
          f"p50 {posts['p50']:.1f} ms, p99 {posts['p99']:.1f} ms, mean {posts['mean']:.1f} ms (load {posts['load']})")

    rows = []
    first = None
    for workers in [int(w) for w in args.memory_workers.split(",") if w]:
        m = memory(models, unseen, workers, args, ids_file, script)
        first = first or m
        extra = (m["total_pss"] - first["total_pss"]) / (workers - first["workers"]) if workers > first["workers"] else None
        rows.append([workers, mib(m["master_rss"]), mib(m["worker_rss"]), mib(m["worker_shared"]), mib(m["worker_private"]),
                     mib(m["total_pss"]), f"{mib(extra)} ({extra / first['total_pss']:.0%})" if extra is not None else "", load()])
    print("\nmemory of the gunicorn processes after a warm-up (MiB; shared and private per worker, mean):\n")
    print(table(["workers", "master RSS", "worker RSS", "worker shared", "worker private", "total PSS",
                 "added per extra worker (share of 1-worker total)", "load 1/5/15"], rows))
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
