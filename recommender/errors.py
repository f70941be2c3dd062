"""One JSON shape for every error, built by one function, :func:`error_response`::

    {"error": {"status": 404, "code": "article_not_found", "message": "...", "request_id": "..."}}

A 400 for a query parameter adds ``"parameter"`` and a 422 for a posted article adds ``"field"``.
Views raise :class:`ApiError`; werkzeug's HTTP errors (unknown route, wrong method, body too large)
and an unknown article id are turned into the same shape here, and anything unexpected becomes a 500
that carries the request id under which its traceback was logged. No traceback ever leaves the server.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, RequestEntityTooLarge

from .headers import request_id
from .model import UnknownArticleError

log = logging.getLogger("recommender.errors")

#: Codes of werkzeug's HTTP errors; any other is named after its reason phrase.
HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


class ApiError(Exception):
    """An error answer: the HTTP status, a stable code, a message for people, and extra fields."""

    def __init__(self, status: int, code: str, message: str, **extra: Any):
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def invalid_parameter(parameter: str, message: str) -> ApiError:
    """A 400 naming the query or path parameter that is wrong."""
    return ApiError(400, "invalid_parameter", message, parameter=parameter)


def error_response(status: int, code: str, message: str, **extra: Any) -> Response:
    """The one function that builds an error answer."""
    response = jsonify({"error": {"status": status, "code": code, "message": message, "request_id": request_id(), **extra}})
    response.status_code = status
    return response


def _shown(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _api_error(exc: ApiError) -> Response:
    return error_response(exc.status, exc.code, exc.message, **exc.extra)


def _unknown_article(exc: UnknownArticleError) -> Response:
    return error_response(404, "article_not_found", f"no article with id {_shown(str(exc.article_id))!r} in this model")


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    code = HTTP_CODES.get(status) or (exc.name or "error").lower().replace(" ", "_").replace("'", "")
    message = exc.description or exc.name
    if isinstance(exc, NotFound):
        message = f"nothing here: {request.method} {_shown(request.path)}; /openapi.json lists the endpoints"
    elif isinstance(exc, MethodNotAllowed):
        message = f"{request.method} is not allowed on {_shown(request.path)}; allowed: {', '.join(sorted(set(exc.valid_methods or ()) - {'HEAD', 'OPTIONS'}))}"
    elif isinstance(exc, RequestEntityTooLarge):
        message = f"the request body is larger than the {current_app.config['MAX_CONTENT_LENGTH']} bytes accepted"
    response = error_response(status, code, message)
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    return response


def _unexpected(exc: Exception) -> Response:
    log.exception("unhandled error while answering %s %s [request_id=%s]", request.method, _shown(request.path), request_id())
    return error_response(500, "internal_error", "the server failed to answer; the request id names the logged details")


def init_app(app: Flask) -> None:
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(UnknownArticleError, _unknown_article)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
