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

from .metrics import name as figure_name


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


#: The two targets that compare our systems with each other instead of holding a figure to a threshold.
TAGS_AGAINST_TEXT = ("stackexchange_cstheory_meta", "recall@10 of the human links: the blend with tags, at the best tag "
                     "weight, against text only (a comparison, no threshold)")
NEVER_WORSE = "the blend never worse than text only at the tag weight the job would choose"


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
        mine = []
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
            mine.append(row)
        if ours and ds.get("best_tag_weight"):
            mine += comparisons(ds, ours)
        if ds.get("content_digest") not in TUNED.values():  # every question is one the tuning never read
            mine = [row if "held_out_verdict" in row else
                    row | {"held_out_reached": "the same: every question is held out", "held_out_verdict": "the same"}
                    for row in mine]
        rows += mine
    return rows


def _figure(value: float, interval: list[float] | None) -> str:
    return f"{value:.3f}" + (f" [{interval[0]:.3f}, {interval[1]:.3f}]" if interval else "")


def _difference(value: float, interval: list[float] | None) -> str:
    return f"{value:+.3f}" + (f" [{interval[0]:+.3f}, {interval[1]:+.3f}]" if interval else "")


def _worse(difference: float, interval: list[float] | None) -> bool:
    """Whether the blend is worse than text only: behind beyond chance, or behind with no interval to say."""
    return interval[1] < 0 if interval else difference < 0


def standing(difference: float, interval: list[float] | None) -> str:
    """A difference (ours − what it is compared with) in words, by its paired interval: ahead or behind
    beyond chance, level within chance, or not to be judged without an interval."""
    if not interval:
        return (f"cannot be judged: {difference:+.3f} with no interval (too few questions, or resamples "
                "without a figure)")
    if interval[0] > 0:
        return f"ahead by {difference:.3f} [{interval[0]:.3f}, {interval[1]:.3f}], beyond chance"
    if interval[1] < 0:
        return f"behind by {-difference:.3f} [{-interval[1]:.3f}, {-interval[0]:.3f}], beyond chance"
    return f"level within chance: {difference:+.3f} [{interval[0]:+.3f}, {interval[1]:+.3f}]"


def _blend_standing(difference: float, interval: list[float] | None) -> str:
    """The blend's difference from text only in a comparative row's verdict; without an interval its sign
    decides (``_worse``)."""
    return "the blend " + standing(difference, interval) if interval else f"{difference:+.3f}, no interval: the sign decides"


