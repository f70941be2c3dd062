"""``python -m train INPUT... --out MODELS_DIR``: the nightly retraining job's command line."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

from recommender.model import PARAMETERS

from recommender import artifact

from .job import MAX_SHRINK, MAX_SKIPPED, TUNE_SAMPLE, InvalidSetting, JobError, train
from .loaders import FORMATS
from .options import nonempty, print_result, share, sigterm_as_interrupt, whole


def _number(text: str) -> float:
    """An int for a count of documents ("2"), a float for a share of them ("0.5")."""
    try:
        return int(text) if text.isdigit() else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def _bool(text: str) -> bool:
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def _pair(text: str) -> tuple[int, int]:
    low, _, high = text.partition(",")
    try:
        return int(low), int(high or low)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected two whole numbers as 1,2 (or one), got {text!r}") from None


def _dims(text: str) -> int | tuple[int, ...]:
    """Topic resolutions: ``50``, or several as ``20,50,100``."""
    try:
        parts = [int(p) for p in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of topics or several as 20,50,100, got {text!r}") from None
    return parts[0] if len(parts) == 1 else tuple(parts)


def _synonyms(path: str) -> dict[str, str]:
    try:
        table = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise argparse.ArgumentTypeError(f"cannot read synonyms file {path}: {exc}") from None
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise argparse.ArgumentTypeError(f"{path}: expected a JSON object of alias -> tag")
    return table


def _stop_words(text: str) -> str | list[str] | None:
    """``english``, ``none``, or a UTF-8 file of stop words: one a line, blank lines and lines
    starting with ``#`` skipped."""
    if text.lower() in ("english", "none"):
        return _optional(text.lower())
    try:
        lines = Path(text).read_text(encoding="utf-8").splitlines()
    except (OSError, ValueError) as exc:
        raise argparse.ArgumentTypeError(f"expected english, none or a file of stop words, one a line; cannot read {text}: "
                                         f"{getattr(exc, 'strerror', None) or exc}") from None
    words = sorted({w for w in (line.strip() for line in lines) if w and not w.startswith("#")})
    if not words:
        raise argparse.ArgumentTypeError(f"{text}: no stop words in it (one a line)")
    return words


def _optional(text: str) -> str | None:
    """A language name in any case (the stemmers' names are lower case), or ``none`` for None."""
    return None if text.lower() == "none" else text.lower()


_NOT_GIVEN = object()  # a model setting left at the model's default

