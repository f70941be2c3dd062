"""The JSON API. Views are thin: parse the request (:mod:`.inputs`), ask the model, shape the answer."""
from __future__ import annotations

from typing import Any, Iterable

from flask import Blueprint, Response, current_app, jsonify, request

from . import inputs
from .holder import EXTENSION, served_model
from .model import Recommendation, RelatedArticles

bp = Blueprint("api", __name__)

#: Fields of each related item, besides its score (and ``why`` when asked for).
ITEM_FIELDS = ("id", "title", "url", "published_at", "section")


def related_items(model: RelatedArticles, recommendations: Iterable[Recommendation]) -> list[dict[str, Any]]:
    """The items of a "like this" list, each with the stored metadata it shows."""
    items = []
    for rec in recommendations:
        stored = model.article(rec.id)
        item = {name: stored.get(name) for name in ITEM_FIELDS} | {"score": rec.score}
        if rec.why is not None:
            item["why"] = rec.why
        items.append(item)
    return items


def _related_answer(model: RelatedArticles, article: dict[str, Any], recommendations: list[Recommendation]) -> Response:
    return jsonify(article=article, model_version=model.version_, related=related_items(model, recommendations))


@bp.get("/articles/<path:article_id>/related")
def related(article_id: str) -> Response:
    """The "like this" list of an article in the model."""
    options = inputs.related_options(request.args)
    model = served_model()
    source = model.article(inputs.article_id(article_id))
    return _related_answer(model, source, model.related(source["id"], **options))


@bp.post("/related")
def related_to() -> Response:
    """The "like this" list of a posted article the model has not seen."""
    options = inputs.related_options(request.args)
    article, echoed = inputs.posted_article(inputs.json_body())
    model = served_model()
    return _related_answer(model, echoed, model.related_to(article, **options))


@bp.get("/articles/<path:article_id>")
def article(article_id: str) -> Response:
    """The stored metadata of an article."""
    model = served_model()
    return jsonify(article=model.article(inputs.article_id(article_id)), model_version=model.version_)


@bp.get("/healthz")
def healthz() -> Response:
    """Liveness: the model version being served and its size."""
    model = served_model()
    refused = current_app.extensions[EXTENSION].refused
    return jsonify(status="ok", model_version=model.version_, articles=len(model), refused_versions=list(refused))


@bp.get("/model")
def model_info() -> Response:
    """The manifest of the model version being served."""
    model = served_model()
    return jsonify(model_version=model.version_, manifest=model.manifest_)
