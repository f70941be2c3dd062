"""Quality measures of "like this" lists, as pure functions over plain lists and sets.

Conventions: a list is ranked best first; ``k`` cuts it; a list shorter than ``k`` is scored as if
padded with misses (precision@k divides by ``k``). Queries with no relevant item have no recall,
nDCG or MRR: callers skip them (the functions return ``None``).
"""
from __future__ import annotations

import math
from itertools import combinations
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np
from scipy import stats


def precision_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    return sum(1 for r in ranked[:k] if r in relevant) / k


def recall_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float | None:
    if not relevant:
        return None
    return sum(1 for r in ranked[:k] if r in relevant) / len(relevant)


def ndcg_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float | None:
    """Binary-gain nDCG: hits discounted by ``log2(rank + 1)``, over the best possible ranking."""
    if not relevant:
        return None
    dcg = sum(1.0 / math.log2(i + 2) for i, r in enumerate(ranked[:k]) if r in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal


def reciprocal_rank(ranked: Sequence[str], relevant: set[str]) -> float | None:
    """1 / rank of the first relevant item; 0 when none is in the list."""
    if not relevant:
        return None
    return next((1.0 / (i + 1) for i, r in enumerate(ranked) if r in relevant), 0.0)


def hit_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float | None:
    if not relevant:
        return None
    return 1.0 if any(r in relevant for r in ranked[:k]) else 0.0


def label_precision(ranked: Sequence[str], source_labels: set[str], labels: Mapping[str, set[str]], k: int) -> float | None:
    """Share of the first ``k`` items (of those returned) sharing a label with the source."""
    items = ranked[:k]
    if not source_labels or not items:
        return None
    return sum(1 for r in items if labels.get(r, set()) & source_labels) / len(items)


def correlations(scores: Sequence[float], ratings: Sequence[float]) -> dict[str, float | None]:
    """Pearson and Spearman correlation of model scores with human ratings (None if undefined)."""
    x, y = np.asarray(scores, float), np.asarray(ratings, float)
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return {"pearson": None, "spearman": None, "pairs": len(x)}
    return {
        "pearson": float(stats.pearsonr(x, y)[0]),
        "spearman": float(stats.spearmanr(x, y)[0]),
        "pairs": len(x),
    }


def f1_scores(truth: Sequence[set[str]], predicted: Sequence[set[str]], categories: Iterable[str]) -> dict[str, float]:
    """Micro- and macro-averaged F1 of multi-label predictions over ``categories``.

    Macro F1 of a category with no true and no predicted documents counts as 1 (nothing to find,
    nothing wrongly found), the convention of Yang (1999) for Reuters.
    """
    cats = sorted(set(categories))
    tp = dict.fromkeys(cats, 0)
    fp = dict.fromkeys(cats, 0)
    fn = dict.fromkeys(cats, 0)
    for t, p in zip(truth, predicted):
        for c in cats:
            if c in p and c in t:
                tp[c] += 1
            elif c in p:
                fp[c] += 1
            elif c in t:
                fn[c] += 1
    def f1(a: int, b: int, c: int) -> float:
        return 1.0 if a + b + c == 0 else 2 * a / (2 * a + b + c)
    micro = f1(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    macro = float(np.mean([f1(tp[c], fp[c], fn[c]) for c in cats])) if cats else 0.0
    return {"micro_f1": micro, "macro_f1": macro}


def knn_votes(neighbours: Sequence[tuple[str, float]], labels: Mapping[str, set[str]]) -> dict[str, float]:
    """Each category's similarity-weighted share of the neighbours that carry it."""
    votes: dict[str, float] = {}
    total = sum(max(s, 0.0) for _, s in neighbours)
    if total <= 0:
        return votes
    for item, score in neighbours:
        for label in labels.get(item, ()):
            votes[label] = votes.get(label, 0.0) + max(score, 0.0) / total
    return votes


def knn_predict(
    neighbours: Sequence[tuple[str, float]], labels: Mapping[str, set[str]], threshold: float | Mapping[str, float]
) -> set[str]:
    """kNN category prediction: categories whose vote (see :func:`knn_votes`) reaches the threshold
    (one for all, or one per category with a ``"*"`` entry for the rest) are predicted, and the best
    one always is."""
    votes = knn_votes(neighbours, labels)
    if not votes:
        return set()
    if isinstance(threshold, Mapping):
        chosen = {c for c, v in votes.items() if v >= threshold.get(c, threshold["*"])}
    else:
        chosen = {c for c, v in votes.items() if v >= threshold}
    return chosen | {max(votes.items(), key=lambda kv: (kv[1], kv[0]))[0]}


def per_category_thresholds(
    votes: Sequence[dict[str, float]], truth: Sequence[set[str]], candidates: Sequence[float], default: float
) -> dict[str, float]:
    """Yang's SCut: for each category the threshold that maximises its own F1 on tuning data;
    categories where no threshold beats the default keep it (under the ``"*"`` key)."""
    chosen: dict[str, float] = {"*": default}
    for c in sorted({c for t in truth for c in t}):
        def f1(t: float) -> float:
            tp = sum(1 for v, y in zip(votes, truth) if v.get(c, 0.0) >= t and c in y)
            fp = sum(1 for v, y in zip(votes, truth) if v.get(c, 0.0) >= t and c not in y)
            fn = sum(1 for v, y in zip(votes, truth) if v.get(c, 0.0) < t and c in y)
            return 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        best = max(candidates, key=lambda t: (f1(t), t == default, -abs(t - default)))
        if f1(best) > f1(default):
            chosen[c] = best
    return chosen


def intra_list_similarity(ranked: Sequence[str], pair_score: Callable[[str, str], float]) -> float | None:
    """Mean score between the items of one list (lower is more diverse)."""
    pairs = list(combinations(ranked, 2))
    if not pairs:
        return None
    return float(np.mean([pair_score(a, b) for a, b in pairs]))


def mean(values: Iterable[float | None]) -> float | None:
    """Mean over the defined values; None when there are none."""
    kept = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return float(np.mean(kept)) if kept else None
