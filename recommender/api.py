"""The JSON API. Views are thin: parse the request (:mod:`.inputs`), ask the model, shape the answer."""
from __future__ import annotations

from typing import Any, Iterable

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from flask.json.provider import DefaultJSONProvider

from . import inputs
from .fast_path import ITEM_FIELDS, DefaultAnswers, item_fields  # noqa: F401 (ITEM_FIELDS: part of this module's API)
from .holder import EXTENSION, served_model
from .model import Recommendation, RelatedArticles

bp = Blueprint("api", __name__)

#: Key in ``app.extensions`` of whether the app may answer from precomputed bytes.
FAST_PATH = "recommender.fast_path"


def related_items(model: RelatedArticles, recommendations: Iterable[Recommendation]) -> list[dict[str, Any]]:
    """The items of a "like this" list, each with the stored metadata it shows."""
    items = []
    for rec in recommendations:
        item = item_fields(model.article(rec.id)) | {"score": rec.score}
        if rec.why is not None:
            item["why"] = rec.why
        items.append(item)
    return items


def _related_answer(model: RelatedArticles, article: dict[str, Any], recommendations: list[Recommendation]) -> Response:
    return jsonify(article=article, model_version=model.version_, related=related_items(model, recommendations))


def encodes_like_fast_path(app: Flask) -> bool:
    """Whether ``jsonify`` in this app writes what :func:`.fast_path.dumps` writes (compact, ASCII,
    sorted keys); in debug mode or with another JSON provider the fast path stays off.

    Decided at the app's first such request and remembered (``app.run(debug=True)`` sets debug
    before serving; changing the JSON settings of an app that is serving is not supported)."""
    known = app.extensions.get(FAST_PATH)
    if known is None:
        known = app.extensions[FAST_PATH] = _encodes_like_fast_path(app)
    return known


def _encodes_like_fast_path(app: Flask) -> bool:
    provider = app.json
    if type(provider) is not DefaultJSONProvider:
        return False
    compact = provider.compact if provider.compact is not None else not app.debug
    return bool(compact and provider.ensure_ascii and provider.sort_keys)


def fast_answers(model: RelatedArticles, options: dict[str, Any]) -> DefaultAnswers | None:
    """The precomputed answers when they can answer this request, else ``None`` (the general path).

    They can when the request gives no options besides the defaults, the model version has them
    (artifacts written before the fast path do not) and the app encodes JSON as they were encoded.
    """
    answers = getattr(model, "default_answers_", None)
    if answers is None or options != inputs.DEFAULT_OPTIONS or answers.k != options["k"]:
        return None
    return answers if encodes_like_fast_path(current_app._get_current_object()) else None


@bp.get("/articles/<id:article_id>/related")
def related(article_id: str) -> Response:
    """The "like this" list of an article in the model; without options, from precomputed bytes."""
    options = inputs.related_options(request.args)
    model = served_model()
    i = model.index_of(inputs.article_id(article_id))
    answers = fast_answers(model, options)
    if answers is not None:
        body = answers.answer(i, model.articles_.raw(i), model.version_)
        return current_app.response_class(body, mimetype=current_app.json.mimetype)
    source = model.article_at(i)
    return _related_answer(model, source, model.related(source["id"], **options))


@bp.post("/related")
def related_to() -> Response:
    """The "like this" list of a posted article the model has not seen."""
    options = inputs.related_options(request.args)
    article, echoed = inputs.posted_article(inputs.json_body())
    model = served_model()
    return _related_answer(model, echoed, model.related_to(article, **options))


@bp.get("/articles/<id:article_id>")
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
