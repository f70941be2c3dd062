"""Reuters-21578 (Distribution 1.0): a folder of ``reut2-*.sgm`` SGML files in Latin-1.

The SGML is regular but not well-formed XML (bare ``&`` and ``<`` in the text), so each
``<REUTERS ...>`` element is taken apart with regular expressions. Mapping to the schema:

- ``id``: the NEWID attribute;
- ``title``: TEXT/TITLE, or when there is none, the first line of the text (at most its first
  sentence and 15 words);
- ``body``: TEXT/BODY, or for ``TEXT TYPE="UNPROC"`` without a BODY, the whole text of TEXT;
- ``published_at``: DATE, ``26-FEB-1987 15:01:01.79`` becoming ``1987-02-26T15:01:01``;
- ``tags``: the ``<D>`` values of PLACES, PEOPLE, ORGS, EXCHANGES and COMPANIES, in that order;
- ``labels``: the ``<D>`` values of TOPICS (ground truth, never tags); ``url`` and ``section`` are empty.

The LEWISSPLIT and TOPICS attributes have no place in the schema; :func:`read_splits` returns them.
"""
from __future__ import annotations

import datetime as _dt
import html
import re
from pathlib import Path
from typing import Callable, Iterator

from recommender.schema import Article, SchemaError, parse_article

from . import BadRecord, LoadError, first_sentence
from .text_encoding import read_bytes

FILE_PATTERN = "reut2-*.sgm"
TAG_ELEMENTS = ("PLACES", "PEOPLE", "ORGS", "EXCHANGES", "COMPANIES")
TITLE_WORDS = 15
MONTHS = {m: i for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(), start=1)}

_ELEMENT = re.compile(r"<REUTERS\b([^>]*)>(.*?)</REUTERS>", re.S)
_OPENING = re.compile(r"<REUTERS\b([^>]*)>")
_ATTRIBUTE = re.compile(r'([A-Z]+)="([^"]*)"')
_D = re.compile(r"<D>(.*?)</D>", re.S)
_TEXT = re.compile(r"<TEXT\b([^>]*)>(.*?)</TEXT>", re.S)
_TEXT_PARTS = re.compile(r"<(TITLE|DATELINE|AUTHOR)>.*?</\1>|</?BODY>", re.S)
_DATE = re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{4})")
_TIME = re.compile(r"\s+(\d{1,2}):(\d{2}):(\d{2})")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")


def files_in(folder: Path) -> list[Path]:
    """List the ``reut2-*.sgm`` files of ``folder`` in sorted order.

    Parameters
    ----------
    folder : Path
        The Reuters-21578 folder.

    Returns
    -------
    list of Path
        The SGML files.

    Raises
    ------
    LoadError
        When ``folder`` is missing, is not a folder, or holds no ``reut2-*.sgm`` file.
    """
    folder = Path(folder)
    if not folder.exists():
        raise LoadError(f"{folder}: no such file or directory")
    if not folder.is_dir():
        raise LoadError(f"{folder}: the reuters format needs the folder of {FILE_PATTERN} files")
    files = sorted(folder.glob(FILE_PATTERN))
    if not files:
        raise LoadError(f"{folder}: no {FILE_PATTERN} files in this folder")
    return files


def read(path: Path, *, warn: Callable[[str], None] | None = None) -> Iterator[Article | BadRecord]:
    """Read every ``<REUTERS>`` element of the folder's SGML files.

    Parameters
    ----------
    path : Path
        The folder holding ``reut2-*.sgm``.
    warn : callable, optional
        Receives a warning for a DATE that cannot be read fully (the article is kept, with the
        day only or with no date).

    Yields
    ------
    Article or BadRecord
        An article per element; a :class:`BadRecord` with the line where ``<REUTERS`` starts for an
        element with neither TITLE nor text (``"no title or text"``) or a schema error.

    Raises
    ------
    LoadError
        When the folder or one of its files cannot be read.
    """
    for file in files_in(path):
        source = str(file)
        text = read_bytes(file).decode("latin-1")
        line, seen = 1, 0
        for match in _ELEMENT.finditer(text):
            line += text.count("\n", seen, match.start())
            seen = match.start()
            yield _article(match, source, line, warn)


