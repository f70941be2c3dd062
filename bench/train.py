"""Training cost: wall time and peak memory of ``python -m train`` on synthetic corpora and Reuters.

    python bench/train.py [--sizes 10000,100000] [--reuters PATH] [--data DIR] [--n-jobs N]

Each corpus is trained by the job's own command line in a child process (``bench/timed_job.py``),
into a fresh models folder. The time is split into reading, vectorising (fit without the candidate
search), the candidate search, the precomputed default lists of the fast path and writing the
artifact; "total" is the child's wall time including Python's start-up. For an approximate search,
"recall@10" is its recall of the exact top 10 on 2,000 sampled articles (``bench/recall.py``). Peak memory is the job process's own ``ru_maxrss`` (from ``wait4``) and the peak
of the summed PSS of the job and its worker processes, sampled every 0.2 s (PSS counts memory shared
between processes once). Synthetic corpora come from ``python -m train.synthetic`` and are kept in
``--data`` between runs.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DEFAULT_DATA, ROOT, TreeMemory, load, machine, mib, synthetic_corpus, table  # noqa: E402
from recall import recall  # noqa: E402

from recommender import artifact  # noqa: E402


#: Articles whose exact top 10 is computed to measure the approximate search's recall (bench/recall.py).
RECALL_SAMPLE = 2000


def run_job(name: str, inputs: list[str], data: Path, extra: list[str]) -> list[object]:
    models = data / f"models-{name}"
    shutil.rmtree(models, ignore_errors=True)
    timings, log = data / f"timings-{name}.json", data / f"train-{name}.log"
    argv = [sys.executable, str(ROOT / "bench" / "timed_job.py"), str(timings), *inputs, "--out", str(models), *extra]
    print(f"training {name}: {' '.join(argv[2:])}", file=sys.stderr, flush=True)
    load_before = load()
    began = time.perf_counter()
    with open(log, "w") as err:
        child = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
        with TreeMemory(child.pid) as tree:
            _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - began
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit(f"training {name} failed (exit {child.returncode}); see {log}:\n" + log.read_text()[-2000:])
    result = json.loads(timings.read_text())
    seconds, manifest = result["seconds"], result["manifest"]
    fit = manifest["training"]["seconds"]["fit"]
    size = sum(f["bytes"] for f in manifest["files"].values())
    nnz = manifest["files"]["text_matrix.data.npy"]["bytes"] / 4 / manifest["articles"]
    found = "exact"
    if manifest.get("search") == "approximate":
        print(f"recall of {name}: exact top 10 of {RECALL_SAMPLE} sampled articles ...", file=sys.stderr, flush=True)
        found = f"{recall(artifact.load(models, verify=False), RECALL_SAMPLE, 10, seed=0)[0]:.3f}"
    return [
        name, f"{manifest['articles']:,}", f"{manifest['counts']['terms']:,}", f"{nnz:.0f}",
        f"{manifest['training']['seconds']['read']:.1f}", f"{fit - seconds['search']:.1f}",
        f"{seconds['search']:.1f}", found, f"{seconds.get('default lists', 0.0):.1f}",
        f"{seconds['write'] - seconds.get('default lists', 0.0):.1f}", f"{wall:.1f}",
        mib(usage.ru_maxrss * 1024), mib(tree.peak), mib(size), f"{load_before} → {load()}",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="synthetic corpus sizes, comma-separated (default: 10000,100000)")
    parser.add_argument("--reuters", default=str(ROOT.parent / "shared" / "datasets" / "reuters21578"),
                        help="Reuters-21578 folder; 'none' to skip (default: ../shared/datasets/reuters21578)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"where corpora and models go (default: {DEFAULT_DATA})")
    parser.add_argument("--n-jobs", default="-1", help="the job's --n-jobs (default: -1, all cores)")
    parser.add_argument("--job-args", default="", help="more options for the job, e.g. '--min-df 3'")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    extra = ["--n-jobs", args.n_jobs, *args.job_args.split()]
    args.data.mkdir(parents=True, exist_ok=True)
    for line in machine():
        print(line)
    rows = []
    if args.reuters != "none" and Path(args.reuters).is_dir():
        rows.append(run_job("reuters", [args.reuters, "--format", "reuters"], args.data, extra))
    elif args.reuters != "none":
        print(f"(Reuters skipped: no folder {args.reuters})")
    for n in sizes:
        rows.append(run_job(f"synthetic-{n}", [str(synthetic_corpus(n, args.data))], args.data, extra))
    print()
    print(table(
        ["corpus", "articles", "terms", "terms/article", "read s", "vectorise s", "candidate search s",
         "recall@10", "default lists s", "write s",
         "total s", "peak RSS job MiB", "peak PSS all MiB", "model MiB", "load before → after"],
        rows,
    ))
    print(f"\njob options: {' '.join(extra)}; load at end: {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
