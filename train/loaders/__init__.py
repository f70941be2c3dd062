"""Loaders: turn article sources into :class:`recommender.schema.Article` records.

Each format is a small module with one function ``read(path, **options)`` that yields
``Article`` or :class:`BadRecord` items. :func:`load_articles` is the one entry point: it guesses the
format, counts what was read and skipped, and stops at the first bad record when ``strict``.
"""
from __future__ import annotations

import importlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from recommender.schema import Article, date_to_days

FORMATS = ("jsonl", "csv", "reuters", "folder", "lines")


class LoadError(Exception):
    """Input that cannot be read at all, or a bad record under ``strict``. One line, for the user."""


@dataclass(frozen=True)
class BadRecord:
    """A record that was not loaded: where it was and why."""

    source: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.reason}"


@dataclass
class LoadReport:
    """What a load did: articles read, records skipped (with reasons) and warnings (e.g. encodings)."""

    read: int = 0
    skipped: list[BadRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def skipped_by_reason(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for bad in self.skipped:
            counts[bad.reason] = counts.get(bad.reason, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


# Which module reads each format. Imported lazily so that the format modules can import the
# classes above from this package without a circular import.
_MODULES = {
    "jsonl": "jsonl",
    "csv": "csv_format",
    "reuters": "reuters",
    "folder": "folder",
    "lines": "lines",
}
_SUFFIXES = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".txt": "lines",
    ".cor": "lines",
}
PROGRESS_EVERY = 1000

# Words ending in "." that do not end a sentence (checked lower-cased, without the final dot).
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr st jr sr prof gen gov sen rep inc corp co ltd bros no vs etc "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
_CLOSERS = "\"')]}\u2019\u201d"


def first_sentence(text: str, max_words: int = 15) -> str:
    """Return the first sentence of ``text``, cut to at most ``max_words`` words.

    Parameters
    ----------
    text : str
        Any text; runs of whitespace (including newlines) count as one space.
    max_words : int
        The most words kept. No ellipsis is added when the sentence is cut.

    Returns
    -------
    str
        The words up to and including the first one that ends a sentence (``.``, ``!`` or ``?``,
        possibly followed by a closing quote or bracket), or the first ``max_words`` words.
        Initials such as ``U.S.`` and a few common abbreviations (``Mr.``, ``Inc.``, ``Feb.``) do
        not end a sentence. ``""`` for blank text.
    """
    kept: list[str] = []
    for word in text.split():
        kept.append(word)
        if len(kept) >= max_words or _ends_sentence(word):
            break
    return " ".join(kept)


def _ends_sentence(word: str) -> bool:
    core = word.rstrip(_CLOSERS)
    if not core or core[-1] not in ".!?":
        return False
    if core[-1] != ".":
        return True
    stem = core.rstrip(".")
    if "." in stem or (len(stem) == 1 and stem.isalpha()):
        return False  # initials: U.S., J.
    return stem.lower() not in _ABBREVIATIONS


def guess_format(path: Path) -> str:
    """Guess the input format of ``path`` from what it is and its name.

    Parameters
    ----------
    path : Path
        A file or a folder.

    Returns
    -------
    str
        ``"reuters"`` for a folder holding ``reut2-*.sgm`` files, ``"folder"`` for any other folder,
        ``"jsonl"`` for ``*.jsonl``/``*.ndjson``/``*.json``, ``"csv"`` for ``*.csv`` and
        ``"lines"`` for ``*.txt``/``*.cor`` (suffixes compared case-insensitively; a ``.gz`` after
        them is gzip, read decompressed).

    Raises
    ------
    LoadError
        For a single ``*.sgm`` file (the Reuters reader takes the folder) and for any other
        suffix; the message names the file and suggests ``--format``.
    """
    path = Path(path)
    if path.is_dir():
        return "reuters" if any(path.glob("reut2-*.sgm")) else "folder"
    suffix = path.suffix.lower()
    if suffix == ".gz" and len(path.suffixes) > 1:  # FILE.jsonl.gz: read decompressed (see .text_encoding)
        suffix = path.suffixes[-2].lower()
    if suffix == ".sgm":
        raise LoadError(
            f"{path}: the reuters format reads a folder of reut2-*.sgm files; give the folder, not one file"
        )
    if suffix not in _SUFFIXES:
        raise LoadError(
            f"{path}: cannot guess the format from the name; use --format ({', '.join(FORMATS)})"
        )
    return _SUFFIXES[suffix]


def load_articles(
    paths: Iterable[Path | str],
    fmt: str | None = None,
    *,
    strict: bool = False,
    report: LoadReport | None = None,
    tag_delimiter: str = "|",
    on_progress: Callable[[LoadReport], None] | None = None,
) -> Iterator[Article]:
    """Read articles from files and folders, counting what was read and skipped.

    Parameters
    ----------
    paths : iterable of Path or str
        Inputs, read one after the other.
    fmt : str, optional
        One of :data:`FORMATS` for every input; by default guessed per input by
        :func:`guess_format`.
    strict : bool
        Stop with :class:`LoadError` at the first bad record instead of skipping it.
    report : LoadReport, optional
        Filled in as the load goes: ``read`` counts articles, ``skipped`` collects
        :class:`BadRecord` items and ``warnings`` collects messages such as encoding fallbacks.
    tag_delimiter : str
        Separator of the ``tags`` and ``labels`` cells in CSV input.
    on_progress : callable, optional
        Called with ``report`` after every 1000 articles read.

    Yields
    ------
    Article
        Each valid article, in input order. Duplicate ids are passed through.

    Raises
    ------
    LoadError
        For a missing or unreadable input, an unknown format, or (with ``strict``) a bad record;
        the message names the file (and the line when known).
    """
    if report is None:
        report = LoadReport()
    tomorrow, future = time.time() / 86400.0 + 1, []
    if fmt is not None and fmt not in _MODULES:
        raise LoadError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise LoadError(f"{path}: no such file or directory")
        name = fmt or guess_format(path)
        module = importlib.import_module(f"{__name__}.{_MODULES[name]}")
        options: dict[str, object] = {"warn": report.warnings.append}
        if name == "csv":
            options["tag_delimiter"] = tag_delimiter
        for item in module.read(path, **options):
            if isinstance(item, BadRecord):
                if strict:
                    raise LoadError(f"{item} (strict mode stops at the first bad record)")
                report.skipped.append(item)
                continue
            report.read += 1
            if on_progress is not None and report.read % PROGRESS_EVERY == 0:
                on_progress(report)
            days = date_to_days(item.published_at)  # NaN when undated: never later than tomorrow
            if days > tomorrow:
                future.append((days, item.published_at, item.id))
            yield item
    if future:
        _, latest, article = max(future)
        report.warnings.append(
            f"articles dated more than a day after this run: {len(future):,} (the latest {latest}, article {article!r}; "
            f"a typo in the year?); lists, age gaps and half_life_days take the dates as given")
