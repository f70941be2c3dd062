"""The training job as one function: read articles, fit the model, publish a new version.

Failures raise :class:`JobError` with a one-line reason; they happen before anything is published,
so the previous current model stays current and intact.
"""
from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from recommender import artifact
from recommender.model import PARAMETERS, DuplicateIdError, RelatedArticles
from recommender.schema import Article

from .cluster import ClusterError, check_scheduler, dask_backend
from .loaders import LoadError, LoadReport, load_articles

#: Articles ``--tune`` fits on at most (see :func:`tuning_sample`): its ten fits of 20,000 articles
#: take about 3 minutes on 2 cores (README "Evaluation"); 50,000, the most the exact search takes, 13 (nine fits).
TUNE_SAMPLE = 20_000
PROGRESS_SECONDS = 5.0  # the least time between two lines on the reading
Log = Callable[[str], None]


#: The share of bad records above which the job publishes nothing (``--max-skipped``).
MAX_SKIPPED = 0.05
#: The share of the current version's articles the new corpus may lack before the job publishes
#: nothing (``--max-shrink``): a night's export cut short is not the catalogue.
MAX_SHRINK = 0.5


class JobError(Exception):
    """Why the job stopped, in one line."""


class InvalidSetting(JobError):
    """A model setting the model refuses, found before any work (the command makes it a usage error)."""


def log_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def check_writable(out: Path) -> None:
    """Fail before the long work if the models folder cannot be created or written."""
    if out.exists() and not out.is_dir():
        raise JobError(f"cannot write to the models folder {out}: a file, not a folder (--out)")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise JobError(f"cannot write to the models folder {out}: {exc.strerror or exc}") from None


def report_load(report: LoadReport, log: Log, shown: int = 10, *, quiet: bool = False) -> None:
    """What the load read, skipped and warned of; with ``quiet`` nothing when nothing was skipped or warned of."""
    if quiet and not report.skipped and not report.warnings:
        return
    log(f"read {report.read:,} articles; skipped {len(report.skipped):,}")
    for reason, count in report.skipped_by_reason().items():
        log(f"  skipped {count:,}: {reason}")
    for bad in report.skipped[:shown]:
        log(f"  e.g. {bad}")
    if len(report.skipped) > shown:
        log(f"  ... and {len(report.skipped) - shown:,} more (--strict stops at the first bad record)")
    for warning in report.warnings:
        log(f"  warning: {warning}")


def train(
    inputs: Sequence[Path],
    out: Path,
    *,
    fmt: str | None = None,
    strict: bool = False,
    max_skipped: float = MAX_SKIPPED,
    max_shrink: float = MAX_SHRINK,
    keep: int = 3,
    tag_delimiter: str = "|",
    params: dict[str, Any] | None = None,
    tune: Path | None = None,
    tune_sample: int = TUNE_SAMPLE,
    dask: str | None = None,
    log: Log = log_stderr,
    quiet: bool = False,
) -> dict[str, Any]:
    """Train on ``inputs`` and publish into ``out``; return the new version's manifest.

    More than ``max_skipped`` (a share) of the records skipped as bad stops the job once they are
    read, before the search and with nothing published: a model missing that much of the catalogue
    is a broken export, not a model to serve. So do fewer articles than ``1 - max_shrink`` times
    the current version's. One job at a time may run on ``out`` (:func:`recommender.artifact.publishing`).
    ``log`` receives progress, warnings and the summary; with ``quiet`` only the warnings (what was
    skipped or could not be pruned), so that a clean run says nothing.

    With ``tune`` (a ground-truth file, see :func:`train.adapters.read_related` and
    :func:`train.adapters.read_ratings`) the topic weight (unless ``params`` sets it) and the tag
    weight are chosen first, by the figure of that ground truth (see :func:`tune_weights`), on at
    most ``tune_sample`` articles (0: the whole corpus; see :func:`tuning_sample`).

    With ``dask`` (a scheduler address such as ``tcp://host:8786``) the candidate search runs on
    that Dask cluster (see :mod:`train.cluster`); the scheduler is checked before anything is read.
    """
    out = Path(out)
    params = dict(params or {})
    try:
        RelatedArticles(**params).check_params()
    except (TypeError, ValueError) as exc:
        raise InvalidSetting(f"invalid setting: {exc}") from None
    if tune is not None and {"topic_weight", "tag_weight"} <= set(params):
        raise InvalidSetting("--tune chooses the topic weight and the tag weight, and both are given: leave one out, or --tune")
    if tune is not None and not Path(tune).is_file():  # said before the corpus is read, which can take hours
        raise JobError(f"{tune}: {'a folder, not a file' if Path(tune).is_dir() else 'no such file'} (--tune)")
    if tune is not None:
        from .adapters import check_ground_truth_name

        try:
            check_ground_truth_name(Path(tune))
        except ValueError as exc:
            raise JobError(f"cannot read the ground truth (--tune): {exc}") from None
    check_writable(out)
    try:
        with artifact.publishing(out):
            return _train_holding(inputs, out, fmt=fmt, strict=strict, max_skipped=max_skipped, max_shrink=max_shrink, keep=keep,
                                  tag_delimiter=tag_delimiter, params=params, tune=tune, tune_sample=tune_sample, dask=dask, log=log, quiet=quiet)
    except artifact.ArtifactError as exc:
        raise JobError(str(exc)) from None


