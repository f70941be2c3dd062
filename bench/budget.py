"""What the approximate search's budget and pool buy: recall of the pool alone, before refinement.

    python bench/budget.py MODELS_DIR [--budgets 20000,50000,100000] [--pools 100,200] [--sample 1000]

On a trained model (the current version in MODELS_DIR), a random sample of articles is searched
exactly (``bench/recall.py``) and, for each budget and pool size, the way the approximate search
finds its pool (:func:`recommender.neighbours.query_terms`, the top-n product, the exact rescoring):
the table gives the share of the exact top 10 found and the time per article. Refinement rounds are
left out: they need every article's list, not a sample (``bench/train.py`` measures the whole).
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import machine, table  # noqa: E402
from recall import exact_top  # noqa: E402

from recommender import artifact  # noqa: E402
from recommender.neighbours import Approximate, _block_best, _pair_scores, approximate, query_terms  # noqa: E402
from sparse_dot_topn import sp_matmul_topn  # noqa: E402


def pool_recall(approx: Approximate, rows: np.ndarray, exact: np.ndarray) -> tuple[float, float]:
    """(share of the exact top 10 in the rescored pool, seconds per article), text-only search."""
    corpus = approx.corpus
    began = time.perf_counter()
    found = sp_matmul_topn(query_terms(corpus.text[rows], approx.text_df, approx.budget), approx.text_t,
                           top_n=approx.pool + 1, threshold=0.0, n_threads=2)
    at = np.repeat(np.arange(len(rows)), np.diff(found.indptr))
    cols = found.indices.astype(np.int64)
    other = cols != rows[at]
    at, cols = at[other], cols[other]
    scores, _ = _pair_scores(corpus, rows[at].astype(np.int64), cols)
    best = _block_best(len(rows), exact.shape[1], at, cols, scores)[0]
    seconds = (time.perf_counter() - began) / len(rows)
    hits = sum(len(set(e[e >= 0]) & set(b[b >= 0])) for e, b in zip(exact, best))
    return hits / max(1, int((exact >= 0).sum())), seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", type=Path, help="models folder (as written by python -m train --out)")
    parser.add_argument("--budgets", default="20000,50000,100000", help="search budgets, comma-separated")
    parser.add_argument("--pools", default="100,200", help="pool sizes, comma-separated")
    parser.add_argument("--sample", type=int, default=1000, help="articles searched (default: 1000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample (default: 0)")
    args = parser.parse_args(argv)
    for line in machine():
        print(line)
    model = artifact.load(args.models, verify=False)
    if model.tag_weight > 0:
        sys.exit("bench/budget.py measures text-only models (tag_weight 0)")
    rows = np.sort(np.random.default_rng(args.seed).choice(len(model), size=min(args.sample, len(model)), replace=False))
    exact = exact_top(model, rows, 10)
    base = approximate(model._corpus(), 1000.0, 10)  # document frequencies and the index, once
    pool_recall(base, rows[:8], exact[:8])  # compiles the rescoring loop before anything is timed
    out = []
    for budget in (float(b) for b in args.budgets.split(",")):
        for pool in (int(p) for p in args.pools.split(",")):
            found, seconds = pool_recall(replace(base, budget=budget, pool=pool), rows, exact)
            out.append([f"{budget:,.0f}", pool, f"{found:.3f}", f"{seconds * 1e3:.2f}"])
    print(f"\n{len(model):,} articles, {len(rows):,} sampled, recall@10 of the pool before refinement:\n")
    print(table(["budget", "pool", "recall@10", "ms per article"], out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
