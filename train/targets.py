"""The targets the bundled data sets are held to, judged in the report of a run.

A target is judged on the default model ("text only": the job's default tag weight is 0), by its
figure and by the figure's 95% interval: a figure past the threshold whose interval reaches back over
it is met in the figure only, since another draw of questions of the same kind could fall short.

A target is judged only on its own data set, recognised by what it holds (:data:`BUNDLED`, the
:meth:`~train.groundtruth.EvalSet.digest` of the data set in ``../shared/datasets``), not by a
folder's name: another corpus laid out like BBC's, or in a folder called ``bbc``, is not held to
BBC's figures. ``tests/test_datasets.py`` checks that the bundled data sets still give these digests.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Target:
    dataset: str
    metric: str
    threshold: float
    text: str
    at_most: bool = False  # the figure must not exceed the threshold (a count of faults)


#: The digest of each bundled data set that has targets, as its adapter reads it.
BUNDLED = {
    "reuters21578": "24786ab17949cd58",
    "bbc": "e5d0874965f4575f",
    "semeval2022_task8_hfl_sample": "29a668a1b57b5cdc",
}

#: The data sets without unseen queries that the defaults were tuned on (``python -m train.tuning
#: --all``), by digest: the tuning search read half their judgements
#: (:func:`train.groundtruth.half`), so the report gives their figures on the other half too.
#: (Reuters' tuning split is made of ModApte training articles: its test queries were never read.)
TUNED = {
    "bbc": BUNDLED["bbc"],
    "semeval2022_task8_hfl_sample": BUNDLED["semeval2022_task8_hfl_sample"],
    "stackexchange_cstheory_meta": "d7ac4191eed1db41",
}

TARGETS = (
    Target("reuters21578", "knn_micro_f1", 0.86, "ModApte kNN micro-F1 ≥ 0.86 (published kNN and SVM results are about 0.86)"),
    Target("reuters21578", "label_precision@8", 0.84, "label precision@8 of the lists ≥ 0.84"),
    Target("bbc", "label_precision@8", 0.95, "category precision@8 ≥ 0.95"),
    Target("bbc", "near_duplicate_pairs", 0, "no near-duplicate pair inside any list", at_most=True),
    Target("semeval2022_task8_hfl_sample", "pearson", 0.78, "Pearson of the English pairs ≥ 0.78"),
)


def verdict(target: Target, value: float | None, interval: list[float] | None, lists: tuple[int, int] = (0, 0)) -> str:
    """What a figure says of its target; ``lists`` is (lists judged, corpus size) for a count of faults."""
    if value is None:
        return "no figure"
    if target.at_most:
        judged, corpus = lists
        where = f"the {judged:,} lists judged" + (f" (of {corpus:,} articles; --sample 0 judges every list)" if judged < corpus else ", every article's")
        return f"met in {where}" if value <= target.threshold else f"short: {value:,g} in {where}"
    t = target.threshold
    if value >= t:
        return "met, the whole interval at or above it" if interval and interval[0] >= t else \
            "met in the figure; the interval reaches below it" if interval else "met in the figure (no interval)"
    if interval and interval[1] < t:
        return f"short by {t - value:.3f}; the whole interval below it"
    return f"short by {t - value:.3f} in the figure; the interval reaches it" if interval else f"short by {t - value:.3f} (no interval)"


def judge(datasets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per target whose data set is in the run (by its digest), judged on the default model's figures."""
    rows = []
    for ds in datasets:
        ours = next((s for s in ds["systems"] if s["kind"] == "model" and s["params"].get("tag_weight") == 0.0), None)
        for target in (t for t in TARGETS if BUNDLED[t.dataset] == ds.get("content_digest") and ours):
            value = ours["figures"].get(target.metric)
            interval = ours["figures"].get(f"{target.metric}_interval")
            row = {"dataset": ds["dataset"], "target": target.text, "metric": target.metric, "system": ours["system"],
                   "value": value, "interval": interval, "threshold": target.threshold,
                   "verdict": verdict(target, value, interval, (ds.get("sampled_lists", 0), ds["corpus_size"]))}
            held = ours["figures"].get(f"{target.metric}_held_out")
            if held is not None:  # the figure on the questions the tuning search never read
                held_interval = ours["figures"].get(f"{target.metric}_held_out_interval")
                row |= {"held_out_value": held, "held_out_interval": held_interval,
                        "held_out_verdict": verdict(target, held, held_interval)}
            rows.append(row)
    return rows