def current_size(out: Path) -> tuple[str, int] | None:
    """The current version of ``out`` and its number of articles, or ``None`` when there is none
    that can be read (nothing published yet, or a broken pointer: then there is nothing to compare)."""
    version = artifact.named_by_pointer(out)
    try:
        return (version, int(artifact.read_manifest(artifact.version_folder(out, version))["articles"])) if version else None
    except (artifact.ArtifactError, OSError, KeyError, TypeError, ValueError):
        return None


def _train_holding(inputs, out, *, fmt, strict, max_skipped, max_shrink, keep, tag_delimiter, params, tune, tune_sample, dask, log, quiet):
    """The job once it holds the models folder (see :func:`train`)."""
    note: Log = (lambda message: None) if quiet else log  # progress; warnings go to log whatever quiet says
    if dask:
        try:
            check_scheduler(dask, note)
        except ClusterError as exc:
            raise JobError(str(exc)) from None
        if params.get("n_jobs", 1) == 1:
            params["n_jobs"] = -1  # one job would run the blocks here, not on the cluster
    seconds: dict[str, float] = {"read": 0.0}
    previous = current_size(out)
    report = LoadReport()
    read_all = False

    last_progress = -float("inf")

    def progress(r: LoadReport) -> None:
        """A line on the reading at most every :data:`PROGRESS_SECONDS` (1M articles: dozens, not 1,000)."""
        nonlocal last_progress
        now = time.perf_counter()
        if now - last_progress >= PROGRESS_SECONDS:
            last_progress = now
            note(f"reading: {r.read:,} articles, {len(r.skipped):,} skipped")

    def read() -> Iterator[Article]:
        """The loader's articles, adding the time spent inside the loader to ``seconds["read"]``
        (the rest of the fit's time is the fit's own); the load's summary once it is done."""
        nonlocal read_all
        loaded = load_articles(inputs, fmt, strict=strict, report=report, tag_delimiter=tag_delimiter, on_progress=progress)
        while True:
            mark = time.perf_counter()
            try:
                article = next(loaded)
            except StopIteration:
                break
            finally:
                seconds["read"] += time.perf_counter() - mark
            yield article
        read_all = True
        report_load(report, log, quiet=quiet)
        records = report.read + len(report.skipped)
        if report.read and len(report.skipped) > max_skipped * records:  # none read: the empty corpus's error
            raise JobError(f"skipped {len(report.skipped):,} of {records:,} records ({len(report.skipped) / records:.1%}), more "
                           f"than --max-skipped {max_skipped:g} allows: nothing published; fix the records (reasons above), "
                           "or pass --max-skipped 1 to publish what was read")
        if previous and report.read and report.read < (1 - max_shrink) * previous[1]:
            raise JobError(f"read {report.read:,} articles, {1 - report.read / previous[1]:.0%} fewer than the {previous[1]:,} of the "
                           f"current version {previous[0]}, more than --max-shrink {max_shrink:g} allows: nothing published; "
                           "check the export, or pass --max-shrink 1 to publish a smaller catalogue")

    def empty() -> JobError:
        return JobError(f"empty corpus: no valid articles in {', '.join(map(str, inputs))}")

    articles: Iterable[Article] = read()
    tuning = None
    if tune is not None:
        # tuning fits the model once per weight tried, so only here is the whole corpus held as a
        # list; otherwise the loader's articles are streamed through fit, which reads them once
        try:
            articles = list(articles)
        except LoadError as exc:
            raise JobError(str(exc)) from None
        if not articles:
            raise empty()
        tuning = tune_weights(articles, Path(tune), params, note, sample=tune_sample, warn=log, skipped=len(report.skipped))
        params |= {"topic_weight": tuning["topic_weight"], "tag_weight": tuning["tag_weight"]}
    model = RelatedArticles(**{**params, "verbose": not quiet})
    mark, read_before = time.perf_counter(), seconds["read"]
    try:
        with dask_backend(dask):
            model.fit(articles)
    except LoadError as exc:
        raise JobError(str(exc)) from None
    except ClusterError as exc:
        raise JobError(str(exc)) from None
    except DuplicateIdError as exc:
        note("finding where the duplicate ids are (reading the inputs again)")
        where = where_ids(inputs, fmt, exc.ids[:SHOWN_DUPLICATES], tag_delimiter)
        raise JobError(f"{exc}; where: " + "; ".join(f"{i} is {places}" for i, places in where.items())
                       + " (an id must be unique across all inputs: write an updated article once, as its latest version)") from None
    except ValueError as exc:
        if read_all and report.read == 0:
            raise empty() from None
        raise JobError(f"cannot fit: {exc}") from None
    seconds["fit"] = time.perf_counter() - mark - (seconds["read"] - read_before)
    if not model.any_list():
        raise JobError(f"every list would be empty: {_why_listless(model)}; nothing published")
    for warning in model.fit_warnings() if quiet else ():  # said when the fit's own progress is not
        log(warning)
    mark = time.perf_counter()
    info = {
        "training": {
            "inputs": [os.path.abspath(p) for p in inputs],
            "format": fmt or "guessed",
            "read": report.read,
            "skipped": len(report.skipped),
            "skipped_by_reason": report.skipped_by_reason(),
            "warnings": report.warnings[:100],
            "seconds": seconds,
        },
        "tuning": tuning,
    }
    try:
        manifest = artifact.publish(model, out, keep=keep, info=info, warn=log)
    except OSError as exc:
        # numpy reports a short write without an errno ("N requested and M written"): a full disk, mostly
        hint = "" if exc.errno else " (a short write: is the disk full?)"
        raise JobError(f"cannot publish into {out}: {exc}{hint}") from None
    seconds["write"] = time.perf_counter() - mark
    note(
        f"published version {manifest['version']} with {manifest['articles']:,} articles in {out} "
        f"(read {seconds['read']:.1f} s, fit {seconds['fit']:.1f} s, write {seconds['write']:.1f} s)"
    )
    return manifest


