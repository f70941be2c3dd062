"""Plain text with one document per line (e.g. the Lee 2005 background corpus).

The id is the line number, the title the line's first sentence (at most 15 words) and the body the
whole line. Blank lines are skipped without a report.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

from recommender.schema import Article, SchemaError, parse_article

from . import BadRecord, first_sentence
from .text_encoding import read_text

TITLE_WORDS = 15


def read(path: Path, *, warn: Callable[[str], None] | None = None) -> Iterator[Article | BadRecord]:
    """Read a file with one document per line.

    Parameters
    ----------
    path : Path
        The file (decoded once as a whole; see :mod:`.text_encoding`).
    warn : callable, optional
        Receives a warning when the file is not UTF-8.

    Yields
    ------
    Article or BadRecord
        An article per non-blank line, with ``id`` the 1-based line number as a string.

    Raises
    ------
    LoadError
        When the file cannot be read.
    """
    source = str(path)
    text = read_text(path, warn)
    for number, line in enumerate(text.split("\n"), start=1):
        body = line.strip()
        if not body:
            continue
        record = {"id": str(number), "title": first_sentence(body, TITLE_WORDS), "body": body}
        try:
            yield parse_article(record)
        except SchemaError as exc:
            yield BadRecord(source, number, str(exc))
