"""``python -m train.evaluate``: measure the lists of our model and of baselines on ground truth.

Every system is fitted on the same corpus and asked the questions the service answers; the figures
go into a report folder: ``report.json`` (everything), ``report.md`` (tables) and
``tag_weight.png`` (quality against the tag weight, when matplotlib is installed).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from recommender.artifact import ArtifactError, library_versions
from recommender.model import PARAMETERS
from recommender.neighbours import brief_of, title_key
from recommender.schema import date_to_days

from . import metrics as M
from . import targets
from .groundtruth import HELD_OUT, TUNING, EvalSet, half, uneven_ratings
from .loaders import FORMATS
from .job import MAX_SKIPPED, file_digest
from .options import nonempty, print_result, share, sigterm_as_interrupt, whole
from .systems import WORDS_ONLY, Blend, MoreLikeThis, Published, RelatedPosts, standard_systems

LIST_K = 8  # the service's default list length
RELATED_K = 10
#: The figure of each kind of ground truth ``--tune`` reads, which a held-out half is given for.
TUNED_FIGURE = {"related": f"recall@{RELATED_K}", "ratings": "pearson"}
KNN_K = (10, 20, 30, 40, 50)  # 50 = the model's default n_candidates: no list needs a full rescoring
KNN_POWERS = (1.0, 2.0, 4.0)  # a neighbour's vote weighs its similarity to this power
KNN_THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.05, 0.65, 0.05))
DEFAULT_WEIGHTS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7)
POSTED = 200  # articles of a corpus without unseen queries posted as updates, to time the answer to a POST
DEFAULT_SAMPLE = 10_000  # every list of a corpus up to this size is judged; of a larger one, a sample this big
# the figure each kind of ground truth is judged by, to choose a tag weight
PRIMARY = (("knn_micro_f1", "reuters kNN micro-F1"), ("recall@10", "recall@10"), ("pearson", "Pearson"), ("label_precision@8", "label precision@8"))

# the products people use for this box today: system name, summary key, plot line style
COMPETITORS = ((MoreLikeThis.name, "more_like_this", {"color": "tab:red", "linestyle": ":"}),
               (RelatedPosts.name, "yarpp", {"color": "tab:green", "linestyle": "-."}))

Log = Callable[[str], None]
QuestionsOf = dict[str, "M.Questions | None"]  # a system's primary figures as the questions behind them


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _sample(ids: Sequence[str], n: int | None, seed: int = 0) -> list[str]:
    if n is None or len(ids) <= n:
        return list(ids)
    picked = np.random.default_rng(seed).choice(len(ids), n, replace=False)
    return [ids[i] for i in sorted(picked)]


def reader_metrics(lists: dict[str, list[str]], judge: Blend, days: dict[str, float], headlines: dict[str, int],
                   n_corpus: int, k: int) -> dict[str, Any]:
    """What a reader notices: empty and short lists, the same story twice (in the list, or the
    article itself again), coverage, age, sameness. ``headlines``: each id's :func:`title_key`."""
    model = judge.model
    dup_pairs, dup_lists, similarity, gaps = 0, 0, [], []
    for source, items in lists.items():
        if items:
            shown = [source, *items]
            rows = model.text_matrix_[[model.index_of(i) for i in shown]]
            a, b = np.triu_indices(len(shown), 1)
            sims = (rows @ rows.T).toarray()[a, b]
            same_headline = np.array([headlines[shown[i]] != 0 and headlines[shown[i]] == headlines[shown[j]] for i, j in zip(a, b)])
            terms = rows.copy()
            terms.data[:] = 1
            weight_on = (rows.multiply(rows) @ terms.T).toarray()  # [i, j]: i's squared weight on j's terms
            sizes, when = np.diff(rows.indptr), np.array([days.get(i, np.nan) for i in shown])
            group = model.duplicate_group_[[model.index_of(i) for i in shown]]
            brief = brief_of(sizes[a], sizes[b], weight_on[a, b], weight_on[b, a], when[a] - when[b]) & (sims >= model.brief_threshold)
            brief &= group[a] == group[b]  # each brief is of its best story only, as the model groups them
            found = int(((sims >= model.duplicate_threshold) | (same_headline & (sims >= model.headline_threshold)) | brief).sum())
            dup_pairs += found
            dup_lists += found > 0
            if len(items) > 1:
                similarity.append(float(sims[a > 0].mean()))  # between the items, the article aside
        for item in items:
            gap = abs(days.get(source, np.nan) - days.get(item, np.nan))
            if not np.isnan(gap):
                gaps.append(gap)
    n = max(1, len(lists))
    return {
        "empty_lists": sum(1 for v in lists.values() if not v) / n,
        "short_lists": sum(1 for v in lists.values() if len(v) < k) / n,
        "near_duplicate_pairs": dup_pairs,
        "lists_with_near_duplicates": dup_lists,
        "coverage": len({i for v in lists.values() for i in v}) / max(1, n_corpus),
        "mean_age_gap_days": float(np.mean(gaps)) if gaps else None,
        "intra_list_similarity": M.mean(similarity),
    }


def related_metrics(system, related: dict[str, set[str]], queries: list[str], k: int) -> tuple[dict[str, Any], QuestionsOf]:
    rows = []
    for q in queries:
        ranked = [i for i, _ in system.related(q, k)]
        rel = related[q]
        rows.append((M.precision_at_k(ranked, rel, k), M.recall_at_k(ranked, rel, k), M.ndcg_at_k(ranked, rel, k),
                     M.reciprocal_rank(ranked, rel), M.hit_at_k(ranked, rel, k)))
    names = (f"precision@{k}", f"recall@{k}", f"ndcg@{k}", "mrr", f"hit_rate@{k}")
    figures = {name: M.mean(r[j] for r in rows) for j, name in enumerate(names)} | {"related_queries": len(rows)}
    return figures, {f"recall@{k}": M.mean_questions(r[1] for r in rows)}


def tune_knn(neighbours: Sequence[Sequence[tuple[str, float]]], truth: Sequence[set[str]], labels: dict[str, set[str]],
             cats: set[str]) -> dict[str, Any]:
    """Choose the kNN classifier on the index only (``neighbours``: each indexed article's list, itself
    left out). For each k and vote power: the global threshold with the best leave-one-out micro-F1,
    then per-category thresholds (Yang's SCut), judged cross-fitted (fitted on one half of the index,
    scored on the other). The best cross-fitted figure chooses k and the power (ties: smaller power, then
    smaller k); the thresholds are then fitted on the whole index."""
    best: dict[str, Any] | None = None
    for power in KNN_POWERS:
        for k in KNN_K:
            votes = [M.knn_votes(n[:k], labels, power) for n in neighbours]
            loo, t = max((f1, -t) for t, f1 in zip(KNN_THRESHOLDS, M.micro_f1_by_threshold(votes, truth, KNN_THRESHOLDS, cats)))
            t = -t  # ties go to the smaller threshold, as before
            cross = M.cross_fitted_scut_f1(votes, list(truth), KNN_THRESHOLDS, t, cats)
            if best is None or cross > best["scut_f1_cross_fitted"]:
                best = {"k": k, "power": power, "threshold": t, "loo_f1": loo, "scut_f1_cross_fitted": cross, "votes": votes}
    assert best is not None
    best["thresholds"] = M.per_category_thresholds(best.pop("votes"), truth, KNN_THRESHOLDS, best["threshold"])
    return best