#: Fewer judgements than this in the half ``--tune`` reads are warned of: the choice rests on noise.
FEW_JUDGEMENTS = 30

#: how many duplicate ids a failed job says where to find
SHOWN_DUPLICATES = 5


def where_ids(inputs: Sequence[Path | str], fmt: str | None, ids: Sequence[str], tag_delimiter: str = "|") -> dict[str, str]:
    """Where each of ``ids`` occurs in the inputs, as readable text: ``article 1 of a.jsonl and
    article 4 of b.jsonl`` (the n-th article read from that input, counting only valid records)."""
    found: dict[str, list[tuple[str, int]]] = {i: [] for i in ids}
    for path in inputs:
        counts: dict[str, list[int]] = {}
        for n, article in enumerate(load_articles([path], fmt, tag_delimiter=tag_delimiter), start=1):
            if article.id in found:
                counts.setdefault(article.id, []).append(n)
        for i, numbers in counts.items():
            found[i].append((str(path), numbers))

    def places(at: list) -> str:
        return " and ".join(f"article{'s' if len(ns) > 1 else ''} {_and(ns)} of {path}" for path, ns in at)

    return {i: places(at) for i, at in found.items()}


def _and(numbers: list[int]) -> str:
    """1, 2 and 3"""
    text = [f"{n:,}" for n in numbers]
    return text[0] if len(text) == 1 else ", ".join(text[:-1]) + " and " + text[-1]


