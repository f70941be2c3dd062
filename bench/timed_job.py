"""``python bench/timed_job.py TIMINGS.json TRAIN_ARGS...``: the training job's own command line,
with the candidate search, the precomputed default lists and the writing of the artifact timed apart. The times and the manifest go
to TIMINGS.json; nothing else changes."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import recommender.model as model_module  # noqa: E402
import train.__main__ as cli  # noqa: E402
import train.job as job  # noqa: E402


def timed(function, name: str, seconds: dict[str, float]):
    def wrapper(*args, **kwargs):
        began = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - began
    return wrapper


def main() -> int:
    out, argv = Path(sys.argv[1]), sys.argv[2:]
    seconds: dict[str, float] = {}
    manifests = []
    model_module.candidate_search = timed(model_module.candidate_search, "search", seconds)
    model_module.approximate = timed(model_module.approximate, "search", seconds)  # pruning the index
    answers = job.artifact.DefaultAnswers
    answers.build = staticmethod(timed(answers.build, "default lists", seconds))
    job.artifact.publish = timed(job.artifact.publish, "write", seconds)
    original_train = cli.train

    def train(*args, **kwargs):
        manifests.append(original_train(*args, **kwargs))
        return manifests[-1]

    cli.train = train
    began = time.perf_counter()
    code = cli.main(argv)
    seconds["job"] = time.perf_counter() - began
    out.write_text(json.dumps({"seconds": seconds, "manifest": manifests[0] if manifests else None}))
    return code


if __name__ == "__main__":
    sys.exit(main())