# how each model parameter is spelled on the command line; the help comes from PARAMETERS
PARSERS: dict[str, tuple[Callable[[str], Any], str]] = {
    "tag_weight": (float, "W"),
    "title_weight": (float, "X"),
    "ngram_range": (_pair, "MIN,MAX"),
    "min_df": (_number, "N"),
    "max_df": (_number, "N"),
    "stop_words": (_stop_words, "english|none|FILE"),
    "stemmer": (_optional, "LANGUAGE|none"),
    "sublinear_tf": (_bool, "true|false"),
    "topic_weight": (float, "L"),
    "topic_gate": (float, "G"),
    "topic_dims": (_dims, "N[,N...]"),
    "tag_synonyms": (_synonyms, "FILE.json"),
    "n_candidates": (int, "N"),
    "duplicate_threshold": (float, "T"),
    "headline_threshold": (float, "T"),
    "brief_threshold": (float, "T"),
    "search": (str, "auto|exact|approximate"),
    "search_budget": (float, "POSTINGS"),
    "search_pool": (int, "N"),
    "search_rounds": (int, "N"),
    "n_jobs": (int, "N"),
    "memory_mb": (float, "MIB"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m train",
        description="Train the related-article model on a corpus and publish a new model version.",
    )
    parser.add_argument("inputs", nargs="+", type=nonempty("a file or folder of articles"), metavar="INPUT", help="files or folders of articles")
    parser.add_argument("--out", required=True, type=nonempty("a models folder"), metavar="MODELS_DIR", help="models folder to publish into")
    parser.add_argument("--format", choices=FORMATS, help="input format (default: guessed from each input)")
    parser.add_argument("--strict", action="store_true", help="stop at the first bad record instead of skipping it")
    parser.add_argument("--max-skipped", type=share, default=MAX_SKIPPED, metavar="SHARE",
                        help=f"publish nothing when more than this share of the records are bad (default: {MAX_SKIPPED}; 1: publish what was read)")
    parser.add_argument("--max-shrink", type=share, default=MAX_SHRINK, metavar="SHARE",
                        help=f"publish nothing when the corpus has more than this share fewer articles than the current version "
                             f"(default: {MAX_SHRINK}; 1: publish whatever was read)")
    parser.add_argument("--keep", type=whole(1, "a number of model versions to keep, 1 or more (the one published)"), default=3, metavar="N", help="model versions to keep (default: 3)")
    parser.add_argument("--tag-delimiter", default="|", metavar="C", help="separator of tags in a CSV cell (default: |; '': each cell is one tag)")
    parser.add_argument("--tune", type=nonempty("a ground-truth file"), metavar="GROUND_TRUTH",
                        help="choose the topic weight (unless --topic-weight is given) and the tag weight (unless --tag-weight is given) on this ground truth (related ids as JSONL or CSV id_a,id_b; "
                             "or rated pairs as CSV id_a,id_b,similarity)")
    parser.add_argument("--tune-sample", type=whole(0, "a whole number of articles (0 or more)"), metavar="N",
                        help=f"with --tune, fit the tuning runs on at most N articles: all the ground truth names and evenly "
                             f"spaced others (default: {TUNE_SAMPLE:,}; 0: the whole corpus)")
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="print only warnings and errors on stderr, no progress (the new version still goes to stdout)")
    parser.add_argument("--dask", metavar="tcp://HOST:PORT", type=nonempty("a Dask scheduler's address (tcp://HOST:PORT)", str.strip),
                        help="run the candidate search on the Dask cluster of this scheduler (needs the dask extra)")
    model = parser.add_argument_group("model settings")
    for name, (parse, metavar) in PARSERS.items():
        default, text = PARAMETERS[name]
        shown = "all cores" if name == "n_jobs" else default
        model.add_argument(
            "--" + name.replace("_", "-"), dest=name, type=parse, metavar=metavar, default=_NOT_GIVEN,
            help=f"{text} (default: {shown})".replace("%", "%%"),  # argparse formats help with %
        )
    parser.set_defaults(n_jobs=-1)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.tune_sample is not None and args.tune is None:
        parser.error("--tune-sample goes with --tune: it sizes the tuning runs")
    # not "is not None": --stemmer none and --stop-words none are settings of None
    params = {name: getattr(args, name) for name in PARSERS if getattr(args, name) is not _NOT_GIVEN}
    before = artifact.named_by_pointer(args.out)
    with sigterm_as_interrupt() as stop:  # timeout, systemd, kill: stop as Ctrl-C does, cleaning up
        try:
            manifest = train(
                args.inputs, args.out, fmt=args.format, strict=args.strict, max_skipped=args.max_skipped,
                max_shrink=args.max_shrink, keep=args.keep,
                tag_delimiter=args.tag_delimiter, params=params, tune=args.tune,
                tune_sample=TUNE_SAMPLE if args.tune_sample is None else args.tune_sample, dask=args.dask,
                quiet=args.quiet,
            )
        except InvalidSetting as exc:  # checked before any work: a bad option, like argparse's own
            parser.error(str(exc))
        except JobError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            now = artifact.named_by_pointer(args.out)
            if now != before:  # stopped while pruning: the new version was already current
                print(f"error: {stop.word} after version {now} was made current; old versions may be left to prune", file=sys.stderr)
            else:
                print(f"error: {stop.word}; the previous model stays current", file=sys.stderr)
            return stop.exit_code
    print_result(manifest["version"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
