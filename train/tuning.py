"""Choosing settings by measurement, on a tuning split of each data set.

``python -m train.tuning --all DATASETS_DIR`` runs a coordinate search over the text settings (one
setting changed at a time from the current defaults, the best kept, two passes) and then the tag
weight, and writes every row to ``--out``; ``--table FILE`` prints the table the README shows from
such a file. Each data set is judged by its primary figure on its
tuning split only:

* Reuters: the report's own protocol (``train.evaluate.knn_metrics``) on the ModApte training
  articles alone (the test articles are never seen): the model is fitted on the earlier three
  quarters of them by date, the classifier is chosen on those, and the latest quarter are the unseen
  queries (see :func:`held_out`); the figures are their kNN micro-F1 and, as a figure of its own
  ("reuters21578 lists"), the label precision@8 of their lists, which is what a reader sees;
* BBC: label precision@8 of the lists of the articles at even positions;
* SemEval: Pearson over every other rated pair;
* Stack Exchange: recall@10 of every other related pair, asked from both its ends.

(:func:`train.groundtruth.half`: a judgement is about a pair, so the pairs are split, and no link
read from one end here is asked from the other in the held-out half.) The report's figures for these
three are of every question, so half of each is of questions the defaults were chosen on; the report
also gives each on the other half alone (``_held_out`` figures, :data:`train.targets.TUNED`), which
no choice of the defaults read.

A setting's overall score is a weighted mean over data sets of its figure divided by the best figure
any setting reached on that data set. Each data set weighs the square root of the number of
judgements in its tuning split (articles, queries or pairs), the inverse of the size of its noise:
80 rated pairs give a Pearson that moves by about 0.05 between neighbouring settings by chance, and
must not outvote 1,900 classified articles. (A first run with equal weights let exactly
that happen; README "How the defaults were chosen" shows both.)
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Sequence

from recommender.latent import levels
from recommender.model import PARAMETERS
from recommender.schema import date_to_days

from . import metrics as M
from .evaluate import LIST_K, RELATED_K, knn_metrics
from .groundtruth import TUNING, EvalSet, half
from .systems import Blend

TEXT_GRID: dict[str, list[Any]] = {
    "topic_weight": [0.0, 0.1, 0.25, 0.5, 0.75],
    "topic_gate": [0.0, 0.1, 0.25, 0.5],
    "topic_dims": [50, 100, 200, (10, 50), (20, 50), (25, 50), (20, 100), (20, 50, 100), (10, 30, 100)],
    "stemmer": [None, "english"],
    "sublinear_tf": [True, False],
    "title_weight": [1.0, 2.0, 3.0],
    "ngram_range": [(1, 1), (1, 2)],
    "min_df": [1, 2, 3],
    "max_df": [0.5, 1.0],
}
TAG_WEIGHTS = [0.0, 0.05, 0.1, 0.2, 0.3, 0.5]
#: The most topic coordinates per article a default may store. Serving reads every article's
#: coordinates for each posted article: at 1M articles, 50 of them (200 MB) cost about 30 ms of the
#: 100 ms a POST may take (README "Scale"), and memory at 1M is within 0.8 GiB of its 6 GiB bound.
#: Settings above it are measured and reported, but not chosen.
MAX_TOPIC_COORDINATES = 75


def topic_coordinates(params: dict[str, Any]) -> int:
    """Topic coordinates an article stores under ``params`` (the sum of its resolutions)."""
    return sum(levels(params["topic_dims"], sys.maxsize)) if params.get("topic_weight") else 0


def affordable(params: dict[str, Any]) -> bool:
    return topic_coordinates(params) <= MAX_TOPIC_COORDINATES


def held_out(es: EvalSet, share: float = 0.25) -> EvalSet:
    """A tuning split of a data set with unseen queries, made from its indexed articles alone: the
    latest ``share`` of them by publication date (undated first, ties by id) become the unseen
    queries, the rest the index. It mirrors the reported protocol, where the queries are unseen and
    later than the index; leaving one indexed article out at a time does not, because the term
    weights and topics were fitted with that article in the corpus, and it hid most of what the
    topics cost the classifier on unseen articles (README "How the defaults were chosen")."""
    def when(article: Any) -> tuple[bool, float, str]:
        days = date_to_days(article.published_at)
        return (not math.isnan(days), 0.0 if math.isnan(days) else days, article.id)

    ordered = sorted(es.articles, key=when)
    cut = len(ordered) - max(1, round(share * len(ordered)))
    return replace(es, name=f"{es.name} (held out)", articles=ordered[:cut], queries=ordered[cut:],
                   description=f"tuning split: {cut:,} earlier indexed articles, {len(ordered) - cut:,} later ones as unseen queries")


def tuning_figures(es: EvalSet, params: dict[str, Any]) -> list[tuple[str, float, int]]:
    """The figures a data set is judged by on its tuning split for a model with ``params``, each with
    the number of judgements it rests on; the first is its primary figure."""
    if es.queries and es.categories:
        split = held_out(es)
        figures, _ = knn_metrics(Blend("tuning", **params).fit(split.articles), split, lambda message: None)
        n = figures["knn_queries"]
        return [
            ("knn_micro_f1 (latest quarter of ModApte train, unseen)", figures["knn_micro_f1"], n),
            (f"label_precision@{LIST_K} (latest quarter of ModApte train, unseen)", figures[f"label_precision@{LIST_K}"], n),
        ]
    system = Blend("tuning", **params).fit(es.articles)
    questions = half(es, TUNING)
    if es.related:
        return [(f"recall@{RELATED_K} (tuning half)", M.mean(
            M.recall_at_k([i for i, _ in system.related(q, RELATED_K)], rel, RELATED_K) for q, rel in questions.related.items()
        ), len(questions.related))]
    if es.rated_pairs:
        pairs = questions.rated_pairs
        return [("pearson (tuning half)", M.correlations([system.score(a, b) for a, b, _ in pairs], [r for *_, r in pairs])["pearson"], len(pairs))]
    if es.labels:
        return [(f"label_precision@{LIST_K} (tuning half)", M.mean(
            M.label_precision([i for i, _ in system.related(q, LIST_K)], es.labels.get(q, set()), es.labels, LIST_K)
            for q in questions.labelled
        ), len(questions.labelled))]
    return []


def tuning_score(es: EvalSet, params: dict[str, Any]) -> tuple[str, float, int] | None:
    """The data set's primary figure on its tuning split (see :func:`tuning_figures`)."""
    figures = tuning_figures(es, params)
    return figures[0] if figures else None


