"""Cost of mixing word and topic cosines for one posted article (``neighbours.text_score``).

    python bench/mix.py [--size 1000000] [--repeats 30]

A posted article is scored against every article, so the mix runs over ``--size`` cosines: half of
them 0 (no shared term), as a short article's row is. Times the mix without the gate (γ = 0), with
the default gate and, for comparison, the gate written as ``c ** γ``; medians of ``--repeats``.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import machine, table  # noqa: E402

from recommender.model import PARAMETERS  # noqa: E402
from recommender.neighbours import text_score, topic_part  # noqa: E402


def median_ms(function, repeats: int) -> float:
    function()
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        function()
        times.append(time.perf_counter() - began)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="pairs scored per repeat, as many as a POST scores at 1M articles (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=30, help="timed repeats; the median is reported (default: %(default)s)")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    cosine = np.where(rng.random(args.size) < 0.5, rng.random(args.size), 0).astype(np.float32)
    topic = rng.random(args.size).astype(np.float32)
    lam, gate = float(PARAMETERS["topic_weight"][0]), float(PARAMETERS["topic_gate"][0])
    rows = [
        ["no gate (γ = 0)", f"{median_ms(lambda: text_score(cosine, topic, lam, 0.0), args.repeats):.2f}"],
        [f"gate γ = {gate:g} (exp(γ log c))", f"{median_ms(lambda: text_score(cosine, topic, lam, gate), args.repeats):.2f}"],
        [f"gate γ = {gate:g} as c ** γ", f"{median_ms(lambda: (1 - lam) * cosine + lam * topic_part(topic) * cosine ** np.float32(gate), args.repeats):.2f}"],
    ]
    print("\n".join(machine()))
    print(f"\n{args.size:,} cosines, median of {args.repeats}\n")
    print(table(["mix", "ms"], rows))


if __name__ == "__main__":
    main()