def read_splits(folder: Path) -> dict[str, tuple[str, str]]:
    """Map each NEWID to its ``(LEWISSPLIT, TOPICS attribute)`` pair.

    The ModApte split is LEWISSPLIT ``TRAIN`` with TOPICS ``YES`` (training) and LEWISSPLIT
    ``TEST`` with TOPICS ``YES`` (test); other documents are outside it.

    Parameters
    ----------
    folder : Path
        The folder holding ``reut2-*.sgm``.

    Returns
    -------
    dict of str to (str, str)
        For example ``{"1": ("TRAIN", "YES"), ...}``.

    Raises
    ------
    LoadError
        When the folder or one of its files cannot be read.
    """
    splits: dict[str, tuple[str, str]] = {}
    for file in files_in(folder):
        for match in _OPENING.finditer(read_bytes(file).decode("latin-1")):
            attributes = dict(_ATTRIBUTE.findall(match.group(1)))
            if "NEWID" in attributes:
                splits[attributes["NEWID"]] = (attributes.get("LEWISSPLIT", ""), attributes.get("TOPICS", ""))
    return splits


def _article(match: re.Match[str], source: str, line: int, warn: Callable[[str], None] | None) -> Article | BadRecord:
    attributes = dict(_ATTRIBUTE.findall(match.group(1)))
    element = match.group(2)
    text_match = _TEXT.search(element)
    text_type, text = (text_match.group(1), text_match.group(2)) if text_match else ("", "")
    title = _collapse(_clean(_child(text, "TITLE")))
    body = _clean(_child(text, "BODY")).strip()
    content = _clean(_TEXT_PARTS.sub(" ", text)).strip()
    if not body and 'TYPE="UNPROC"' in text_type:
        body = content
    if not title:  # briefs and tables: their first line reads as a headline
        title = first_sentence((body or content).strip().split("\n", 1)[0], TITLE_WORDS)
    if not title:
        return BadRecord(source, line, "no title or text")
    record = {
        "id": attributes.get("NEWID", ""),
        "title": title,
        "body": body,
        "tags": [value for name in TAG_ELEMENTS for value in _values(element, name)],
        "labels": _values(element, "TOPICS"),
        "published_at": _date(_child(element, "DATE"), f"{source}:{line}", warn),
    }
    try:
        return parse_article(record)
    except SchemaError as exc:
        return BadRecord(source, line, str(exc))


def _child(text: str, name: str) -> str:
    """The raw content of the first ``<name>...</name>`` in ``text``, or ``""``."""
    start = text.find(f"<{name}>")
    if start < 0:
        return ""
    start += len(name) + 2
    end = text.find(f"</{name}>", start)
    return text[start:] if end < 0 else text[start:end]


def _values(element: str, name: str) -> list[str]:
    return [_collapse(_clean(value)) for value in _D.findall(_child(element, name))]


def _clean(raw: str) -> str:
    return _CONTROL.sub("", html.unescape(raw))


def _collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _date(raw: str, where: str, warn: Callable[[str], None] | None) -> str | None:
    """``26-FEB-1987 15:01:01.79`` as ``1987-02-26T15:01:01``; the day only when the time is unreadable."""
    raw = _clean(raw).strip()
    day = _DATE.match(raw)
    moment = None
    if day and day.group(2).upper() in MONTHS:
        try:
            moment = _dt.date(int(day.group(3)), MONTHS[day.group(2).upper()], int(day.group(1)))
        except ValueError:
            moment = None
    if moment is None:
        if warn is not None:
            warn(f"{where}: unreadable DATE {raw[:40]!r}, left empty")
        return None
    time = _TIME.match(raw, day.end())
    if time:
        try:
            hour, minute, second = (int(g) for g in time.groups())
            return _dt.datetime(moment.year, moment.month, moment.day, hour, minute, second).isoformat()
        except ValueError:
            pass
    if warn is not None:
        warn(f"{where}: unreadable time in DATE {raw[:40]!r}, kept the day only")
    return moment.isoformat()
