"""Recall of the approximate candidate search: how much of each article's exact top 10 it keeps.

    python bench/recall.py MODELS_DIR [MODELS_DIR ...] [--sample 2000] [--k 10] [--seed 0]

For each trained model (the current version in each folder), a random sample of articles is scored
exactly against the whole corpus with the model's own blended score, and their exact top ``k``
(never the article itself) is compared with the first ``k`` of the candidates the training job
stored. Recall is the share of exact top-``k`` neighbours found, over the sample; the exact scores
come from the compiled top-n product for words alone (a few dense rows at a time with topics or
tags), so this works at a million articles too. Prints a table and the machine.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import machine, table  # noqa: E402

from recommender import artifact  # noqa: E402
from recommender.neighbours import TIE_MARGIN, _block_best, _compiled_csr, score_rows, top_k  # noqa: E402
from sparse_dot_topn import sp_matmul_topn  # noqa: E402


def exact_top(model, rows: np.ndarray, k: int, chunk: int = 32) -> np.ndarray:
    """The exact top ``k`` of each row (by the model's blended score), without the row itself."""
    corpus = model._corpus()
    if corpus.words_only:
        # text alone: the compiled top-n product, threaded, with a margin for ties at the last place
        found = sp_matmul_topn(_compiled_csr(corpus.text[rows]), _compiled_csr(corpus.text_t), top_n=k + 1 + TIE_MARGIN,
                               threshold=0.0, n_threads=max(2, os.cpu_count() or 1))
        at = np.repeat(np.arange(len(rows)), np.diff(found.indptr))
        cols, vals = found.indices.astype(np.int64), np.asarray(found.data, dtype=np.float32)
        other = cols != rows[at]
        return _block_best(len(rows), k, at[other], cols[other], vals[other])[0]
    found = []
    for start in range(0, len(rows), chunk):
        some = rows[start : start + chunk]
        scores, _ = score_rows(corpus, *model._rows_of(some))
        scores = np.array(scores, dtype=np.float32)
        scores[np.arange(len(some)), some] = -np.inf
        found.append(top_k(scores, k)[0])
    return np.concatenate(found) if found else np.empty((0, k), dtype=np.int32)


def recall(model, sample: int, k: int, seed: int) -> tuple[float, float, int]:
    """(recall of the exact top k, share of sampled articles with all k found, sample size)."""
    n = len(model)
    rows = np.sort(np.random.default_rng(seed).choice(n, size=min(sample, n), replace=False))
    exact = exact_top(model, rows, k)
    stored = np.asarray(model.candidates_[rows, :k])
    hits = np.array([len(set(e[e >= 0]) & set(s[s >= 0])) for e, s in zip(exact, stored)])
    wanted = (exact >= 0).sum(axis=1)
    return float(hits.sum() / max(1, wanted.sum())), float(np.mean(hits == wanted)), len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="+", type=Path, help="models folders (as written by python -m train --out)")
    parser.add_argument("--sample", type=int, default=2000, help="articles scored exactly per model (default: 2000)")
    parser.add_argument("--k", type=int, default=10, help="size of the exact list compared (default: 10)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample (default: 0)")
    args = parser.parse_args(argv)
    for line in machine():
        print(line)
    rows = []
    for folder in args.models:
        model = artifact.load(folder, verify=False)
        began = time.perf_counter()
        found, complete, size = recall(model, args.sample, args.k, args.seed)
        params = model.get_params()
        rows.append([
            folder.name, f"{len(model):,}", model.search_, f"{params['search_budget']:,.0f}", params["search_pool"],
            size, f"{found:.4f}", f"{complete:.3f}", f"{time.perf_counter() - began:.1f}",
        ])
    print()
    print(table(["model", "articles", "search", "budget", "pool", "sample", f"recall@{args.k}",
                 f"all {args.k} found", "seconds"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
