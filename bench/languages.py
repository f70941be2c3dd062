"""Quality by language: Pearson of our pair scores against the human ratings of the SemEval-2022
Task 8 sample, for each language whose articles are rated against others in the same language.

    python bench/languages.py [--semeval FOLDER] [--languages en,zh,...]

Each language's articles are a corpus of their own (one model a language, as the README advises)
and are fitted three ways: the defaults (English stop words and stemmer), with the language's own
Snowball stemmer (``--stemmer``, where PyStemmer has one), and with ``max_df 0.3`` (words in more
than 30% of the articles left out: a stop list learned from the corpus). The intervals are the
evaluation's 95% bootstrap intervals over the pairs; a gain's is paired (both models on the same
resampled pairs). "unscored" counts pairs scored 0 (nothing in
common that the model reads). Nothing here is tuned: the figures report what a newsroom in that
language gets from the settings the README describes.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

# the project's folder, not bench/, first on the path: bench/train.py is not the train package
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.common import ROOT, machine, table  # noqa: E402

from recommender.model import RelatedArticles  # noqa: E402
from train import metrics as M  # noqa: E402
from train.adapters import load_semeval  # noqa: E402

#: PyStemmer's name for the Snowball stemmer of each language code of the file.
STEMMERS = {"ar": "arabic", "de": "german", "en": "english", "es": "spanish", "fr": "french", "it": "italian",
            "pl": "polish", "ru": "russian", "tr": "turkish"}
LANGUAGES = ("en", "zh", "de", "es", "fr", "it", "pl", "tr", "ru", "ar")


def questions(articles, pairs, **params) -> tuple[M.Questions | None, int]:
    """The Pearson of a model fitted with ``params`` as the evaluation's questions, and the pairs it scores 0."""
    model = RelatedArticles(**params).fit(articles)
    scores, ratings = [model.score(a, b) for a, b, _ in pairs], [r for *_, r in pairs]
    return M.pearson_questions(scores, ratings), sum(s == 0 for s in scores)


def cell(found: M.Questions | None, unscored: int) -> str:
    if found is None:
        return "undefined"
    between = M.interval(found)
    shown = f"{float(found.statistic(*found.columns)):.3f}" + (f" [{between[0]:.3f}, {between[1]:.3f}]" if between else "")
    return shown + (f", {unscored} unscored" if unscored else "")


def gain(a: M.Questions | None, b: M.Questions | None) -> str:
    """``a``'s Pearson minus ``b``'s, with the paired interval."""
    if a is None or b is None:
        return "-"
    between = M.difference_interval(a, b)
    shown = f"{float(a.statistic(*a.columns) - b.statistic(*b.columns)):+.3f}"
    return shown + (f" [{between[0]:+.3f}, {between[1]:+.3f}]" if between else "")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--semeval", type=Path, default=ROOT.parent / "shared" / "datasets" / "semeval2022_task8_hfl_sample",
                        help="the folder of the SemEval sample (default: ../shared/datasets/semeval2022_task8_hfl_sample)")
    parser.add_argument("--languages", default=",".join(LANGUAGES), help=f"language codes (default: {','.join(LANGUAGES)})")
    args = parser.parse_args(argv)
    rows = []
    for language in args.languages.split(","):
        es = load_semeval(args.semeval, language)
        if len(es.rated_pairs) < 3:
            print(f"{language}: {len(es.rated_pairs)} pairs, left out", file=sys.stderr)
            continue
        print(f"{language}: {len(es.rated_pairs)} pairs over {len(es.articles)} articles ...", file=sys.stderr, flush=True)
        stemmer = STEMMERS.get(language)
        defaults, unscored = questions(es.articles, es.rated_pairs)
        row = [language, len(es.rated_pairs), len(es.articles), cell(defaults, unscored)]
        if stemmer in (None, "english"):
            row += ["none" if stemmer is None else "as the defaults", "-"]
        else:
            own, unscored = questions(es.articles, es.rated_pairs, stemmer=stemmer)
            row += [cell(own, unscored), gain(own, defaults)]
        spread, unscored = questions(es.articles, es.rated_pairs, max_df=0.3)
        row += [cell(spread, unscored), gain(spread, defaults)]
        rows.append(row)
    print("\n".join(machine()))
    print(f"command: python bench/languages.py --semeval {args.semeval} --languages {args.languages}\n")
    print(table(["language", "pairs", "articles", "Pearson, defaults", "own stemmer", "its gain", "max_df 0.3", "its gain"], rows))


if __name__ == "__main__":
    main()
