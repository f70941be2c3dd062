"""Quality measures of "like this" lists, as pure functions over plain lists and sets.

Conventions: a list is ranked best first; ``k`` cuts it; a list shorter than ``k`` is scored as if
padded with misses (precision@k divides by ``k``). An item repeated in a list counts once: its
later places are misses (no system of ours repeats one, but a list from elsewhere might). Queries
with no relevant item have no recall, nDCG or MRR: callers skip them (the functions return ``None``).
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np
from scipy import stats


def _hit_places(ranked: Sequence[str], is_hit: Callable[[str], bool], k: int) -> list[int]:
    """The places (0-based) among the first ``k`` that hold a hit seen there for the first time."""
    seen: set[str] = set()
    places = []
    for i, r in enumerate(ranked[:k]):
        if r not in seen and is_hit(r):
            places.append(i)
        seen.add(r)
    return places


def precision_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    return len(_hit_places(ranked, relevant.__contains__, k)) / k


def recall_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float | None:
    if not relevant:
        return None
    return len(_hit_places(ranked, relevant.__contains__, k)) / len(relevant)


def ndcg_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float | None:
    """Binary-gain nDCG: hits discounted by ``log2(rank + 1)``, over the best possible ranking."""
    if not relevant:
        return None
    dcg = sum(1.0 / math.log2(i + 2) for i in _hit_places(ranked, relevant.__contains__, k))
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
    """Share of ``k`` list places holding an item that shares a label with the source; a list shorter
    than ``k`` is padded with misses, as in precision@k (None when the source has no label)."""
    if not source_labels:
        return None
    return len(_hit_places(ranked, lambda r: bool(labels.get(r, set()) & source_labels), k)) / k


def correlations(scores: Sequence[float], ratings: Sequence[float]) -> dict[str, float | None]:
    """Pearson and Spearman correlation of model scores with human ratings (None if undefined).

    Scores are rounded to 6 decimals first: models score in float32, and two tellings of one text
    may score 1.0 and 0.99999994, a difference that must not pass for a ranking."""
    x, y = np.round(np.asarray(scores, float), 6), np.asarray(ratings, float)
    with np.errstate(over="ignore", invalid="ignore"):  # ratings near the float limits: undefined, said once
        if len(x) < 3 or np.ptp(x) == 0 or not 0 < np.ptp(y) < np.inf:
            return {"pearson": None, "spearman": None, "pairs": len(x)}
        pearson, spearman = float(stats.pearsonr(x, y)[0]), float(stats.spearmanr(x, y)[0])
    return {
        "pearson": pearson if np.isfinite(pearson) else None,
        "spearman": spearman if np.isfinite(spearman) else None,
        "pairs": len(x),
    }


#: bootstrap resamples of every interval; the seed is fixed so that one run's report can be reproduced
RESAMPLES, INTERVAL_LEVEL = 1000, 0.95


@dataclass(frozen=True)
class Questions:
    """A figure as the questions behind it: ``columns`` hold one value per question (a list, an
    unseen article, a rated pair), and ``statistic(*columns, axis=-1)`` computes the figure."""

    columns: tuple[np.ndarray, ...]
    statistic: Callable[..., np.ndarray]

    @property
    def size(self) -> int:
        return len(self.columns[0])


def mean_questions(values: Iterable[float | None]) -> Questions | None:
    """:func:`mean` as questions (undefined values left out, as there)."""
    kept = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return Questions((np.asarray(kept, float),), _mean) if kept else None


def micro_f1_questions(truth: Sequence[set[str]], predicted: Sequence[set[str]], categories: Iterable[str]) -> Questions | None:
    """The micro-F1 of :func:`f1_scores` as questions: each query's true and false positives and misses."""
    known = set(categories)
    counts = [(len(t & p & known), len((p - t) & known), len((t - p) & known)) for t, p in zip(map(set, truth), map(set, predicted))]
    return Questions(tuple(np.asarray(c, float) for c in zip(*counts)), _micro_f1) if counts else None


def pearson_questions(scores: Sequence[float], ratings: Sequence[float]) -> Questions | None:
    """The Pearson correlation of :func:`correlations` as questions, the rated pairs (None where it is None)."""
    if correlations(scores, ratings)["pearson"] is None:
        return None
    # Pearson does not depend on the scale: ratings divided by their largest size cannot overflow the
    # sums of squares (ratings of 1e200 would), and the scores are rounded as correlations rounds them
    y = np.asarray(ratings, float)
    return Questions((np.round(np.asarray(scores, float), 6), y / np.max(np.abs(y))), _pearson)


def interval(questions: Questions | None) -> list[float] | None:
    """A 95% bootstrap interval (BCa, :data:`RESAMPLES` resamples of the questions, seed 0) of a
    figure: how far it could move with another draw of questions of the same kind, not with another
    corpus. Percentile bounds where BCa's are undefined (every resample scores alike); None when
    there are fewer than 3 questions, the figure itself is undefined, or some resamples' figure is
    (a Pearson of a few rated pairs: a resample whose scores or ratings are all equal)."""
    if questions is None:
        return None
    return _bootstrap(questions.columns, questions.statistic)


