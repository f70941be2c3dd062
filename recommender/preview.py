"""The editors' preview: an article shown as a news page would, with its "like this" list underneath,
and an index page that searches titles. Server-rendered with Jinja (autoescaped)."""
from __future__ import annotations

import datetime as _dt
import threading
import weakref
from itertools import islice
from typing import Any

import numpy as np
from flask import Blueprint, render_template, request, url_for

from . import inputs
from .api import related_items
from .holder import served_model
from .model import RelatedArticles
from .text import fold

bp = Blueprint("preview", __name__, url_prefix="/preview")

SEARCH_LIMIT = 50

_titles: "weakref.WeakKeyDictionary[RelatedArticles, list[tuple[str, int]]]" = weakref.WeakKeyDictionary()
_titles_lock = threading.Lock()


def _folded(text: str) -> str:
    """``text`` as a search compares it: case folded, then folded as the words are (:func:`fold`):
    accents dropped on Latin and Greek letters (``Grève`` → ``greve``), composed and decomposed forms
    alike, marks kept where they are part of the letter (ゾニー is not ソニー), soft hyphens left out."""
    return fold(text.casefold())


def _titles_of(model: RelatedArticles) -> list[tuple[str, int]]:
    """Every (folded title, row) of a model, newest first; built once per loaded model."""
    with _titles_lock:
        titles = _titles.get(model)
        if titles is None:
            newest_first = np.argsort(-np.asarray(model.published_days_), kind="stable")  # undated last
            titles = [(_folded(str(model.article_at(int(i)).get("title", ""))), int(i)) for i in newest_first]
            _titles[model] = titles
    return titles


def search_titles(model: RelatedArticles, query: str, limit: int = SEARCH_LIMIT) -> tuple[list[dict[str, Any]], int]:
    """Articles whose title contains ``query`` (case and accents aside), newest first: the first ``limit`` and the count."""
    needle = _folded(query)
    rows = [i for title, i in _titles_of(model) if needle in title]
    return [model.article_at(i) for i in islice(rows, limit)], len(rows)


@bp.app_template_filter("long_date")
def long_date(value: str | None) -> str:
    """``2024-05-01`` (or a datetime) as ``1 May 2024``; anything else as given."""
    if not value:
        return ""
    try:
        moment = _dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    return f"{moment.day} {moment:%B %Y}"


@bp.app_template_global("preview_url")
def preview_url(article_id: str) -> str:
    """The preview page of an article. A path segment that is ``.`` or ``..`` (an id such as ``..`` or
    ``a/../b``) is percent-encoded, since browsers resolve those segments before asking."""
    url = url_for("preview.article", article_id=article_id)
    return "/".join("%2E" * len(part) if part in (".", "..") else part for part in url.split("/"))


@bp.app_template_filter("web_url")
def web_url(value: str | None) -> str | None:
    """A link target only when it is an http(s) URL (never ``javascript:``)."""
    return value if value and value.lower().startswith(("http://", "https://")) else None


@bp.app_template_filter("short_why")
def short_why(why: dict[str, Any] | None) -> str:
    """One line saying why an item was chosen: shared tags (only when they count: at tag weight 0
    they add nothing, and "tags: usa" would read as a reason), the top shared terms, then the share
    of the score due to the latent topics."""
    if not why:
        return ""
    parts = []
    if why.get("shared_tags") and why.get("tag_share"):
        parts.append("tags: " + ", ".join(why["shared_tags"][:3]))
    terms = [t.get("word", t["term"]) for t in why.get("top_terms", [])[:3]]
    if terms:
        parts.append("words: " + ", ".join(terms))
    if why.get("topic_share"):
        parts.append(f"same subject: {100 * why['topic_share']:.0f}% of the score")
    return " · ".join(parts)


@bp.get("")
def index() -> str:
    """Search article titles; without a query, the newest articles."""
    query = inputs.search_query(request.args)
    model = served_model()
    found, total = search_titles(model, query)
    return render_template("index.html", model=model, query=query, found=found, total=total, limit=SEARCH_LIMIT)


@bp.get("/<id:article_id>")
def article(article_id: str) -> str:
    """An article with its "like this" list, as a reader would see it (takes the API's query parameters)."""
    options = inputs.related_options(request.args) | {"explain": True}
    model = served_model()
    source = model.article(inputs.article_id(article_id))
    related = related_items(model, model.related(source["id"], **options))
    languages = {item["id"]: model.article(item["id"]).get("language") for item in related}  # for lang=, which picks the glyphs
    return render_template("article.html", model=model, article=source, related=related, languages=languages)