def tuning_sample(articles: list, named: set[str], size: int) -> list:
    """The articles tuning fits on: all of them when there are at most ``size`` (or ``size`` is 0);
    otherwise every article in ``named`` (those the ground truth is about, however many) and, evenly
    spaced through the rest, enough others to make ``size``, in the corpus's order. The sample keeps
    every judged article and enough others to compete with them, at a fraction of the fits' cost."""
    if not size or len(articles) <= size:
        return articles
    rest = [i for i, a in enumerate(articles) if a.id not in named]
    take = max(0, size - (len(articles) - len(rest)))
    kept = set(np.asarray(rest)[np.linspace(0, len(rest) - 1, take).astype(np.int64)].tolist()) if take else set()
    return [a for i, a in enumerate(articles) if a.id in named or i in kept]


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's bytes: which ground truth a model was tuned on, whatever it is called."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _why_listless(model: RelatedArticles) -> str:
    """Why no article of a fitted ``model`` has anything to list (:meth:`RelatedArticles.any_list`)."""
    if len(model) == 1:
        return "the corpus has one article, and a list holds other articles"
    if (model.candidates_ >= 0).any():
        return (f"every article that shares words with another is grouped with it as the same story "
                f"({model.near_duplicates():,} near-duplicates grouped), and a list leaves out "
                "its own story: if they are different stories, too few of their words were kept to tell them apart "
                "(see --min-df, where 1 keeps every word, and --duplicate-threshold)")
    search = (f"; or --search-budget {model.search_budget:g} lets the approximate search walk too few postings "
              f"(default: {PARAMETERS['search_budget'][0]:,})" if model.search_ == "approximate" else "")
    tags = "" if model.tag_weight > 0 else " (tags count only with --tag-weight above 0)"
    return (f"no two of the {len(model):,} articles share an indexed word or a tag that counts{tags} (see --min-df, "
            f"--max-df, --stop-words){search}")


