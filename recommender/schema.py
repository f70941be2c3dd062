"""The article schema: one place that says what a valid article is.

Every loader, the training job, the service's ``POST /related`` and the evaluation turn their raw
records into :class:`Article` through :func:`parse_article`, so a record is judged the same way
wherever it comes from.
"""
from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from dataclasses import dataclass, field, fields
from typing import Any, Mapping

OPTIONAL_TEXT_FIELDS = ("subtitle", "body", "url", "section", "language")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _whole_characters(text: str) -> str:
    """``text`` without lone UTF-16 surrogates (what a title cut in the middle of an emoji leaves,
    written as a JSON ``\\ud83d`` escape): they are half a character and cannot be written as UTF-8."""
    return text if text.isascii() else _LONE_SURROGATE.sub("", text)


class SchemaError(ValueError):
    """A record that is not a valid article. ``field`` names the offending field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Article:
    """One news article in the schema of DESIGN.md.

    ``labels`` are ground-truth categories people assigned (Reuters TOPICS, BBC categories). The model
    never reads them; only the evaluation does.
    """

    id: str
    title: str
    subtitle: str = ""
    body: str = ""
    tags: tuple[str, ...] = ()
    published_at: str | None = None
    url: str = ""
    section: str = ""
    language: str = ""
    labels: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in _FIELDS}  # not dataclasses.asdict: it deep-copies each tag
        d["tags"] = list(self.tags)
        d["labels"] = list(self.labels)
        return d


_FIELDS = fields(Article)


#: The ISO 8601 shapes read as dates (Python's ``fromisoformat`` alone also takes any character
#: between date and time, a 5,000-digit number as a date and time, and a week without its day).
_ISO_DATE = re.compile(
    r"(?:\d{4}-\d{2}-\d{2}|\d{8}|\d{4}-W\d{2}-\d|\d{4}W\d{3})"  # 2024-05-01, 20240501, 2024-W18-3, 2024W183
    r"(?:[T ]\d{2}(?::?\d{2}(?::?\d{2}(?:[.,]\d+)?)?)?"  # T09, T09:30, T09:30:00.123, T093000
    r"(?:Z|[+-]\d{2}(?::?\d{2})?)?)?",  # Z, +02, +02:00, -0500
    re.ASCII,
)


def parse_date(value: Any, field: str = "published_at") -> str | None:
    """Validate an ISO 8601 date or datetime and return it as given (stripped); ``None`` if empty.
    A ``datetime.date`` or ``datetime.datetime`` (from Python callers) is returned in ISO form.
    ``field`` names the value in the :class:`SchemaError` (``since`` for a filter, say)."""
    if value is None or value == "":
        return None
    if isinstance(value, _dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        raise SchemaError(f"{field} must be an ISO 8601 date string", field)
    text = value.strip()
    try:
        if not _ISO_DATE.fullmatch(text):
            raise ValueError(text)
        _dt.datetime.fromisoformat(text)
    except ValueError:
        raise SchemaError(f"{field} is not an ISO 8601 date (YYYY-MM-DD) or datetime", field) from None
    return text


def date_to_days(value: str | None) -> float:
    """Days since 1970-01-01 (UTC) of an ISO date, or NaN when there is none."""
    if not value:
        return float("nan")
    moment = _dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    return moment.timestamp() / 86400.0


def end_of_days(value: str) -> float:
    """The first moment after an inclusive ``until`` bound, in :func:`date_to_days` units: a date
    without a time (``2024-05-01``, ``20240501``, ``2024-W18``) covers its whole day."""
    try:
        _dt.date.fromisoformat(value)
    except ValueError:
        return date_to_days(value) + 1e-9  # a moment: the bound itself, allowing for rounding
    return date_to_days(value) + 1.0


def _string_list(value: Any, name: str) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise SchemaError(f"{name} must be a list of strings", name)
    return tuple(v for v in (_whole_characters(v).strip() for v in value) if v)


#: the longest article id: URLs carry ids, and the service refuses longer ones before looking them up
MAX_ID_LENGTH = 512


def id_problem(value: str) -> str | None:
    """Why ``value`` cannot be an article id (too long, or a control character), or None when it can."""
    if len(value) > MAX_ID_LENGTH:
        return f"an article id has at most {MAX_ID_LENGTH} characters, this one {len(value)}"
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in value):
        return "an article id cannot contain control characters or lone UTF-16 surrogates"
    return None


def parse_article(record: Mapping[str, Any], *, require_id: bool = True) -> Article:
    """Turn a raw mapping into an :class:`Article`, or raise :class:`SchemaError` saying why not.

    Whole numbers given as ``id`` are accepted and turned into strings; an id has at most
    :data:`MAX_ID_LENGTH` characters and no control character (see :func:`id_problem`). ``tags``
    may be a list of strings or one comma-separated string. Unknown fields are ignored. With
    ``require_id=False`` (an article posted to the service that the model has not seen) a missing
    id becomes ``""``.
    """
    if not isinstance(record, Mapping):
        raise SchemaError("an article must be a JSON object")
    raw_id = record.get("id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, (str, int)) or str(raw_id).strip() == "":
        if require_id or not (raw_id is None or isinstance(raw_id, str)):  # posted: a blank id is no id
            need = "is required and must be" if require_id else "may be left out; when given it must be"
            raise SchemaError(f"id {need} a non-empty string or a whole number", "id")
        raw_id = ""
    problem = id_problem(str(raw_id).strip())
    if problem:
        raise SchemaError(problem, "id")
    title = record.get("title")
    if title is not None and not isinstance(title, str):
        raise SchemaError("title must be a string", "title")
    values: dict[str, str] = {}
    for name in OPTIONAL_TEXT_FIELDS:
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            raise SchemaError(f"{name} must be a string", name)
        values[name] = _whole_characters(value or "").strip()
    title = _whole_characters(title or "").strip()
    if not title:
        if require_id:
            raise SchemaError("title is required and must not be blank", "title")
        if not values["body"]:
            raise SchemaError("an article needs a title or a body", "title")
    return Article(
        id=str(raw_id).strip(),
        title=title,
        tags=_string_list(record.get("tags"), "tags"),
        labels=_string_list(record.get("labels"), "labels"),
        published_at=parse_date(record.get("published_at")),
        **values,
    )
