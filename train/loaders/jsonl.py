"""JSON Lines: one JSON object per line, in the fields of the article schema. Blank lines are ignored."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from recommender.schema import Article, SchemaError, parse_article

from . import BadRecord, LoadError
from .text_encoding import read_lines


class BadJSON(str):
    """Why a line of JSON Lines could not be read, as :func:`json_lines` yields it in place of a value."""


def json_lines(lines: Iterable[str]) -> Iterator[tuple[int, Any]]:
    """``(line, value)`` for each non-blank line of JSON Lines, or ``(line, BadJSON(why))`` for a
    line that cannot be read: not valid JSON, nested too deeply, or holding a number too long for
    Python to read (more than 4,300 digits), which must cost that line, not the whole file."""
    for number, line in enumerate(lines, start=1):
        if line.strip():
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as exc:  # one reason for alike lines: no column, and no "at" left hanging
                yield number, BadJSON(f"invalid JSON: {exc.msg.removesuffix(' at')}")
            except RecursionError:
                yield number, BadJSON("invalid JSON: nested too deeply")
            except ValueError:  # int() past sys.get_int_max_str_digits()
                yield number, BadJSON("a number too long to read (more than 4,300 digits)")


def _one_per_line(path: Path, lines: Iterator[str]) -> Iterator[str]:
    """``lines``, refused at once when the first that is not blank opens one JSON document: ``[``
    (an array, the usual CMS export) or a lone ``{`` (a pretty-printed object)."""
    for line in lines:
        head = line.strip()
        if head.startswith("["):
            raise LoadError(f"{path}: holds a JSON array, not one article per line (JSON Lines); convert it first, "
                            f"e.g. jq -c '.[]' {path} > articles.jsonl")
        if head == "{":
            raise LoadError(f"{path}: holds one JSON document spread over lines, not one article object per line "
                            "(JSON Lines); write each article on a line of its own")
        yield line
        if head:
            break
    yield from lines


def read(path: Path, *, warn: Callable[[str], None] | None = None) -> Iterator[Article | BadRecord]:
    """Read a JSON Lines file.

    Parameters
    ----------
    path : Path
        The file (read line by line, decoded as :mod:`.text_encoding` says).
    warn : callable, optional
        Receives a warning when the file is not UTF-8.

    Yields
    ------
    Article or BadRecord
        An article per valid line; a :class:`BadRecord` with the 1-based line number and reason
        ``"invalid JSON: <parser message>"`` or the schema error's message otherwise.

    Raises
    ------
    LoadError
        When the file cannot be read, or is one JSON document (an array of articles, or an object
        spread over lines) rather than JSON Lines.
    """
    source = str(path)
    for number, record in json_lines(_one_per_line(path, read_lines(path, warn))):
        if isinstance(record, BadJSON):
            yield BadRecord(source, number, record)
            continue
        try:
            yield parse_article(record)
        except SchemaError as exc:
            yield BadRecord(source, number, str(exc))