def knn_metrics(system, es: EvalSet, log: Log) -> tuple[dict[str, Any], QuestionsOf]:
    """kNN label prediction: k, the vote power, a global threshold and per-category thresholds
    (SCut) tuned on the index only (see :func:`tune_knn`), then applied once to the unseen queries;
    plus label precision of the queries' lists."""
    cats = set(es.categories)
    train = [a.id for a in es.articles if es.labels.get(a.id, set()) & cats]
    truth = [es.labels[i] & cats for i in train]
    tuned = tune_knn([system.related(i, max(KNN_K)) for i in train], truth, es.labels, cats)
    k, power, thresholds = tuned["k"], tuned["power"], tuned["thresholds"]
    log(f"  {system.name}: kNN tuned on the index: k={k}, vote power {power:g}, threshold {tuned['threshold']} "
        f"(leave-one-out micro-F1 {tuned['loo_f1']:.3f}), {len(thresholds) - 1} per-category thresholds "
        f"(cross-fitted micro-F1 {tuned['scut_f1_cross_fitted']:.3f})")
    queries = [q for q in es.queries if es.labels.get(q.id, set()) & cats]
    began = time.perf_counter()
    answers = {q.id: system.related_to(q, max(k, LIST_K)) for q in queries}
    seconds = time.perf_counter() - began
    pred = [M.knn_predict(answers[q.id][:k], es.labels, thresholds, power) & cats for q in queries]
    truth = [es.labels[q.id] & cats for q in queries]
    f1 = M.f1_scores(truth, pred, cats)
    lp = [M.label_precision([i for i, _ in answers[q.id]], es.labels[q.id], es.labels, LIST_K) for q in queries]
    figures = {
        "knn_micro_f1": f1["micro_f1"], "knn_macro_f1": f1["macro_f1"], "knn_k": k, "knn_vote_power": power,
        "knn_threshold": tuned["threshold"], "knn_index_f1_cross_fitted": tuned["scut_f1_cross_fitted"],
        "knn_queries": len(queries), "knn_categories": len(cats),
        f"label_precision@{LIST_K}": M.mean(lp), "post_query_ms": 1000 * seconds / max(1, len(queries)),
    }
    return figures, {"knn_micro_f1": M.micro_f1_questions(truth, pred, cats), f"label_precision@{LIST_K}": M.mean_questions(lp)}


