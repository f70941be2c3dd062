"""Parse and validate what a request brings: article ids in paths, query parameters, posted articles.

Each function returns clean values or raises :class:`~recommender.errors.ApiError` naming what is
wrong, so views never see bad input and the model never raises for it. An empty query value counts as
not given (as an HTML form sends it).
"""
from __future__ import annotations

import json
import math
import re
from typing import Any

from flask import current_app, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import PathConverter

from .errors import ApiError, invalid_parameter
from .fast_path import DEFAULT_K
from .model import METADATA_FIELDS, MIN_HALF_LIFE_DAYS
from .schema import Article, SchemaError, date_to_days, end_of_days, id_problem, parse_article, parse_date

MAX_K = 100
MAX_EXCLUDED = 1000
MAX_TEXT_PARAMETER = 200
_WHOLE = re.compile(r"[0-9]{1,12}")
_DECIMAL = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]{1,3})?")
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


class ArticleIdConverter(PathConverter):
    """The ``id`` URL converter: what ``path`` matches (slashes inside an id too), line breaks
    included, so that :func:`article_id` can refuse a control character with a 400 rather than the
    router a 404."""

    regex = r"[^/][\s\S]*?"


def article_id(value: str) -> str:
    """An article id from a URL path, or a 400 when no article can have it (:func:`schema.id_problem`)."""
    problem = id_problem(value)
    if problem:
        raise invalid_parameter("article_id", problem)  # the path parameter's name in /openapi.json
    return value


def _single(args: MultiDict, name: str) -> str | None:
    values = args.getlist(name)
    if len(values) > 1:
        raise invalid_parameter(name, f"{name} is given {len(values)} times; give it once")
    value = values[0].strip() if values else ""
    return value or None


def _k(args: MultiDict) -> int:
    value = _single(args, "k")
    if value is None:
        return DEFAULT_K
    if not _WHOLE.fullmatch(value) or not 1 <= int(value) <= MAX_K:
        raise invalid_parameter("k", f"k must be a whole number from 1 to {MAX_K}, got {value[:40]!r}")
    return int(value)


def _number(args: MultiDict, name: str, *, least: float) -> float | None:
    value = _single(args, name)
    if value is None:
        return None
    number = float(value) if _DECIMAL.fullmatch(value) else math.nan
    if not math.isfinite(number) or number < least:
        raise invalid_parameter(name, f"{name} must be a finite number, {least:g} or more, got {value[:40]!r}")
    return number


def _date(args: MultiDict, name: str) -> str | None:
    value = _single(args, name)
    try:
        return parse_date(value)
    except SchemaError:
        raise invalid_parameter(name, f"{name} must be an ISO 8601 date or datetime (2024-05-01), got {value[:40]!r}") from None


def _text(args: MultiDict, name: str) -> str | None:
    value = _single(args, name)
    if value is not None and len(value) > MAX_TEXT_PARAMETER:
        raise invalid_parameter(name, f"{name} has at most {MAX_TEXT_PARAMETER} characters")
    return value


def _explain(args: MultiDict) -> bool:
    value = _single(args, "explain")
    if value is None:
        return False
    if value.lower() not in _BOOLEANS:
        raise invalid_parameter("explain", f"explain must be true, false, 1 or 0, got {value[:40]!r}")
    return _BOOLEANS[value.lower()]


def _exclude(args: MultiDict) -> list[str]:
    """The ids of ``exclude`` values split at commas; a value with commas is also taken whole, as
    the id of an article whose id has commas (excluding an id no article has changes nothing)."""
    values = args.getlist("exclude")
    ids = [part.strip() for value in values for part in value.split(",") if part.strip()]
    if len(ids) > MAX_EXCLUDED:
        raise invalid_parameter("exclude", f"exclude takes at most {MAX_EXCLUDED} ids, got {len(ids)}")
    return ids + [value.strip() for value in values if "," in value]


#: The query parameters of a "like this" list; a name starting with ``_`` is let through unread (a
#: page's cache buster, such as jQuery's ``_=1718000000``).
RELATED_PARAMETERS = ("k", "exclude", "section", "since", "until", "min_score", "half_life_days", "explain")


def _refuse_unknown(args: MultiDict, known: tuple[str, ...]) -> None:
    unknown = [name for name in args if name not in known and not name.startswith("_")]
    if unknown:  # a typo (K=3, limit=3) answered as if not given looks like a bug of ours
        raise invalid_parameter(unknown[0][:40], f"unknown parameter {unknown[0][:40]!r}; the parameters are {', '.join(known)}")


def _parse_options(args: MultiDict) -> dict[str, Any]:
    _refuse_unknown(args, RELATED_PARAMETERS)
    options = {
        "k": _k(args),
        "exclude": _exclude(args),
        "section": _text(args, "section"),
        "since": _date(args, "since"),
        "until": _date(args, "until"),
        "min_score": _number(args, "min_score", least=0.0) or 0.0,
        "half_life_days": _number(args, "half_life_days", least=MIN_HALF_LIFE_DAYS),
        "explain": _explain(args),
    }
    if options["since"] and options["until"] and date_to_days(options["since"]) >= end_of_days(options["until"]):
        raise invalid_parameter("until", "until must not be before since")
    return options


#: The options of a request that gives none: the request the fast path answers (see :mod:`.fast_path`).
DEFAULT_OPTIONS = _parse_options(MultiDict())


def related_options(args: MultiDict) -> dict[str, Any]:
    """Keyword arguments for ``model.related`` and ``model.related_to`` from the query parameters."""
    if not args:  # the common request: no parsing (a fresh copy, since callers may change it)
        return {**DEFAULT_OPTIONS, "exclude": []}
    return _parse_options(args)


def search_query(args: MultiDict) -> str:
    """The title search of the preview index (``q``), possibly empty."""
    _refuse_unknown(args, ("q",))
    return _text(args, "q") or ""


def json_body() -> Any:
    """The request's JSON body: 415 when it is not sent as JSON, 413 when too large, 400 when broken."""
    if not request.is_json:
        shown = request.mimetype or "none"
        raise ApiError(415, "unsupported_media_type", f"send the article as JSON with Content-Type: application/json (got {shown[:60]})")
    encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise ApiError(415, "unsupported_media_type", f"send the article uncompressed (got Content-Encoding: {encoding[:40]})")
    data = request.get_data(cache=False)  # raises 413 past MAX_CONTENT_LENGTH when the length is given
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is None and limit is not None and len(data) >= limit and request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge()  # a chunked body is read up to the limit: more left is too large, not cut off
    try:
        return json.loads(data, parse_constant=_not_json)
    except RecursionError:
        raise ApiError(400, "invalid_json", "the body is JSON nested too deeply") from None
    except ValueError as exc:
        raise ApiError(400, "invalid_json", f"the body is not valid JSON: {exc}") from None


def _not_json(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")  # Python's json reads NaN and Infinity; JSON has neither


def posted_article(record: Any) -> tuple[Article, dict[str, Any]]:
    """The posted article and the metadata fields it gave (echoed in the answer); 422 names a bad field."""
    try:
        article = parse_article(record, require_id=False)
    except SchemaError as exc:
        raise ApiError(422, "invalid_article", str(exc), field=exc.field) from None
    given = article.to_dict()
    # an id given as "" or null is no id (the article is unseen): not echoed either
    return article, {name: given[name] for name in METADATA_FIELDS if name in record and (name != "id" or article.id)}