def difference_interval(a: Questions | None, b: Questions | None) -> list[float] | None:
    """A 95% paired bootstrap interval of figure ``a`` minus figure ``b`` measured on the same
    questions (resampled together, so a system that wins on nearly every question shows it even
    when the two figures' own intervals overlap). None unless both have the same questions."""
    if a is None or b is None or a.size != b.size:
        return None
    n = len(a.columns)

    def difference(*columns: np.ndarray, axis: int = -1) -> np.ndarray:
        return a.statistic(*columns[:n], axis=axis) - b.statistic(*columns[n:], axis=axis)

    return _bootstrap(a.columns + b.columns, difference)


def _bootstrap(columns: tuple[np.ndarray, ...], statistic: Callable[..., np.ndarray]) -> list[float] | None:
    if len(columns[0]) < 3:
        return None
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore")  # scipy warns of what the NaN below says
        for method in ("BCa", "percentile"):  # BCa is undefined when every resample scores alike
            found = stats.bootstrap(columns, statistic, n_resamples=RESAMPLES, paired=True, vectorized=True,
                                    confidence_level=INTERVAL_LEVEL, method=method, rng=np.random.default_rng(0))
            low, high = float(found.confidence_interval.low), float(found.confidence_interval.high)
            if np.isfinite(low) and np.isfinite(high):
                return [low, high]
    return None


def _mean(values: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(values, axis=axis)


def _micro_f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray, axis: int = -1) -> np.ndarray:
    hits = 2 * tp.sum(axis=axis)
    return hits / (hits + fp.sum(axis=axis) + fn.sum(axis=axis))