def _key(params: dict[str, Any]) -> str:
    return json.dumps({k: list(v) if isinstance(v, tuple) else v for k, v in sorted(params.items())})


def coordinate_search(
    sets: list[EvalSet], start: dict[str, Any], grid: dict[str, list[Any]], log: Callable[[str], None], passes: int = 2,
    eligible: Callable[[dict[str, Any]], bool] = lambda params: True,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Change one setting at a time, keep the best ``eligible`` one by normalised mean score (every
    setting is measured and counts towards the best figures); return it and every row."""
    rows: dict[str, dict[str, Any]] = {}
    weights: dict[str, float] = {}

    def measure(params: dict[str, Any]) -> None:
        key = _key(params)
        if key not in rows:
            began = time.perf_counter()
            scores = {}
            for es in sets:
                for j, (_, value, n) in enumerate(tuning_figures(es, params)):
                    name = es.name if j == 0 else f"{es.name} lists"
                    scores[name], weights[name] = value, n**0.5
            rows[key] = {"params": dict(params), "scores": scores}
            log(f"  {key}: " + ", ".join(f"{n}={v:.4f}" for n, v in rows[key]["scores"].items()) + f" ({time.perf_counter() - began:.0f} s)")

    def overall(key: str) -> float:
        best = {name: max(r["scores"][name] for r in rows.values()) for name in weights}
        return sum(weights[n] * rows[key]["scores"][n] / best[n] for n in best) / sum(weights[n] for n in best)

    current = dict(start)
    measure(current)
    for _ in range(passes):
        for name, values in grid.items():
            for value in values:
                measure({**current, name: value})
            choices = [p for p in ({**current, name: v} for v in values) if eligible(p)] or [current]
            current = max(choices, key=lambda p: (overall(_key(p)), p == current))
    table = [{**r, "overall": overall(k), "eligible": eligible(r["params"])} for k, r in rows.items()]
    table.sort(key=lambda r: -r["overall"])
    return current, table


#: The columns of :func:`table`: a figure's key in a row's ``scores`` and its heading.
TABLE_FIGURES = [("reuters21578", "Reuters F1"), ("reuters21578 lists", "Reuters lists P@8"), ("bbc", "BBC P@8"),
                 ("semeval2022_task8_hfl_sample", "SemEval r"), ("stackexchange_cstheory_meta", "Stack Exch. R@10")]


def table(result: dict[str, Any], best: int = 12) -> str:
    """The Markdown table README "How the defaults were chosen" shows, from a ``--out`` file's
    contents: the ``best`` rows by overall score, then, where the search measured them, the chosen
    settings without the topic gate and with words alone, so the table shows what each adds."""
    rows = result["text_table"]
    chosen = {k: v for k, v in result["text_settings"].items() if k != "tag_weight"}

    def same(params: dict[str, Any], **change: Any) -> bool:
        return all(params.get(k) == v for k, v in {**chosen, **change}.items() if k != "n_jobs")

    shown = [(r, "") for r in rows[:best]]
    for change, note in (({"topic_gate": 0.0}, "no gate"), ({"topic_weight": 0.0}, "words alone")):
        extra = next((r for r in rows if same(r["params"], **change)), None)
        if extra is not None and all(extra is not r for r, _ in shown):
            shown.append((extra, note))

    def number(value: Any) -> str:
        return f"{value:g}"

    lines = ["| overall | " + " | ".join(h for _, h in TABLE_FIGURES) + " | topic weight | topic gate | topics | coordinates "
             "| stemming | sublinear tf | title weight | n-grams | min_df | max_df |",
             "|" + "---|" * (len(TABLE_FIGURES) + 11)]
    for r, note in shown:
        p, scores = r["params"], r["scores"]
        topical = bool(p["topic_weight"])
        dims = p["topic_dims"] if isinstance(p["topic_dims"], list) else [p["topic_dims"]]
        overall = f"{r['overall']:.4f}"
        notes = [n for n in (note, "" if r.get("eligible", True) else "too many coordinates") if n]
        cells = [f"**{overall}**" if same(p) else overall]
        cells += [f"{scores[k]:.3f}" if k in scores else "–" for k, _ in TABLE_FIGURES]
        cells += [number(p["topic_weight"]), number(p["topic_gate"]) if topical else "–",
                  "+".join(map(str, dims)) if topical else "–", str(topic_coordinates(p)),
                  p["stemmer"].capitalize() if p["stemmer"] else "none", "yes" if p["sublinear_tf"] else "no",
                  number(p["title_weight"]), "–".join(map(str, p["ngram_range"])), number(p["min_df"]),
                  number(p["max_df"]) + (f" ({'; '.join(notes)})" if notes else "")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    from .adapters import load_dataset

    parser = argparse.ArgumentParser(prog="python -m train.tuning", description="Choose the default settings on tuning splits.")
    run = parser.add_mutually_exclusive_group(required=True)
    run.add_argument("--all", type=Path, metavar="DATASETS_DIR", help="run the search on the data sets in this folder")
    run.add_argument("--table", type=Path, metavar="FILE", help="print the README's table of an earlier run's --out file, and stop")
    parser.add_argument("--out", type=Path, default=Path("reports/tuning.json"), metavar="FILE",
                        help="where --all writes every row measured and the choice (default: %(default)s)")
    parser.add_argument("--n-jobs", type=int, default=-1, metavar="N", help="processes for each fit (default: -1, every core)")
    args = parser.parse_args(argv)
    if args.table:
        if not args.table.is_file():
            parser.error(f"--table {args.table}: no such file")
        try:
            print(table(json.loads(args.table.read_text())))
        except (OSError, ValueError, LookupError, TypeError, AttributeError):
            parser.error(f"--table {args.table}: not a file that python -m train.tuning --all --out wrote "
                         "(JSON with text_settings and text_table)")
        return 0
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    names = ["reuters21578", "bbc", "semeval2022_task8_hfl_sample", "stackexchange_cstheory_meta"]
    present = [n for n in names if (args.all / n).is_dir()]
    if not present:
        parser.error(f"--all {args.all}: none of the data sets the search reads is in it ({', '.join(names)})")
    missing = sorted(set(names) - set(present))
    if missing:
        log(f"warning: not in {args.all}, so not judged: {', '.join(missing)}")
    sets = [load_dataset(args.all / n) for n in present]
    start = {name: PARAMETERS[name][0] for name in TEXT_GRID} | {"tag_weight": 0.0, "n_jobs": args.n_jobs}
    log("text settings (tag weight 0):")
    text, text_rows = coordinate_search(sets, start, TEXT_GRID, log, eligible=affordable)
    log("tag weight, on the data sets that have tags:")
    tagged = [es for es in sets if any(a.tags for a in es.articles)]
    tags, tag_rows = coordinate_search(tagged, text, {"tag_weight": TAG_WEIGHTS}, log, passes=1)
    result = {"text_settings": text, "weights": "sqrt(judgements)", "max_topic_coordinates": MAX_TOPIC_COORDINATES, "tag_weight": tags["tag_weight"], "text_table": text_rows, "tag_table": tag_rows,
              "tuning_splits": __doc__}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(json.dumps({"chosen": {**text, "tag_weight": tags["tag_weight"]}}, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