def tune_weights(articles: list, ground_truth: Path, params: dict[str, Any], log: Log, sample: int = 0,
                 warn: Log | None = None, skipped: int = 0) -> dict[str, Any]:
    """Measure the user's ground truth and choose the weights by it: first the topic weight (at tag
    weight 0; skipped when ``params`` sets it), then the tag weight at that topic weight (skipped when
    ``params`` sets it or no article has a tag; its ``scores`` are then None), fitting on
    :func:`tuning_sample` of ``sample`` articles. Returns the scores at every weight tried, the
    weights chosen and the articles fitted on. Ties go to the default topic weight and to the
    smaller tag weight, so tags must earn their place. Progress goes to ``log``, warnings to ``warn``
    (``log`` when not given), so that ``--quiet`` keeps them; ``skipped``: how many of the corpus's
    records were unreadable (the ground truth's missing ids may be theirs)."""
    warn = warn or log
    from .adapters import read_ground_truth
    from .groundtruth import EvalSet, about_corpus, judgements, mostly_dropped, uneven_ratings, unknown_ids
    from .evaluate import RELATED_K
    from .tuning import TAG_WEIGHTS, TEXT_GRID, tuning_score

    try:
        related, ratings = read_ground_truth(ground_truth)
    except (OSError, ValueError) as exc:
        raise JobError(f"cannot read the ground truth (--tune): {exc}") from None  # exc names the file
    known = {a.id for a in articles}
    given = judgements(related, ratings)
    if not given:
        raise JobError(f"{ground_truth}: holds no related ids or rated pairs to tune on")
    of_related = bool(related)  # the file's kind, before its judgements about other articles are left out
    related, ratings, unknown = about_corpus(related, ratings, known)
    if not related and not ratings:
        raise JobError(f"{ground_truth}: no ground truth about articles of this corpus ({unknown_ids(unknown, known, skipped)})")
    kept = judgements(related, ratings)
    said = mostly_dropped(ground_truth, of_related, given, kept, unknown, known, skipped)
    if said:
        warn(f"tuning: warning: {said}")
    elif unknown:
        log(f"tuning: {given - kept:,} of the {given:,} {'related ids' if of_related else 'ratings'} of {ground_truth} are left out for "
            f"{unknown_ids(unknown, known, skipped)}")
    named = set(related) | {i for rel in related.values() for i in rel} | {i for a, b, _ in ratings for i in (a, b)}
    fitted = tuning_sample(articles, named, sample)
    if len(fitted) < len(articles):
        log(f"tuning: on {len(fitted):,} of {len(articles):,} articles (the {len(named):,} the ground truth names and "
            f"evenly spaced others; --tune-sample 0 for all)")
    if related and len(fitted) - 1 <= RELATED_K:
        warn(f"tuning: warning: with {len(fitted):,} articles a list of {RELATED_K} holds nearly every other one, so the "
            "weights' scores can barely differ (ties keep the default topic weight and the smaller tag weight)")
    es = EvalSet(ground_truth.stem, fitted, related=related, rated_pairs=ratings)
    uneven = uneven_ratings(es)
    if uneven:
        warn(f"tuning: warning: {ground_truth}: {uneven} (the choice is made on one kind of pair)")
    measured: dict[tuple[float, float], float] = {}
    metric = ""

    def measure(topic_weight: float, tag_weight: float) -> float:
        nonlocal metric
        if (topic_weight, tag_weight) not in measured:
            settings = {**params, "topic_weight": topic_weight, "tag_weight": tag_weight, "n_jobs": params.get("n_jobs", -1)}
            metric, value, n = tuning_score(es, settings)
            if not measured and value is not None and n < FEW_JUDGEMENTS:
                warn(f"tuning: warning: the half of {ground_truth} tuning reads holds only {n} judgement{'s' if n != 1 else ''}: on so few, the "
                    "weights' scores differ by chance as much as by merit, so the choice is weak (give more ground truth, "
                    "or keep the defaults: leave out --tune, or give --topic-weight and --tag-weight)")
            if value is None:  # too few judgements in the half tuning reads, or all of one rating
                raise JobError(f"{ground_truth}: cannot tune on it: {metric} is undefined on the {n} judgement{'s' if n != 1 else ''} "
                               f"tuning reads (every other pair of the file: they must hold at least 3 ratings that "
                               f"differ, of at least 2 different pairs, or an article with related ids)")
            measured[topic_weight, tag_weight] = value
            log(f"tuning: topic weight {topic_weight:g}, tag weight {tag_weight:g}: {metric} = {measured[topic_weight, tag_weight]:.4f}")
        return measured[topic_weight, tag_weight]

    default_topic = float(PARAMETERS["topic_weight"][0])
    topic_scores = None
    if "topic_weight" in params:
        topic = float(params["topic_weight"])
    else:
        topic_scores = {w: measure(w, 0.0) for w in TEXT_GRID["topic_weight"]}
        topic = max(topic_scores, key=lambda w: (topic_scores[w], w == default_topic, -w))
        log(f"tuning: chose topic weight {topic:g}")
    scores: dict[float, float] | None = None
    if "tag_weight" in params:
        best = float(params["tag_weight"])
        log(f"tuning: tag weight {best:g} as given")
    elif not any(a.tags for a in fitted):
        best = 0.0
        log("tuning: no article has a tag: tag weight 0")
    else:
        scores = {w: measure(topic, w) for w in TAG_WEIGHTS}
        best = max(scores, key=lambda w: (scores[w], -w))
        log(f"tuning: chose tag weight {best:g}")
    values = set(measured.values())
    if len(measured) > 1 and len(values) == 1:  # ties go to the defaults: say that nothing chose them
        value = values.pop()
        warn(f"tuning: warning: every weight tried scores {metric} = {value:.4f} on {ground_truth}, so it cannot tell them "
             "apart and keeps the default of each weight it tunes" + (
                 "; a recall of 0 at every weight: if the related pairs are near-copies of each other, the model never "
                 "lists them (it lists one telling of a story; see --duplicate-threshold and --headline-threshold, and python -m train.evaluate "
                 "--model, which counts them)" if value == 0 and related else ""))
    elif metric.startswith("pearson") and measured and max(values) < 0:
        warn(f"tuning: warning: every weight tried has a Pearson below 0 on {ground_truth}: a higher rating is read as more "
             "similar, so if yours run the other way (1 = very similar, as SemEval's Overall), rate each pair "
             "(lowest + highest) − rating; tuned on them as they are, the weights chosen are the worst for what they mean")
    return {
        "ground_truth": str(Path(ground_truth).resolve()), "ground_truth_sha256": file_digest(ground_truth), "metric": metric, "articles": len(fitted),
        "topic_scores": None if topic_scores is None else {f"{w:g}": v for w, v in topic_scores.items()}, "topic_weight": topic,
        "scores": None if scores is None else {f"{w:g}": v for w, v in scores.items()}, "tag_weight": best,
    }