def _pearson(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    """Pearson along ``axis``; NaN where the scores or the ratings do not vary (a resample of equal
    ratings centres to about 1e-17, not 0, and would otherwise pass for a correlation of ±1e-16)."""
    constant = (np.ptp(x, axis=axis) == 0) | (np.ptp(y, axis=axis) == 0)
    x = x - x.mean(axis=axis, keepdims=True)
    y = y - y.mean(axis=axis, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (x * y).sum(axis=axis) / np.sqrt((x * x).sum(axis=axis) * (y * y).sum(axis=axis))
    return np.where(constant, np.nan, r)


def f1_scores(truth: Sequence[set[str]], predicted: Sequence[set[str]], categories: Iterable[str]) -> dict[str, float]:
    """Micro- and macro-averaged F1 of multi-label predictions over ``categories``.

    Macro F1 of a category with no true and no predicted documents counts as 1 (nothing to find,
    nothing wrongly found), the convention of Yang (1999) for Reuters. Labels outside ``categories``
    are ignored.
    """
    cats = sorted(set(categories))
    known = set(cats)
    tp = dict.fromkeys(cats, 0)
    fp = dict.fromkeys(cats, 0)
    fn = dict.fromkeys(cats, 0)
    for t, p in zip(truth, predicted):
        t, p = set(t) & known, set(p) & known
        for c in t & p:
            tp[c] += 1
        for c in p - t:
            fp[c] += 1
        for c in t - p:
            fn[c] += 1
    def f1(a: int, b: int, c: int) -> float:
        return 1.0 if a + b + c == 0 else 2 * a / (2 * a + b + c)
    micro = f1(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    macro = float(np.mean([f1(tp[c], fp[c], fn[c]) for c in cats])) if cats else 0.0
    return {"micro_f1": micro, "macro_f1": macro}


def knn_votes(neighbours: Sequence[tuple[str, float]], labels: Mapping[str, set[str]], power: float = 1.0) -> dict[str, float]:
    """Each category's share of the neighbours' weight, a neighbour weighing its similarity to the
    power ``power`` (1: the similarity itself; 2 lets the closest neighbours count more)."""
    votes: dict[str, float] = {}
    weights = [max(s, 0.0) ** power for _, s in neighbours]
    total = sum(weights)
    if total <= 0:
        return votes
    for (item, _), weight in zip(neighbours, weights):
        for label in labels.get(item, ()):
            votes[label] = votes.get(label, 0.0) + weight / total
    return votes


def predict_from_votes(votes: Mapping[str, float], threshold: float | Mapping[str, float]) -> set[str]:
    """Categories whose vote reaches the threshold (one for all, or one per category with a ``"*"``
    entry for the rest), and the best one always."""
    if not votes:
        return set()
    if isinstance(threshold, Mapping):
        chosen = {c for c, v in votes.items() if v >= threshold.get(c, threshold["*"])}
    else:
        chosen = {c for c, v in votes.items() if v >= threshold}
    return chosen | {max(votes.items(), key=lambda kv: (kv[1], kv[0]))[0]}


def knn_predict(
    neighbours: Sequence[tuple[str, float]],
    labels: Mapping[str, set[str]],
    threshold: float | Mapping[str, float],
    power: float = 1.0,
) -> set[str]:
    """kNN category prediction: :func:`predict_from_votes` over :func:`knn_votes`."""
    return predict_from_votes(knn_votes(neighbours, labels, power), threshold)


def micro_f1_by_threshold(
    votes: Sequence[Mapping[str, float]], truth: Sequence[set[str]], thresholds: Sequence[float], categories: Iterable[str]
) -> list[float]:
    """Micro-F1 over ``categories`` of :func:`predict_from_votes` at each global threshold: the same
    figures as :func:`f1_scores` on those predictions, computed at once for every threshold."""
    cats = set(categories)
    vote, hit, top = [], [], []
    for v, t in zip(votes, truth):
        best = max(v.items(), key=lambda kv: (kv[1], kv[0]))[0] if v else None
        for c, x in v.items():
            if c in cats:
                vote.append(x)
                hit.append(c in t)
                top.append(c == best)
    n_true = sum(len(t & cats) for t in truth)
    vote_a, hit_a, top_a = np.asarray(vote, float), np.asarray(hit, bool), np.asarray(top, bool)
    out = []
    for threshold in thresholds:
        predicted = (vote_a >= threshold) | top_a
        tp = int((predicted & hit_a).sum())
        denominator = int(predicted.sum()) + n_true
        out.append(2 * tp / denominator if denominator else 1.0)
    return out


def per_category_thresholds(
    votes: Sequence[Mapping[str, float]], truth: Sequence[set[str]], candidates: Sequence[float], default: float
) -> dict[str, float]:
    """Yang's SCut: for each category the threshold that maximises its own F1 on tuning data;
    categories where no threshold beats the default keep it (under the ``"*"`` key)."""
    chosen: dict[str, float] = {"*": default}
    grid = np.asarray(list(candidates), dtype=float)
    wanted = {c for t in truth for c in t}
    voted: dict[str, tuple[list[int], list[float]]] = {c: ([], []) for c in wanted}
    true_rows: dict[str, list[int]] = {c: [] for c in wanted}
    for row, (x, t) in enumerate(zip(votes, truth)):
        for c, value in x.items():
            if c in voted:
                voted[c][0].append(row)
                voted[c][1].append(value)
        for c in t:
            true_rows[c].append(row)
    for c in sorted(wanted):
        v = np.zeros(len(votes))
        v[voted[c][0]] = voted[c][1]
        y = np.zeros(len(truth), dtype=bool)
        y[true_rows[c]] = True
        def f1(t: float) -> float:
            hit = v >= t
            tp = int((hit & y).sum())
            return 2 * tp / (tp + int(hit.sum()) + int(y.sum())) if tp else 0.0
        scores = {t: f1(t) for t in [*grid.tolist(), default]}
        best = max(grid.tolist(), key=lambda t: (scores[t], t == default, -abs(t - default)))
        if scores[best] > scores[default]:
            chosen[c] = best
    return chosen


def cross_fitted_scut_f1(
    votes: Sequence[Mapping[str, float]], truth: Sequence[set[str]], candidates: Sequence[float], default: float,
    categories: Iterable[str],
) -> float:
    """Micro-F1 of per-category thresholds judged on data they were not fitted on: thresholds fitted
    on the items at even positions predict the odd ones and the other way round. Judging thresholds
    on the items they were fitted on would favour whatever has the most room to overfit."""
    cats = set(categories)
    halves = (slice(0, None, 2), slice(1, None, 2))
    fitted = [per_category_thresholds(votes[h], truth[h], candidates, default) for h in halves]
    predicted, actual = [], []
    for half, other in zip(halves, reversed(fitted)):
        predicted += [predict_from_votes(v, other) & cats for v in votes[half]]
        actual += [t & cats for t in truth[half]]
    return f1_scores(actual, predicted, cats)["micro_f1"]


def mean(values: Iterable[float | None]) -> float | None:
    """Mean over the defined values; None when there are none."""
    kept = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return float(np.mean(kept)) if kept else None


#: How the report names each figure, in the order of its tables' columns.
NAMES = (
    ("knn_micro_f1", "kNN micro-F1"), ("knn_macro_f1", "kNN macro-F1"), ("knn_k", "kNN k"), ("knn_vote_power", "vote power"),
    ("label_precision@8", "label P@8"),
    ("precision@10", "P@10"), ("recall@10", "R@10"), ("ndcg@10", "nDCG@10"), ("mrr", "MRR"), ("hit_rate@10", "hit@10"),
    ("pearson", "Pearson"), ("spearman", "Spearman"),
    ("empty_lists", "empty"), ("short_lists", "short"), ("near_duplicate_pairs", "dup pairs"), ("coverage", "coverage"),
    ("mean_age_gap_days", "age gap (days)"), ("intra_list_similarity", "intra-list sim"),
    ("fit_seconds", "fit s"), ("related_query_ms", "GET ms"), ("post_query_ms", "POST ms"),
)


def name(key: str) -> str:
    """The report's name of a figure (its key where it has none)."""
    return dict(NAMES).get(key, key)
