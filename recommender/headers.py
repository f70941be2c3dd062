"""What every request and response carries besides its body.

- ``X-Request-ID``: the caller's, when it looks sane, else a fresh one; on every response and log line.
- ``X-Model-Version``: the model version that answered.
- ``ETag`` (from the model version and the request's path and sorted query) and ``Cache-Control`` on
  GET answers, and ``304 Not Modified`` when ``If-None-Match`` matches; errors are ``no-store``.
- CORS for the origins of the ``CORS_ORIGINS`` setting, preflight ``OPTIONS`` included.
"""
from __future__ import annotations

import hashlib
import re
import time
import uuid
from urllib.parse import urlencode

from flask import Flask, Response, current_app, g, request

from . import logs
from .holder import served_model

SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:;=/+-]{1,128}")
#: GET endpoints whose answers must not be cached (they report the live state).
UNCACHED = frozenset({"api.healthz"})
EXPOSED = "ETag, X-Request-ID, X-Model-Version"
ALLOWED_HEADERS = "Content-Type, If-None-Match, X-Request-ID"


def request_id() -> str:
    """This request's id: the incoming ``X-Request-ID`` when it is sane, else a new random one."""
    if "request_id" not in g:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    return g.request_id


def init_app(app: Flask) -> None:
    app.before_request(_begin)
    app.after_request(_finish)


def _is_preflight() -> bool:
    return request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers


def _begin() -> Response | None:
    g.started = time.perf_counter()
    request_id()
    if _is_preflight() and request.url_rule is not None and current_app.config["CORS_ORIGINS"]:
        return current_app.response_class(status=204)
    return None


def _finish(response: Response) -> Response:
    version = served_model().version_
    response.headers["X-Request-ID"] = request_id()
    response.headers["X-Model-Version"] = version
    _cache(response, version)
    _cors(response)
    logs.access(response.status_code, version, request_id(), time.perf_counter() - g.get("started", time.perf_counter()))
    return response


def etag(version: str) -> str:
    """The entity tag of a GET answer: the model version plus the path and sorted query."""
    query = urlencode(sorted(request.args.items(multi=True)))
    return hashlib.sha256(f"{version}\n{request.path}\n{query}".encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _cache(response: Response, version: str) -> None:
    if request.method not in ("GET", "HEAD") or response.status_code != 200 or request.endpoint in UNCACHED:
        if response.status_code != 204:
            response.cache_control.no_store = True
        return
    response.set_etag(etag(version))
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["CACHE_MAX_AGE"]
    response.make_conditional(request)
    del response.headers["Date"]  # make_conditional adds one; the server sends its own


def _cors(response: Response) -> None:
    allowed = current_app.config["CORS_ORIGINS"]
    if not allowed:
        return
    response.vary.add("Origin")
    origin = request.headers.get("Origin", "")
    if not origin or ("*" not in allowed and origin.rstrip("/") not in allowed):
        return
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Expose-Headers"] = EXPOSED
    if _is_preflight() and request.url_rule is not None:
        methods = sorted(request.url_rule.methods - {"HEAD"}) if request.url_rule.methods else ["GET"]
        response.headers["Access-Control-Allow-Methods"] = ", ".join(methods)
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = "600"