def evaluate_set(es: EvalSet, systems: list, *, sample: int | None = DEFAULT_SAMPLE, log: Log = _log,
                 published_tuned: Sequence[str] = ()) -> dict[str, Any]:
    """Fit every system on ``es.articles`` and measure it against every kind of ground truth there is.
    ``published_tuned``: the kinds of ground truth (``"related"``, ``"ratings"``, see
    :data:`TUNED_FIGURE`) of which the published model among ``systems`` chose its weights with
    ``--tune`` on the tuning half of these very questions, so every system is also measured on the
    other half of those (and only those: the other files were not read by the tuning)."""
    log(f"{es.name}: {es.description}")
    ids = [a.id for a in es.articles]
    digest = es.digest()
    tuned_on = digest in targets.TUNED.values() and not es.queries  # half its questions chose the defaults
    days = {a.id: date_to_days(a.published_at) for a in es.articles}
    headlines = {a.id: title_key(a.title) for a in es.articles}
    # near-duplicates and list similarity are judged by the tf-idf cosine of one words-only model
    # with the systems' settings (the cosine that defines near-duplicates)
    model_params = next((s.params for s in systems if s.kind == "model"), {})
    judge = Blend("judge", **{**model_params, "tag_weight": 0.0, "topic_weight": 0.0}).fit(es.articles)
    asked = _sample(ids, sample)
    related_queries = [q for q in ids if es.related.get(q)]
    posted = es.articles[::max(1, len(es.articles) // POSTED)][:POSTED]
    results, questions_of, held_of, tuning_of = [], {}, {}, {}
    published = [s for s in systems if s.kind == "published"]
    for system in systems:
        began = time.perf_counter()
        system.fit(es.articles)
        fit_seconds = getattr(system, "fit_seconds", None) or time.perf_counter() - began  # a loaded model: its own
        began = time.perf_counter()
        lists = {i: [j for j, _ in system.related(i, LIST_K)] for i in asked}
        query_ms = 1000 * (time.perf_counter() - began) / max(1, len(asked))
        figures: dict[str, Any] = {"fit_seconds": fit_seconds, "related_query_ms": query_ms}
        figures |= reader_metrics(lists, judge, days, headlines, len(ids), LIST_K)
        questions: QuestionsOf = {}  # the primary figures as their questions, for the intervals
        if related_queries:
            found, more = related_metrics(system, es.related, related_queries, RELATED_K)
            figures, questions = figures | found, questions | more
        if es.rated_pairs:
            pairs = [(a, b, r) for a, b, r in es.rated_pairs]
            scores, ratings = [system.score(a, b) for a, b, _ in pairs], [r for *_, r in pairs]
            figures |= M.correlations(scores, ratings)
            questions["pearson"] = M.pearson_questions(scores, ratings)
        if es.labels and not es.queries:
            lp = [M.label_precision(v, es.labels.get(s, set()), es.labels, LIST_K) for s, v in lists.items()]
            figures[f"label_precision@{LIST_K}"] = M.mean(lp)
            questions[f"label_precision@{LIST_K}"] = M.mean_questions(lp)
        if es.queries and es.categories:
            found, more = knn_metrics(system, es, log)
            figures, questions = figures | found, questions | more
        else:  # no unseen articles: time POST with articles of the corpus, sent again as an update would be
            began = time.perf_counter()
            for article in posted:
                system.related_to(article, LIST_K)
            figures["post_query_ms"] = 1000 * (time.perf_counter() - began) / max(1, len(posted))
        figures |= {f"{key}_interval": M.interval(q) for key, q in questions.items()}
        questions_of[system.name] = questions
        if tuned_on or published_tuned:
            held = half_questions(system, es, lists)
            if not tuned_on:  # --tune read one ground-truth file: only its figure has a half it never read
                held = {key: q for key, q in held.items() if key in {TUNED_FIGURE[kind] for kind in published_tuned}}
            figures |= {f"{key}_held_out{part}": value for key, q in held.items() if q is not None
                        for part, value in (("", float(q.statistic(*q.columns))), ("_interval", M.interval(q)),
                                            ("_questions", q.size))}
            held_of[system.name] = held
            if tuned_on and system.kind == "model":  # the figures a tag weight is chosen by, as --tune would
                tuning_of[system.name] = half_questions(system, es, lists, TUNING)
                figures |= {f"{key}_tuning_half": float(q.statistic(*q.columns))
                            for key, q in tuning_of[system.name].items() if q is not None}
        results.append({"system": system.name, "kind": system.kind, "params": dict(system.params), "figures": figures})
        log(f"  {system.name}: " + ", ".join(f"{k}={_fmt(v)}" for k, v in figures.items() if k in _SHOWN))
    best = best_weight(results)
    both_ends = asked_both_ends(es)
    held_notes = ([_held_out_note(results, best, "The defaults were tuned")] if tuned_on and best else []) + [
        _held_out_note(results, best, f"{published[0].name}'s weights were chosen with --tune", TUNED_FIGURE[kind])
        for kind in (() if tuned_on or not best else published_tuned)]
    return {
        "dataset": es.name,
        "description": es.description,
        "notes": _notes(es, days, both_ends) + [f"The training job warns of this corpus: {w.removeprefix('warning: ')}." for w in judge.model.fit_warnings()]
                 + _same_story_notes(es, [("our model" + (" at the defaults" if published else ""), judge.model)]
                                     + [(s.name, s.model) for s in published])
                 + _figure_notes(results, len(es.articles)) + [note for note in held_notes if note]
                 + [f"The halves of the held-out split are uneven: {uneven}, or read the held-out figures with care."
                    for uneven in [uneven_ratings(es)] if uneven and (tuned_on or "ratings" in published_tuned)],
        "content_digest": digest,
        "tuned_on_half": tuned_on,
        "published_tuned_on_half": bool(published_tuned),
        "corpus_size": len(es.articles),
        "queries": len(es.queries),
        "tagged_articles": sum(1 for a in es.articles if a.tags),
        "pairs_asked_both_ends": both_ends,
        "sampled_lists": len(asked),
        "systems": results,
        "best_tag_weight": best,
        "tuned_tag_weight": tuned_weight(results, held_of, tuning_of) if tuned_on else None,
        "differences": sorted(differences(results, questions_of, best) + differences(results, held_of, best, held_out=True),
                              key=lambda row: row["metric"] != best["metric"] if best else False),  # stable: all, then held out
    }


def _held_out_note(results: list[dict[str, Any]], best: dict[str, Any], tuned: str, key: str | None = None) -> str | None:
    """The primary figure (or ``key``) of the main systems on the held-out half, for the data set's
    section; ``tuned`` says whose settings were chosen on the other half. None where the held-out
    half gives no such figure (too few judgements, or ratings that do not vary)."""
    key = key or best["metric"]
    best_blend = next((r["system"] for r in results if r["kind"] == "model" and r["params"]["tag_weight"] == best["tag_weight"]), None)
    shown = [r for r in results if (r["system"] in (WORDS_ONLY, *(name for name, _, _ in COMPETITORS), "text only", best_blend)
                                    or r["kind"] == "published") and r["figures"].get(f"{key}_held_out") is not None]
    if not shown:
        return None
    n = max(r["figures"][f"{key}_held_out_questions"] for r in shown)
    return (f"{tuned} on half of this data set's judgements (every other related pair, with both its ends, or rated "
            f"pair; or the articles at even positions for labels). On the other half ({n:,} question{'s' if n != 1 else ''}), "
            f"which that choice never read, {M.name(key)} is: "
            + ", ".join(f"{r['system']} {_fmt(r['figures'][f'{key}_held_out'])}{_between(r['figures'].get(f'{key}_held_out_interval'))}"
                        for r in dict((r["system"], r) for r in shown).values()) + ".")


def half_questions(system, es: EvalSet, lists: dict[str, list[str]], which: int = HELD_OUT) -> QuestionsOf:
    """The primary figures on the half of the questions the tuning search never reads (``HELD_OUT``)
    or reads (``TUNING``; :func:`~train.groundtruth.half`) of a data set the defaults were tuned on."""
    held = half(es, which)
    questions: QuestionsOf = {}
    if held.related:
        questions |= related_metrics(system, held.related, list(held.related), RELATED_K)[1]
    if held.rated_pairs:
        pairs = held.rated_pairs
        questions["pearson"] = M.pearson_questions([system.score(a, b) for a, b, _ in pairs], [r for *_, r in pairs])
    if es.labels:
        questions[f"label_precision@{LIST_K}"] = M.mean_questions(
            M.label_precision(lists[s], es.labels.get(s, set()), es.labels, LIST_K) for s in held.labelled if s in lists)
    return questions


def _notes(es: EvalSet, days: dict[str, float], both_ends: int) -> list[str]:
    """What a reader of the report must know about this data set to read its figures right.
    ``both_ends``: how many related pairs it asks from both ends (:func:`asked_both_ends`)."""
    notes = []
    n = len(es.articles)
    if n - 1 <= max(LIST_K, RELATED_K):
        notes.append(f"With {n} articles a list of {RELATED_K} can hold every other article: a system that lists them all "
                     "(random does) reaches full recall, hit rate and coverage by listing everything, so those figures say "
                     "little here; our model lists only articles that share a word, a topic or a tag with the article, and "
                     "can score lower on them for that"
                     + (f", and on label P@{LIST_K}, which counts the empty places of a shorter list as misses" if es.labels else "")
                     + ".")
    if n < MoreLikeThis.params["min_doc_freq"]:
        notes.append(f"More like this uses only words found in at least {MoreLikeThis.params['min_doc_freq']} articles "
                     f"(Elasticsearch's min_doc_freq), so with {n} its lists are all empty.")
    ratings = {r for *_, r in es.rated_pairs}
    if len(es.rated_pairs) < 3 and es.rated_pairs:
        notes.append(f"Only {len(es.rated_pairs)} rated pair{'s' if len(es.rated_pairs) != 1 else ''} about the corpus: "
                     "a correlation needs at least 3, so Pearson and Spearman are –.")
    elif len(ratings) == 1:
        notes.append(f"Every rated pair has the same rating ({next(iter(ratings)):g}): a correlation needs ratings that "
                     "vary, so Pearson and Spearman are –.")
    elif len({frozenset((a, b)) for a, b, _ in es.rated_pairs}) == 1:
        notes.append(f"Every rating is of one pair (rated {len(es.rated_pairs)} times): a model scores that pair once, so "
                     "its scores do not vary and Pearson and Spearman are –; a correlation needs several pairs.")
    if all(math.isnan(d) for d in days.values()):
        notes.append("No article has a date: \"most recent\" lists articles in the corpus's order, and there is no age gap.")
    if not any(a.tags for a in es.articles):
        notes.append("No article has a tag: every blend is text only, whatever its tag weight.")
    languages = Counter(a.language.strip().casefold() for a in es.articles if a.language.strip())
    if len(languages) > 1:
        notes.append(f"Articles in {len(languages)} languages (" + ", ".join(f"{lang} {n:,}" for lang, n in languages.most_common(6))
                     + (", ..." if len(languages) > 6 else "") + "): the model reads every article with one stemmer and "
                     "one list of stop words (English by default), so the figures mix how well it reads each; a newsroom "
                     "publishing in several languages is better served by one model per language, each with its own "
                     "--stemmer (README, \"Languages\").")
    if both_ends:
        notes.append(f"{both_ends:,} linked pair{'s are' if both_ends != 1 else ' is'} asked from both ends (each end is a question of its own), so the questions "
                     "are not independent of each other: the intervals of recall, nDCG and the like are likely too narrow.")
    return notes


def asked_both_ends(es: EvalSet) -> int:
    """How many related pairs are asked from both ends: questions that are not independent of each other."""
    return sum(1 for q, items in es.related.items() for i in items if q in es.related.get(i, ())) // 2


def _same_story_notes(es: EvalSet, models: list[tuple[str, Any]]) -> list[str]:
    """Related ids that a model of ours never lists because it counts them as the same story as the
    article asked (its near-duplicate group): misses by design, which a reader of recall must know.
    ``models``: (who, fitted model) for our model at the systems' settings and a published one, which
    may have near-duplicate settings of its own."""
    pairs = [(q, i) for q, items in es.related.items() for i in items]
    notes = []
    for who, model in models:
        groups = model.duplicate_group_
        same = sum(1 for q, i in pairs if groups[model.index_of(q)] == groups[model.index_of(i)])
        if not same and notes:  # a published model trained as the note above advises
            notes.append(f"{who} (duplicate threshold {model.duplicate_threshold:g}, headline threshold "
                         f"{model.headline_threshold:g}) counts none of them as the same story, so it can list them.")
        elif same:
            notes.append(
                f"{same:,} of the {len(pairs):,} related ids ({same / len(pairs):.0%}) are of articles {who} counts as the "
                f"same story as the article asked (text cosine at least {model.duplicate_threshold:g}, or "
                f"{model.headline_threshold:g} under the same headline, or a brief and its story): it never lists an "
                "article's near-duplicates, which a reader would see as the same story twice, so they count as its misses, "
                "while other systems may list them. Where your related pairs are meant to be near-duplicates "
                "(reposts, versions of one story), train with higher thresholds, --duplicate-threshold and, for versions "
                "under one headline, --headline-threshold (--brief-threshold for briefs), and evaluate with --model.")
    return notes


#: A system (floors aside) with at least this share of empty lists gets a note saying why.
MANY_EMPTY = 0.5


def _empty_why(system: dict[str, Any]) -> str:
    """Why a system answers an article with nothing, for :func:`_figure_notes`."""
    p = system["params"]
    if system["system"] == MoreLikeThis.name:
        return (f"More Like This's query, with Elasticsearch's defaults, keeps only words that occur at least "
                f"{p['min_term_freq']} times in the article and in at least {p['min_doc_freq']} articles, which short "
                "articles (headlines alone, briefs) seldom have")
    if system["system"] == RelatedPosts.name:
        return (f"YARPP lists only articles scoring at least its match threshold of {p['threshold']:g} (the plugin's "
                "default), which few pairs of a small corpus or of short articles reach")
    return ("our model lists only articles that share an indexed word, a topic or a tag with the article and are not "
            "the same story as it (a near-duplicate; see --min-df and --duplicate-threshold)")


def _figure_notes(results: list[dict[str, Any]], n_articles: int) -> list[str]:
    """What the figures themselves suggest: a rating scale that runs the other way (every Pearson of
    our model below 0 beyond chance: on a handful of pairs one below 0 says nothing), and a system
    answering most articles with nothing (on a corpus smaller than More Like This's ``min_doc_freq``
    :func:`_notes` says why instead; the floors are what they are)."""
    notes = []
    intervals = [r["figures"].get("pearson_interval") for r in results if r["kind"] == "model"]
    if intervals and all(i is not None and i[1] < 0 for i in intervals):
        notes.append("Every Pearson of our model is below 0: the report reads a higher rating as more similar, so if yours run "
                     "the other way (1 = very similar), rate each pair (lowest + highest) − rating, or the figures are of the "
                     "opposite of what they mean; a file in SemEval's layout is flipped when read (5 − Overall), so there "
                     "check that its Overall runs as SemEval's, 1 = very similar.")
    empty: dict[str, list[dict[str, Any]]] = {}  # why → the systems it empties
    for r in results:
        if r["figures"].get("empty_lists", 0) >= MANY_EMPTY and r["system"] not in FLOORS and not (
                r["system"] == MoreLikeThis.name and n_articles < MoreLikeThis.params["min_doc_freq"]):
            empty.setdefault(_empty_why(r), []).append(r)
    for why, systems in empty.items():
        notes.append("Many lists are empty (" + ", ".join(f"{r['system']} {r['figures']['empty_lists']:.0%}" for r in systems)
                     + f"): {why}; the figures of those lists count an empty place as a miss"
                     + ("; Pearson scores every rated pair, listed or not, so a good Pearson does not make up for empty lists"
                        if any(r["figures"].get("pearson") is not None for r in systems) else "") + ".")
    return notes


def differences(results: list[dict[str, Any]], questions_of: dict[str, QuestionsOf], best: dict[str, Any] | None,
                held_out: bool = False) -> list[dict[str, Any]]:
    """The primary figure of our model against what it is compared with, on the same questions, with
    a paired interval: the topics (text only − words only), the competitors, the tags (the best blend
    − text only), a published model (− text only), and the :data:`FLOORS` where the default does not
    clear them beyond chance; ``best`` is :func:`best_weight`'s choice. With
    ``held_out``, the figures on the held-out half (:func:`half_questions`), rows marked so."""
    if best is None or not questions_of:
        return []
    suffix = "_held_out" if held_out else ""
    by_name = {r["system"]: r for r in results}
    models = {r["params"]["tag_weight"]: r["system"] for r in results if r["kind"] == "model"}
    ours = models.get(0.0)
    pairs = [(ours, WORDS_ONLY), *((ours, name) for name, _, _ in COMPETITORS), (models.get(best["tag_weight"]), ours),
             *((r["system"], ours) for r in results if r["kind"] == "published")]
    rows = []
    for key, _ in PRIMARY:  # every kind of ground truth the data set has, the one it is judged by first
        if ours is None or by_name[ours]["figures"].get(key) is None:
            continue

        def row(a: str | None, b: str) -> dict[str, Any] | None:
            if a is None or b not in by_name or a == b or None in (by_name[a]["figures"].get(key + suffix), by_name[b]["figures"].get(key + suffix)):
                return None
            return {"system": a, "against": b, "metric": key, **({"questions": "held-out half"} if held_out else {}),
                    "difference": by_name[a]["figures"][key + suffix] - by_name[b]["figures"][key + suffix],
                    "interval": M.difference_interval(questions_of[a].get(key), questions_of[b].get(key))}

        rows += [r for r in (row(a, b) for a, b in pairs) if r]
        # a floor only where the default does not clear it beyond chance: that needs saying
        rows += [r for r in (row(ours, floor) for floor in FLOORS) if r and not (r["interval"] and r["interval"][0] > 0)]
    rows.sort(key=lambda row: row["metric"] != best["metric"])  # stable: the figure it is judged by first
    return rows


#: The baselines any list should clear; compared with the default only where it does not, beyond chance.
FLOORS = ("random", "most recent", "tags only")


HELD_OUT_TEXT = ("The training job's defaults were chosen (`python -m train.tuning`) on half the questions of {}: the "
                 "labelled articles at even positions, or every other rated pair or related pair (a pair with both its ends, so no "
                 "link read from one end in tuning is asked from the other in the held-out half). Their figures in the tables are of every "
                 "question, so half of each is of questions the defaults were chosen on; \"held-out half\" is the figure on "
                 "the other half alone, which no choice of the defaults read, with its own interval (wider: half the "
                 "questions, so a held-out figure above the whole set's is noise, not firmer evidence). Each of these data "
                 "sets' sections gives its held-out figures, the Summary gives words only's and text only's, and Targets "
                 "and Differences have them too. (Reuters' queries "
                 "are the ModApte test articles, which tuning never read: it used training articles only.)")

_SHOWN = {"knn_micro_f1", "label_precision@8", "recall@10", "pearson", "near_duplicate_pairs", "coverage"}


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _cell(key: str, figures: dict[str, Any]) -> str:
    value = figures.get(key)
    if key == "knn_vote_power" and value is not None:
        return f"{value:g}"
    return _fmt(value) + _between(figures.get(f"{key}_interval"))


def _between(interval: list[float] | None) -> str:
    return f" [{interval[0]:.3f}, {interval[1]:.3f}]" if interval else ""


def tuned_weight(results: list[dict[str, Any]], held_of: dict[str, QuestionsOf],
                 tuning_of: dict[str, QuestionsOf]) -> dict[str, Any] | None:
    """The tag weight the tuning half of a data set's questions chooses by its primary figure among
    the weights ``--tune`` tries (ties go to the smaller weight), as ``--tune`` would choose it on them,
    with its lead over text only on that half, and that weight's figure on the held-out half against
    text only's; each difference with a paired interval (None when the weight is 0: text only)."""
    from .tuning import TAG_WEIGHTS  # the weights --tune tries (train.tuning imports this module)
    key = primary_metric(results)
    models = [r for r in results if r["kind"] == "model" and r["params"]["tag_weight"] in TAG_WEIGHTS
              and r["figures"].get(f"{key}_tuning_half") is not None and r["figures"].get(f"{key}_held_out") is not None]
    ours = next((r for r in models if r["params"]["tag_weight"] == 0.0), None)
    if ours is None:
        return None
    chosen = max(models, key=lambda r: (r["figures"][f"{key}_tuning_half"], -r["params"]["tag_weight"]))
    value, text_only = chosen["figures"][f"{key}_held_out"], ours["figures"][f"{key}_held_out"]
    return {"metric": key, "tag_weight": chosen["params"]["tag_weight"], "system": chosen["system"],
            "tuning_half": chosen["figures"][f"{key}_tuning_half"],
            "text_only_tuning_half": ours["figures"][f"{key}_tuning_half"],
            "tuning_half_interval": None if chosen is ours else M.difference_interval(tuning_of[chosen["system"]].get(key),
                                                                                      tuning_of[ours["system"]].get(key)),
            "held_out": value, "text_only_held_out": text_only, "difference": value - text_only,
            "interval": None if chosen is ours else M.difference_interval(held_of[chosen["system"]].get(key),
                                                                          held_of[ours["system"]].get(key))}


def primary_metric(results: list[dict[str, Any]]) -> str | None:
    models = [r["figures"] for r in results if r["kind"] == "model"]
    return next((key for key, _ in PRIMARY if any(f.get(key) is not None for f in models)), None)


def best_weight(results: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The tag weight (0 = text only) with the best primary figure; ties go to the smaller weight."""
    key = primary_metric(results)
    if key is None:
        return None
    models = [(r["params"]["tag_weight"], r["figures"]) for r in results if r["kind"] == "model"]
    weight, best = max(((w, f) for w, f in models if f[key] is not None), key=lambda wf: (wf[1][key], -wf[0]))
    text_only_figures = next(f for w, f in models if w == 0.0)
    text_only = text_only_figures[key]
    words_only = next((r["figures"][key] for r in results if r["system"] == WORDS_ONLY), None)
    held_out = f"{key}_held_out"
    if held_out in text_only_figures:  # the defaults were tuned on the other half of these questions
        words = next((r["figures"].get(held_out) for r in results if r["system"] == WORDS_ONLY), None)
        held = {"text_only_held_out": text_only_figures[held_out], "words_only_held_out": words}
    else:
        held = {}
    others = {field: next((r["figures"][key] for r in results if r["system"] == name), None) for name, field, _ in COMPETITORS}
    published = next((r for r in results if r["kind"] == "published"), None)
    if published and held_out in published["figures"]:
        held["published_held_out"] = published["figures"][held_out]
    return {"metric": key, "tag_weight": weight, "value": best[key], "interval": best.get(f"{key}_interval"),
            "text_only": text_only, "words_only": words_only, **held,
            **others,
            **({"published": published["figures"][key], "published_system": published["system"]} if published else {})}


# ---------------------------------------------------------------------------------------- report
REPORT_FILES = ("report.json", "tag_weight.png", "report.md")
# report.json's shape: raised when a key is renamed, removed or changes meaning (added keys keep it)
REPORT_VERSION = 1


SYSTEMS_TEXT = ("**systems**: random (the same random articles for the same question), most recent (the newest "
                "articles, whatever they are about) and tags only (the rarity-weighted tag cosine alone; empty lists where "
                "a corpus has no tags) are the floors any list should clear; text only is our model's default, blend "
                "w=X our model with tag weight X (the sweep of the plot).")

# what each column means, said once under the summary for the columns the report has
GLOSSARY = {
    "knn_micro_f1": "**kNN micro-F1, macro-F1**: each unseen article's labels predicted from the labels of the first k "
                    "articles of its list (k, the vote power and the thresholds tuned on the index alone, never on the "
                    "queries); micro pools every decision, macro averages the categories.",
    "knn_k": "**kNN k, vote power**: what that tuning chose; a neighbour's vote is its score to that power.",
    "label_precision@8": "**label P@8**: the share of the 8 places of an article's list that hold an article with a label in common with it (the empty places of a shorter list count as misses, and so do places holding an article without a label: where some articles have none, the figure cannot reach 1).",
    "recall@10": "**P@10, R@10, nDCG@10, MRR, hit@10**: lists of 10 against the related items people marked "
                 "(articles with none are not asked).",
    "pearson": "**Pearson, Spearman**: the model's score for each rated pair against the people's rating "
               "(– where there are fewer than 3 pairs, or the scores or the ratings do not vary). A baseline scores a pair "
               "as it ranks its lists: random with a random number fixed for the pair, most recent with minus the days "
               "between the two articles (closer in time, more alike; 0 when a date is missing), tags only with the tag "
               "cosine.",
    "empty_lists": "**empty, short**: the share of lists with nothing in them, and with fewer than 8 items.",
    "near_duplicate_pairs": "**dup pairs**: the same story twice: pairs of items of one list, or an item and the "
                            "article the list is for, whose tf-idf cosine reaches the near-duplicate threshold "
                            f"({PARAMETERS['duplicate_threshold'][0]:g}; {PARAMETERS['headline_threshold'][0]:g} under the same headline; "
                            f"{PARAMETERS['brief_threshold'][0]:g} for a brief and the story within a day that it is most like, the brief "
                            "with at most half its terms and 80% of its weight on them). This "
                            "is the rule our model collapses near-duplicates by, so its 0 says the collapsing works, not "
                            "that no other judge would find a pair; the other systems' counts are by the same rule.",
    "coverage": "**coverage**: the share of the corpus that appears in at least one of the lists judged (with a sample, "
                "at most 8 × the sample's size over the corpus size).",
    "mean_age_gap_days": "**age gap**: mean days between an article and an item of its list, older or newer, over "
                         "every dated pair of the lists judged.",
    "intra_list_similarity": "**intra-list sim**: mean tf-idf cosine between the items of one list (lower is more varied).",
    "fit_seconds": "**fit s, GET ms**: seconds to fit; mean milliseconds for the list of an indexed article, in process (no HTTP).",
    "post_query_ms": "**POST ms**: mean milliseconds for the list of a posted unseen article, in process (no HTTP); "
                     f"where a data set has no unseen articles, of up to {POSTED} of its own articles (evenly spaced) "
                     "posted again, as an update is.",
}


def _settings_text(defaults: dict[str, Any], hidden: tuple[str, ...] = ("tag_weight", "n_jobs", "verbose")) -> str:
    shown = {k: v for k, v in defaults.items() if k not in hidden}
    return ", ".join(f"{k} {','.join(map(str, v)) if isinstance(v, (list, tuple)) else v}" for k, v in shown.items())


def _present(key: str, figures: dict[str, Any]) -> bool:
    """Whether a figure earns its column: it has a value, or it is a correlation that was asked for
    and is undefined (the rated pairs were given; the reader must see the "–", not lose the column)."""
    return key in figures and (figures[key] is not None or key in ("pearson", "spearman"))


def _own_settings(published: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """The settings a ``--model`` was trained with that are not the defaults."""
    def plain(value: Any) -> Any:  # the manifest keeps tuples as lists
        return list(value) if isinstance(value, tuple) else value

    return {k: v for k, v in (published.get("parameters") or {}).items()
            if k in defaults and k != "n_jobs" and plain(v) != plain(defaults[k])}


def _published_text(published: dict[str, Any], defaults: dict[str, Any], held_rows: bool) -> str:
    """What a report says of the ``--model`` it measured: the settings it was trained with that are
    not the defaults, and whether ``--tune`` chose its weights on ground truth (maybe this one);
    ``held_rows``: whether the report has figures of the half tuning never read."""
    own = _own_settings(published, defaults)
    text = f"published {published['version']} was trained with " + (
        f"these settings unlike the defaults: {_settings_text(own, hidden=())}" if own else "the default settings")
    if published.get("tuned_on_this_ground_truth"):
        text += (f"; its weights were chosen with --tune on {published['tuned_on']}, the ground truth evaluated here: "
                 "tuning read half its judgements, so half of these questions are ones it was tuned on, which can "
                 "flatter its figures; " + (
                     "the rows and figures marked \"held-out half\" are of the other half, which tuning never read: ship on those"
                     if held_rows else "the other half, which tuning never read, gives no figure here (too few of its "
                     "judgements about this corpus, or ratings that do not vary), so every figure of it may be flattered"))
    elif published.get("tuned_on"):
        text += (f"; its weights were chosen with --tune on {published['tuned_on']}, not the ground truth evaluated here "
                 "(if that file holds the same judgements, about half of these questions are ones it was tuned on)")
    return text + "."


def _published_rows(ds: dict[str, Any]) -> list[dict[str, Any]]:
    """A data set's differences of a ``--model`` against the default (text only)."""
    names = {s["system"] for s in ds["systems"] if s["kind"] == "published"}
    return [row for row in ds.get("differences", ()) if row["system"] in names]


def _row_figure(row: dict[str, Any]) -> str:
    """A difference row's figure by name, marked where the row is of the held-out half alone."""
    return M.name(row["metric"]) + (" (held-out half)" if row.get("questions") else "")


def _held_out_cell(row: dict[str, Any], key: str) -> str:
    """A Summary figure's value on the held-out half (``key``: ``published``, ``text_only`` or
    ``words_only``), beside its figure on every question, which is flattered where tuning read half
    of those questions."""
    value = row.get(f"{key}_held_out")
    return f" (held-out half {_fmt(value)})" if value is not None else ""


def _unjudged(report: dict[str, Any]) -> list[str]:
    """The data sets with no figure to judge them by (no summary row)."""
    return [ds["dataset"] for ds in report["datasets"] if not ds.get("best_tag_weight")]


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "# Evaluation report",
        "",
        f"Created {report['created_at']} with `{report['command']}`.",
        f"Lists of {LIST_K} (the service default) for "
        + (f"every article of a data set, or a sample of {report['settings']['sample']:,} of a larger one"
           if report["settings"].get("sample") else "every article of a data set")
        + " (the reader's figures and label P@8 of indexed articles; related ids, rated pairs and kNN use every question); "
        f"related-item ground truth scored on lists of {RELATED_K}. Libraries: "
        + ", ".join(f"{k} {v}" for k, v in report["libraries"].items()) + ".",
        "",
    ]
    for failed in report["settings"].get("not_evaluated", ()):
        lines += [f"Not evaluated: {failed['dataset']}: {failed['reason']}", ""]
    if report["settings"].get("left_out_folders"):
        lines += ["Folders that are no known data set, left out: " + ", ".join(report["settings"]["left_out_folders"]) + ".", ""]
    if report.get("summary"):
        published = any("published" in row for row in report["summary"])
        lines += ["## Summary", "", "More like this is Elasticsearch's More Like This query with its default settings, "
                  "and yarpp WordPress's Yet Another Related Posts Plugin with its defaults, both rebuilt on the same "
                  "corpus; text only is our model with words and topics; words only is its tf-idf "
                  "cosine alone (topic weight 0)."
                  + (" Published is the model loaded with --model, as it would serve." if published else ""), "",
                  "| data set | judged by | more like this | yarpp | words only | text only | best blend | best tag weight |"
                  + (" published |" if published else ""),
                  "|---|---|---|---|---|---|---|---|" + ("---|" if published else "")]
        for row in report["summary"]:
            lines.append(f"| {row['dataset']} | {M.name(row['metric'])} | {_fmt(row.get('more_like_this'))} | {_fmt(row.get('yarpp'))} | "
                         f"{_fmt(row.get('words_only'))}{_held_out_cell(row, 'words_only')} | {_fmt(row['text_only'])}{_held_out_cell(row, 'text_only')} | "
                         f"{_fmt(row['value'])}{_between(row.get('interval'))} | {row['tag_weight']:g} |"
                         + (f" {_fmt(row.get('published'))}{_held_out_cell(row, 'published')} |" if published else ""))
        lines.append("")
        lines += ["Best tag weight: the best of the weights tried on the data above, for reporting. It is chosen on the "
                  "very questions it is scored on, so the best blend's figure flatters it a little (a best weight whose "
                  "difference from text only has an interval holding 0, below, is one these questions cannot tell from text "
                  "only); `python -m train CORPUS --tune GROUND_TRUTH` chooses one on your own ground truth.", ""]
        if report.get("plot"):
            lines += ["![Quality against the tag weight](tag_weight.png)", ""]
    tuned = [ds["dataset"] for ds in report["datasets"] if ds.get("tuned_on_half")]
    if tuned:
        lines += ["## Held-out halves", "", HELD_OUT_TEXT.format(", ".join(tuned)), ""]
    unjudged = _unjudged(report)
    if unjudged:
        lines += [f"No figure to judge {', '.join(unjudged)} by, so no summary row: no ground truth, or none that gives a "
                  "figure (as rated pairs whose ratings do not vary); the tables below show what was measured.", ""]
    if report.get("targets"):
        lines += ["## Targets", "",
                  "The figures the data sets bundled with the project (`../shared/datasets`, recognised by their content) "
                  "are held to, judged on the default model (text only: the training job's default tag weight is 0) by the "
                  "figure and its interval. The rows of the two comparative targets set the blend with tags against text "
                  "only, by the difference of their figures on the same questions and its paired interval (as under "
                  "Differences); the blend the job would choose is the one the tuning half of the questions chooses, "
                  "as `--tune` would, judged on the held-out half."
                  + "".join(f" {ds['dataset']} asks {ds['pairs_asked_both_ends']:,} linked pairs from both ends, so its "
                            "questions are not independent and its intervals are likely too narrow: read its \"beyond "
                            "chance\" with care." for ds in report["datasets"] if ds.get("pairs_asked_both_ends")
                            and any(row["dataset"] == ds["dataset"] for row in report["targets"])), ""]
        held = any("held_out_verdict" in row for row in report["targets"])
        lines += ["| data set | target | reached | verdict |" + (" held-out half | its verdict |" if held else ""),
                  "|---|---|---|---|" + ("---|---|" if held else "")]
        lines += [f"| {row['dataset']} | {row['target']} | {row.get('reached') or _fmt(row['value']) + _between(row['interval'])} | {row['verdict']} |"
                  + ((f" {row.get('held_out_reached') or _fmt(row['held_out_value']) + _between(row['held_out_interval'])} | {row['held_out_verdict']} |"
                      if "held_out_verdict" in row else " – | – |") if held else "")
                  for row in report["targets"]]
        lines.append("")
    compared = [(ds["dataset"], row) for ds in report["datasets"] for row in ds.get("differences", ())]
    if compared:
        lines += ["## Differences on the same questions", "",
                  "Each data set's figure above, our model against what it is compared with: both answer the same questions, "
                  "so the interval is of the difference itself (a paired bootstrap, as for the intervals); an interval "
                  "that holds 0 is a difference these questions cannot tell from chance. The floors (random, most recent, "
                  "tags only) have a row only where the default does not clear them beyond chance. A difference is of the "
                  "unrounded figures, so it can differ by 0.001 from the difference of the rounded figures shown above."
                  + (" A row marked \"held-out half\" is on the half of the questions that tuning never read, and on "
                     "those alone (see the data set's section)." if any(row.get("questions") for _, row in compared) else ""), "",
                  "| data set | figure | system | against | difference | 95% interval |", "|---|---|---|---|---|---|"]
        lines += [f"| {name} | {M.name(row['metric'])}{', held-out half' if row.get('questions') else ''} | {row['system']} | {row['against']} | {row['difference']:+.3f} | "
                  + (f"[{row['interval'][0]:+.3f}, {row['interval'][1]:+.3f}]" if row["interval"] else "–") + " |"
                  for name, row in compared]
        lines.append("")
        published = {(ds["dataset"], row["system"]): row for ds in report["datasets"] for row in _published_rows(ds)}
        behind = [(name, row) for name, row in compared if (name, row["system"]) not in published and row["interval"] and (
            row["system"] == "text only" and row["interval"][1] < 0 or row["against"] == "text only" and row["interval"][0] > 0)]
        if behind:
            lines += ["Where the default (text only) is behind beyond chance, from the table above:", ""]
            for name, row in behind:
                ours_first = row["system"] == "text only"  # text only − X < 0: X ahead by the difference's opposite
                ahead, by = (row["against"], -row["difference"]) if ours_first else (row["system"], row["difference"])
                low, high = (-row["interval"][1], -row["interval"][0]) if ours_first else row["interval"]
                lines.append(f"- {name}, {_row_figure(row)}: "
                             f"{ahead} ahead by {by:.3f} [{low:.3f}, {high:.3f}]"
                             + (" (at the tag weight chosen on all questions, this half among them)"  # the tags' row: the best blend
                                if row.get("questions") and row["against"] == "text only" else ""))
            lines.append("")
        if published:
            lines += ["The published model against the default (text only), on every figure of the table above, ahead or "
                      "behind:", ""]
            lines += [f"- {name}, {_row_figure(row)}: {row['system']} "
                      f"{targets.standing(row['difference'], row['interval'])}" for name, row in compared if (name, row["system"]) in published]
            lines.append("")
    if report["settings"].get("model_defaults"):
        lines += ["Our model has the training job's default settings except for the tag weight: "
                  + _settings_text(report["settings"]["model_defaults"]) + ".", ""]
    if report["settings"].get("published_model"):
        held_rows = any(key.endswith("_held_out") and value is not None
                        for ds in report["datasets"] for r in ds["systems"] if r["kind"] == "published" for key, value in r["figures"].items())
        lines += [_published_text(report["settings"]["published_model"], report["settings"].get("model_defaults") or {}, held_rows), ""]
    shown = {k for ds in report["datasets"] for s in ds["systems"] for k in s["figures"] if _present(k, s["figures"])}
    lines += ["- " + SYSTEMS_TEXT] + ["- " + GLOSSARY[k] for k in GLOSSARY if k in shown]
    if any(k.endswith("_interval") for k in shown):
        lines.append(f"- **[low, high]** after a figure: its {M.INTERVAL_LEVEL:.0%} bootstrap interval (BCa, or percentile "
                     f"where BCa is undefined because every resample scores alike; {M.RESAMPLES:,} "
                     "resamples of the questions asked: lists, unseen articles or rated pairs): how far the figure could "
                     "move with another draw of questions of the same kind. It does not cover another corpus or training run, and "
                     "two systems' intervals may overlap when one is better on nearly every question: they answer the same ones "
                     "(\"Differences on the same questions\" compares them pair by pair).")
    lines.append("")
    for ds in report["datasets"]:
        knn = next((s["figures"] for s in ds["systems"] if "knn_queries" in s["figures"]), None)
        lines += [f"## {ds['dataset']}", "", ds["description"], ""]
        lines += [line for note in ds.get("notes", ()) for line in (note, "")]
        lines += [f"Corpus: {ds['corpus_size']:,} articles"
                  + (f"; unseen queries: {ds['queries']:,}" if ds["queries"] else "")
                  + (f" (those with one of the {knn['knn_categories']} categories scored, {knn['knn_queries']:,}, are the ones "
                     "asked: kNN, label P@8 and POST ms)" if knn and knn["knn_queries"] != ds["queries"] else "")
                  + (f"; lists judged: {ds['sampled_lists']:,} (a sample)" if ds.get("sampled_lists", ds["corpus_size"]) < ds["corpus_size"] else "")
                  + ".", ""]
        present = [(k, label) for k, label in M.NAMES if any(_present(k, s["figures"]) for s in ds["systems"])]
        lines.append("| system | " + " | ".join(label for _, label in present) + " |")
        lines.append("|---|" + "---|" * len(present))
        for s in ds["systems"]:
            lines.append(f"| {s['system']} | " + " | ".join(_cell(k, s["figures"]) for k, _ in present) + " |")
        lines.append("")
    return "\n".join(lines) + "\n"


def plot(report: dict[str, Any], path: Path) -> bool:
    """Quality against the tag weight, one panel per data set; False when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    panels = [ds for ds in report["datasets"] if ds["best_tag_weight"]]
    if not panels:
        return False
    settings = report.get("settings") or {}
    # the curve is the defaults at each tag weight; a model trained otherwise is not a point of it
    other = set(_own_settings(settings.get("published_model") or {}, settings.get("model_defaults") or {})) - {"tag_weight"}
    star = "published" + (f" (own {', '.join(sorted(other))})" if other else "")
    with plt.rc_context({"text.parse_math": False}):  # a "$" in a data set's name is not TeX
        _draw(plt, panels, report.get("targets") or [], path, star)
    return True


def _draw(plt: Any, panels: list[dict[str, Any]], goals: list[dict[str, Any]], path: Path, star: str) -> None:
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 3.2), squeeze=False)
    for ax, ds in zip(axes[0], panels):
        key = ds["best_tag_weight"]["metric"]
        points = sorted((s["params"]["tag_weight"], s["figures"][key], s["figures"].get(f"{key}_interval"))
                        for s in ds["systems"] if s["kind"] == "model" and s["figures"][key] is not None)
        ax.plot([w for w, _, _ in points], [v for _, v, _ in points], marker="o", label="our model (95% interval)")
        spans = [(w, v, i) for w, v, i in points if i]
        if spans:
            ax.errorbar([w for w, _, _ in spans], [v for _, v, _ in spans], linestyle="", color="tab:blue", capsize=2,
                        yerr=[[v - i[0] for _, v, i in spans], [i[1] - v for _, v, i in spans]])
        for goal in goals:
            if goal["dataset"] == ds["dataset"] and goal["metric"] == key and goal["threshold"] is not None:
                ax.axhline(goal["threshold"], color="black", linewidth=0.8, label=f"target {goal['threshold']:g}")
        for s in ds["systems"]:
            if s["kind"] == "published" and s["figures"].get(key) is not None:
                ax.plot([s["params"]["tag_weight"]], [s["figures"][key]], marker="*", markersize=11, linestyle="", label=star)
        if ds["best_tag_weight"].get("words_only") is not None:
            ax.axhline(ds["best_tag_weight"]["words_only"], color="grey", linestyle="--", label="words only")
        for name, field, style in COMPETITORS:
            if ds["best_tag_weight"].get(field) is not None:
                ax.axhline(ds["best_tag_weight"][field], label=name, **style)
        if len(ax.get_lines()) > 1:
            ax.legend(fontsize=7)
        ax.set_title(ds["dataset"] + (" (no tags: every weight is text only)" if ds.get("tagged_articles") == 0 else ""), fontsize=9)
        ax.set_xlabel("tag weight")
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(datasets: list[dict[str, Any]], out: Path, settings: dict[str, Any], command: str) -> dict[str, Any]:
    summary = [{"dataset": d["dataset"], **d["best_tag_weight"]} for d in datasets if d["best_tag_weight"]]
    report = {
        "report_version": REPORT_VERSION,
        "created_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "command": command,
        "libraries": library_versions(),
        "settings": settings,
        "summary": summary,
        "targets": targets.judge(datasets),
        "datasets": datasets,
    }
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out, prefix=".writing-") as scratch:
        # every file is written aside first, so a failure leaves the previous report as it was
        staged = Path(scratch)
        (staged / "report.json").write_text(json.dumps(report, indent=2, default=float) + "\n")
        report["plot"] = plot(report, staged / "tag_weight.png")
        (staged / "report.md").write_text(markdown(report))
        for name in REPORT_FILES:  # renames within one file system
            if (staged / name).exists():
                os.replace(staged / name, out / name)
        if not report["plot"]:
            (out / "tag_weight.png").unlink(missing_ok=True)  # a plot of an earlier run would mislead
    return report


# ---------------------------------------------------------------------------------------- command line
def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value == 0 or value < -1:
        raise argparse.ArgumentTypeError(f"expected a number of processes (1 or more) or -1 for all cores, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m train.evaluate", description=__doc__.splitlines()[0])
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--all", type=nonempty("a folder of data sets"), metavar="DATASETS_DIR", help="run the standard suite on every known data set in the folder (by name or by layout)")
    what.add_argument("--dataset", type=nonempty("a data set folder"), metavar="FOLDER", help="one known data set folder (reuters21578, bbc, ..., or one laid out like them)")
    what.add_argument("--corpus", type=nonempty("a corpus file"), metavar="FILE", help="your own corpus (any input format of python -m train)")
    parser.add_argument("--model", type=nonempty("a models folder"), metavar="MODELS_DIR",
                        help="with --corpus or --dataset: also evaluate this published model (a models folder's current "
                             "version, or a version folder) as it is; it must have been trained on that corpus")
    parser.add_argument("--related", type=nonempty("a file of related ids"), metavar="FILE", help="with --corpus: related ids (JSONL or CSV)")
    parser.add_argument("--ratings", type=nonempty("a file of rated pairs"), metavar="FILE", help="with --corpus: rated pairs (CSV id_a,id_b,similarity)")
    parser.add_argument("--format", choices=FORMATS, help="with --corpus: its input format (default: guessed from the name)")
    parser.add_argument("--tag-delimiter", metavar="C",
                        help="with --corpus: separator of tags in a CSV cell, as given to python -m train (default: |)")
    parser.add_argument("--max-skipped", type=share, metavar="SHARE",
                        help=f"with --corpus: refuse it, as python -m train would, when more than this share of its "
                             f"records cannot be read (default: {MAX_SKIPPED}; 1: evaluate what was read)")
    parser.add_argument("--out", type=nonempty("a report folder"), metavar="DIR",
                        help="report folder (default: reports/latest for --all, the standard suite; reports/NAME for "
                             "--dataset or --corpus, NAME being the folder's or the file's name up to its first dot)")
    parser.add_argument("--weights", default=",".join(f"{w:g}" for w in DEFAULT_WEIGHTS), metavar="W,W,...",
                        help="tag weights to sweep (default: %(default)s)")
    parser.add_argument("--sample", type=whole(0, "a whole number, 0 or more"), default=DEFAULT_SAMPLE, metavar="N",
                        help="articles whose lists are judged per data set (default: %(default)s; 0: all)")
    parser.add_argument("--n-jobs", type=_jobs, default=-1, metavar="N", help="worker processes for fitting (default: all cores, -1)")
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="no progress on stderr, only notes and errors (the summary still goes to stdout; what was read "
                             "and skipped of each data set is in report.md)")
    return parser


def default_out(args: argparse.Namespace) -> Path:
    """Where a report goes without ``--out``: only the standard suite replaces ``reports/latest``,
    so evaluating one corpus never overwrites the suite's report."""
    if args.all:
        return Path("reports/latest")
    given = Path(args.dataset or args.corpus).absolute()
    return Path("reports") / (given.name.split(".")[0] or "corpus")


def _check_out(parser: argparse.ArgumentParser, out: Path) -> None:
    """A usage error, before any work, unless the report folder ``out`` is or can be made."""
    existing = next(p for p in (out.absolute(), *out.absolute().parents) if p.exists())
    if not existing.is_dir():
        parser.error(f"--out must be a folder, and {existing} is a file")
    try:  # a trial folder made and removed: permission bits do not tell root (or /proc) what it may write
        tempfile.TemporaryDirectory(dir=existing, prefix=".write-test-").cleanup()
    except OSError as exc:
        parser.error(f"--out: cannot write in {existing} ({exc.strerror or exc})")


def main(argv: Sequence[str] | None = None) -> int:
    with sigterm_as_interrupt() as stop:
        try:
            return _run(argv)
        except KeyboardInterrupt:
            print(f"error: {stop.word}; the report folder is as it was", file=sys.stderr)
            return stop.exit_code


def _run(argv: Sequence[str] | None) -> int:
    from .adapters import ADAPTERS, find_datasets, kind_of, load_custom, load_dataset

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.model and args.all:
        parser.error("--model goes with --corpus or --dataset: a model is trained on one corpus")
    if (args.related or args.ratings or args.format or args.tag_delimiter is not None or args.max_skipped is not None) and not args.corpus:
        parser.error("--related, --ratings, --format, --tag-delimiter and --max-skipped go with --corpus: the known data sets "
                     "bring their own files")
    for option, path in (("--related", args.related), ("--ratings", args.ratings)):
        if path is not None and not path.is_file():
            print(f"error: {path}: {'a folder, not a file' if path.is_dir() else 'no such file'} ({option})", file=sys.stderr)
            return 1
    if args.out is None:
        args.out = default_out(args)
    _check_out(parser, args.out)
    published = None
    if args.model:
        try:
            published = Published(args.model)
        except ArtifactError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    try:
        weights = sorted({float(w) for w in args.weights.split(",")} | {0.0})
    except ValueError:
        weights = None
    if weights is None or not all(0.0 <= w <= 1.0 for w in weights):
        parser.error(f"--weights must be tag weights between 0 and 1 separated by commas, got {args.weights!r}")
    sample = args.sample or None  # 0: every article
    left_out: list[str] = []
    folder = args.all or args.dataset
    if folder and not Path(folder).is_dir():
        print(f"error: {folder}: no such folder", file=sys.stderr)
        return 1
    if args.all:
        folders = find_datasets(args.all)
        if not folders and kind_of(args.all):
            print(f"error: {args.all} is itself a data set, with no data set folders inside it: evaluate it with --dataset "
                  f"{args.all}", file=sys.stderr)
            return 1
        if not folders:
            print(f"error: no known data set in {args.all} (looked for {', '.join(ADAPTERS)} and folders laid out "
                  "like them; see README \"Evaluation\"); --dataset FOLDER reads one such folder, --corpus FILE your "
                  "own corpus", file=sys.stderr)
            return 1
        left_out = sorted(d.name for d in Path(args.all).iterdir() if d.is_dir() and d not in folders and not d.name.startswith("."))
        if left_out:
            print(f"note: folders that are no known data set, left out: {', '.join(left_out)}", file=sys.stderr)
        loaders = [(lambda f=f: load_dataset(f)) for f in folders]
    elif args.dataset:
        loaders = [lambda: load_dataset(args.dataset)]
    else:
        loaders = [lambda: load_custom(args.corpus, related=args.related, ratings=args.ratings, fmt=args.format,
                                         tag_delimiter="|" if args.tag_delimiter is None else args.tag_delimiter,
                                         max_skipped=MAX_SKIPPED if args.max_skipped is None else args.max_skipped,
                                         warn=lambda message: print(f"warning: {message}", file=sys.stderr, flush=True))]
    began = time.perf_counter()
    sets = []
    for load in loaders:  # every data set is read before any is evaluated: a bad one costs seconds, not a run
        try:
            sets.append(load())
            if published:
                published.check(sets[-1].articles)
        except (OSError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    tuned_kinds: tuple[str, ...] = ()
    if published:
        tuning = published.model.manifest_.get("tuning") or {}
        tuned_on = tuning.get("ground_truth")

        def read_by_tuning(path: Path) -> bool:
            if tuning.get("ground_truth_sha256"):  # the same judgements under any name
                return tuning["ground_truth_sha256"] == file_digest(path)
            return bool(tuned_on) and Path(tuned_on).resolve() == Path(path).resolve()  # tuned before the digest was kept

        tuned_kinds = tuple(kind for kind, path in (("related", args.related), ("ratings", args.ratings)) if path and read_by_tuning(path))
    datasets, failed = [], []
    for es in sets:
        systems = standard_systems(weights, n_jobs=args.n_jobs) + ([published] if published else [])
        try:  # tuning's half is the same whatever it fitted on: the ground truth's pairs are split, not the articles
            datasets.append(evaluate_set(es, systems, sample=sample, log=(lambda message: None) if args.quiet else _log,
                                         published_tuned=tuned_kinds))
        except ValueError as exc:  # a corpus the models cannot fit, such as one without a usable word
            print(f"error: {es.name}: {exc}", file=sys.stderr)
            failed.append({"dataset": es.name, "reason": str(exc)})
    if not datasets:
        return 1
    settings = {"weights": weights, "sample": sample, "list_k": LIST_K, "related_k": RELATED_K,
                "knn_k": list(KNN_K), "knn_vote_powers": list(KNN_POWERS), "knn_thresholds": list(KNN_THRESHOLDS),
                "model_defaults": {k: v[0] for k, v in PARAMETERS.items()}}
    if published:
        settings["published_model"] = {"path": str(args.model), "version": published.model.manifest_["version"],
                                       "parameters": published.params, "tuned_on": tuned_on,
                                       "tuned_on_this_ground_truth": bool(tuned_kinds),
                                       "held_out": any(ds["published_tuned_on_half"] for ds in datasets)}
    if failed:
        settings["not_evaluated"] = failed
    if left_out:
        settings["left_out_folders"] = left_out
    command = "python -m train.evaluate " + " ".join(argv if argv is not None else sys.argv[1:])
    try:
        report = write_report(datasets, args.out, settings, command)
    except OSError as exc:
        print(f"error: the report could not be written to {args.out}: {exc}", file=sys.stderr)
        return 1
    report["out"] = str(args.out)
    print_result(summary_text(report, time.perf_counter() - began))
    if failed:
        print(f"error: not evaluated (see above): {', '.join(f['dataset'] for f in failed)}", file=sys.stderr)
        return 1
    return 0


def summary_text(report: dict[str, Any], seconds: float) -> str:
    lines = [f"evaluation report in {report['out']}"]
    for row in report["summary"]:
        lines.append(f"{row['dataset']:<30} {M.name(row['metric']):<18} MLT {_fmt(row.get('more_like_this'))}  YARPP {_fmt(row.get('yarpp'))}  "
                     f"words only {_fmt(row.get('words_only'))}  text only "
                     f"{_fmt(row['text_only'])}  best {_fmt(row['value'])}{_between(row.get('interval'))} at tag weight {row['tag_weight']:g}"
                     + (f"  published {_fmt(row['published'])}" if "published" in row else "")
                     + (f" (held-out half {_fmt(row['published_held_out'])})" if "published_held_out" in row else "")
                     + (f"  (held-out half: text only {_fmt(row['text_only_held_out'])}, words only "
                        f"{_fmt(row.get('words_only_held_out'))})" if "text_only_held_out" in row else ""))
    for ds in report["datasets"]:
        rows = _published_rows(ds)
        if rows:
            lines.append(f"{ds['dataset']}: {rows[0]['system']} against text only: " + "; ".join(
                f"{_row_figure(row)} {targets.standing(row['difference'], row['interval'])}" for row in rows))
    unjudged = _unjudged(report)
    if unjudged:
        lines.append(f"no figure to judge by (no ground truth, or none that gives a figure; report.md says which): "
                     f"{', '.join(unjudged)}")
    lines.append(f"({seconds:.0f} s; tables in report.md" + (", plot in tag_weight.png)" if report.get("plot") else
                 "; no plot: it needs the plot extra, pip install -e '.[plot]')" if report.get("summary") else ")"))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
