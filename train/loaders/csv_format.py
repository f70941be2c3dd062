"""CSV with a header row naming the fields of the article schema.

Columns not in the schema are ignored. The ``tags`` and ``labels`` cells hold several values split
on ``tag_delimiter`` (default ``"|"``). Quoted cells may span lines; a record's line number is the
physical line where it starts. Blank rows are ignored.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Callable, Iterator

from recommender.schema import Article, SchemaError, parse_article

from . import BadRecord, LoadError
from .text_encoding import read_text

LIST_FIELDS = ("tags", "labels")


def csv_rows(text: str) -> Iterator[tuple[int, list[str] | csv.Error]]:
    """``(line, cells)`` for each non-blank row of CSV text, or ``(line, error)`` for a row the csv
    module cannot parse; ``line`` is the physical line where the row starts (quoted cells may span
    lines)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, exc
            start = reader.line_num + 1
            continue
        line, start = start, reader.line_num + 1
        if any(cell.strip() for cell in row):
            yield line, row


_OTHER_SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "bars"}  # named when a header row is one cell


def separator_hint(header: list[str]) -> str:
    """What an error about a header row adds when the row is one cell holding another separator."""
    other = next((d for d in _OTHER_SEPARATORS if len(header) == 1 and d in header[0]), None)
    return f"; this one is a single cell: separate the fields with commas, not {_OTHER_SEPARATORS[other]}" if other else ""


def read(
    path: Path, *, tag_delimiter: str = "|", warn: Callable[[str], None] | None = None
) -> Iterator[Article | BadRecord]:
    """Read a CSV file whose first row names the fields.

    Parameters
    ----------
    path : Path
        The file (decoded once as a whole; see :mod:`.text_encoding`).
    tag_delimiter : str
        Separator of the values in the ``tags`` and ``labels`` cells; ``""`` keeps a cell whole.
    warn : callable, optional
        Receives a warning when the file is not UTF-8 or is empty.

    Yields
    ------
    Article or BadRecord
        An article per valid row; a :class:`BadRecord` for a row with the wrong number of cells,
        a row the csv module cannot parse, or a schema error.

    Raises
    ------
    LoadError
        When the file cannot be read, or its header row lacks ``id`` or ``title``.
    """
    source = str(path)
    header: list[str] | None = None
    for line, row in csv_rows(read_text(path, warn)):
        if isinstance(row, csv.Error):
            yield BadRecord(source, line, f"unreadable CSV row: {row}")
            continue
        if header is None:
            header = [name.strip().lower() for name in row]
            shown = ", ".join(name or "''" for name in header[:12]) + (", ..." if len(header) > 12 else "")
            if "id" not in header and "title" not in header:
                raise LoadError(f"{path}: the first row must name the fields (id,title,body,...); it names {shown}"
                                f"{separator_hint(row)}")
            missing = next((name for name in ("id", "title") if name not in header), None)
            if missing:  # said once, not once for every row
                raise LoadError(f"{path}: the header row has no {missing} column, which every article needs (its "
                                f"columns: {shown}); name the column {missing!r}")
            continue
        if len(row) != len(header):
            yield BadRecord(source, line, "wrong number of cells")
            continue
        record: dict[str, object] = dict(zip(header, row))
        for name in LIST_FIELDS:
            cell = record.get(name)
            if isinstance(cell, str):
                record[name] = cell.split(tag_delimiter) if tag_delimiter else [cell]
        try:
            yield parse_article(record)
        except SchemaError as exc:
            yield BadRecord(source, line, str(exc))
    if header is None and warn is not None:
        warn(f"{path}: empty file")