def comparisons(ds: dict[str, Any], ours: dict[str, Any]) -> list[dict[str, Any]]:
    """The comparative targets of a bundled data set (by its digest), from the figures its section holds:
    Stack Exchange's blend against text only at the best tag weight, and for every data set the blend at
    the weight the job would choose against text only: the weight the tuning half of its questions
    chooses, judged on the held-out half, or, where there is no such half, the job's default, 0."""
    bundled = {**BUNDLED, **TUNED}
    name = next((n for n, digest in bundled.items() if digest == ds.get("content_digest")), None)
    if name is None:
        return []
    best, rows = ds["best_tag_weight"], []
    key, systems = best["metric"], {s["system"]: s for s in ds["systems"]}
    blend = next((s for s in ds["systems"] if s["kind"] == "model" and s["params"]["tag_weight"] == best["tag_weight"]), ours)
    base = {"dataset": ds["dataset"], "metric": key, "system": blend["system"], "threshold": None}

    def against_text_only(held_out: bool) -> dict[str, Any] | None:
        return next((d for d in ds.get("differences", ()) if d["metric"] == key and d["against"] == ours["system"]
                     and d["system"] == blend["system"] and bool(d.get("questions")) == held_out), None)

    if name == TAGS_AGAINST_TEXT[0]:
        row = {**base, "target": TAGS_AGAINST_TEXT[1]}
        for part, held_out in (("", False), ("held_out_", True)):
            suffix = "_held_out" if held_out else ""
            if ours["figures"].get(key + suffix) is None:
                continue
            found = against_text_only(held_out)
            text = f"text only {_figure(ours['figures'][key + suffix], ours['figures'].get(f'{key}{suffix}_interval'))}"
            if blend is ours:
                row |= {f"{part}value": 0.0, f"{part}interval": None, f"{part}reached": text + ", the best tag weight is 0",
                        f"{part}verdict": "reported: the best tag weight is 0, text only itself"}
            elif found:
                row |= {f"{part}value": found["difference"], f"{part}interval": found["interval"],
                        f"{part}reached": f"{text}, {blend['system']} "
                                          f"{_figure(blend['figures'][key + suffix], blend['figures'].get(f'{key}{suffix}_interval'))}: "
                                          + _difference(found["difference"], found["interval"]),
                        f"{part}verdict": "reported: " + _blend_standing(found["difference"], found["interval"])
                                          + ("; the weight was chosen on all questions, this half among them (the "
                                             "tuning half's own choice is judged in the next row)" if held_out else "")}
        if "value" in row:
            rows.append(row)
    tuned = ds.get("tuned_tag_weight")
    if tuned:  # chosen on the tuning half, judged on the other
        if ds.get("tagged_articles") == 0:
            why = "; no article has tags, so every weight scores as text only does and ties go to the smallest"
        elif tuned["tag_weight"] == 0:
            why = ""
        else:  # its lead over text only on the half that chose it
            lead, interval = tuned["tuning_half"] - tuned["text_only_tuning_half"], tuned["tuning_half_interval"]
            level = interval and interval[0] <= 0 <= interval[1]
            said = _blend_standing(lead, interval) if interval else _difference(lead, None)
            why = (f" against text only's {tuned['text_only_tuning_half']:.3f} there: {said}"
                   + (": that half can hardly tell the weights apart" if level else ""))
        chosen = f"w = {tuned['tag_weight']:g}, chosen on the tuning half ({figure_name(key)} {tuned['tuning_half']:.3f}{why})"
        held = {"held_out_value": tuned["difference"], "held_out_interval": tuned["interval"]}
        if tuned["tag_weight"] == 0:
            rows.append({**base, **held, "system": ours["system"], "target": NEVER_WORSE, "value": 0.0, "interval": None,
                         "reached": chosen + ": text only itself", "verdict": "met: the blend chosen is text only",
                         "held_out_reached": "+0.000 (the same model)", "held_out_verdict": "met"})
        else:
            rows.append({**base, **held, "system": tuned["system"], "target": NEVER_WORSE, "value": None, "interval": None,
                         "reached": chosen, "verdict": "not judged on these questions, the tuning half among them: "
                                                       "see the held-out half, which the choice never read",
                         "held_out_reached": f"{tuned['system']} {tuned['held_out']:.3f} against text only "
                                             f"{tuned['text_only_held_out']:.3f}: {_difference(tuned['difference'], tuned['interval'])}",
                         "held_out_verdict": ("short: " if _worse(tuned["difference"], tuned["interval"]) else "met: ")
                                             + _blend_standing(tuned["difference"], tuned["interval"])})
    else:  # no tuning half among these questions (Reuters': the ModApte test articles)
        found = [d for d in ds.get("differences", ()) if d["against"] == ours["system"] and d["system"] == blend["system"]
                 and not d.get("questions")]
        sweep = "" if blend is ours else (f"; the sweep's best weight, {best['tag_weight']:g}, chosen on these very questions: "
                                          + ", ".join(f"{figure_name(d['metric'])} {_difference(d['difference'], d['interval'])}"
                                                      for d in found))
        behind = [figure_name(d["metric"]) for d in found if d["interval"] and d["interval"][1] < 0]
        rows.append({**base, "system": ours["system"], "target": NEVER_WORSE, "value": 0.0, "interval": None,
                     "reached": "w = 0, the job's default (these questions have no tuning half to choose on): text only itself"
                                + sweep,
                     "verdict": "met at the default" + (f"; the sweep's best weight is behind beyond chance on {', '.join(behind)}"
                                                        if behind else "")})
    return rows
