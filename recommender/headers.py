"""What every request and response carries besides its body.

- ``X-Request-ID``: the caller's, when it looks sane, else a fresh one; on every response and log line.
- ``X-Model-Version``: the model version that answered.
- ``ETag`` (from the code and model versions and the request's path and sorted query) and
  ``Cache-Control`` on GET answers, ``304 Not Modified`` when ``If-None-Match`` matches and a JSON
  ``412`` when ``If-Match`` does not; errors are ``no-store``.
- CORS for the origins of the ``CORS_ORIGINS`` setting, preflight ``OPTIONS`` included; any
  ``OPTIONS`` is a bodiless ``204`` with a sorted ``Allow``.
"""
from __future__ import annotations

import hashlib
import re
import time
import uuid
from urllib.parse import urlencode

from flask import Flask, Response, current_app, g, request
from werkzeug.http import parse_etags

from . import __version__, logs
from .holder import served_model

SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:;=/+-]{1,128}")
#: GET endpoints whose answers must not be cached (they report the live state).
UNCACHED = frozenset({"api.healthz"})
#: GET endpoints for the newsroom's own people, not readers (the manifest names the training job's
#: input files): a browser may cache them, a shared cache (a CDN) may not.
PRIVATE = frozenset({"api.model_info", "preview.index", "preview.article"})
EXPOSED = "ETag, X-Request-ID, X-Model-Version"
ALLOWED_HEADERS = "Content-Type, If-None-Match, X-Request-ID"
#: A header name (RFC 9110 token): the request headers a preflight may ask for, echoed back.
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}")


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
    if request.method == "OPTIONS" and request.url_rule is not None:
        # a preflight, or a client asking what a path takes: no body (Flask's own answer is an empty
        # text/html 200), and the methods in one order on every server
        response = current_app.response_class(status=204)
        del response.headers["Content-Type"]  # no body, so no type
        response.headers["Allow"] = ", ".join(sorted(current_app.url_map.bind_to_environ(request.environ).allowed_methods()))
        return response
    return None


def _finish(response: Response) -> Response:
    version = served_model().version_
    response = _cache(response, version)
    response.headers["X-Request-ID"] = request_id()
    response.headers["X-Model-Version"] = version
    _cors(response)
    logs.access(response.status_code, version, request_id(), time.perf_counter() - g.get("started", time.perf_counter()))
    return response


def etag(version: str) -> str:
    """The entity tag of a GET answer: the code version (a deploy may change what an answer holds)
    and the model version, plus the path and sorted query."""
    query = urlencode(sorted(request.args.items(multi=True)))
    key = f"{__version__}\n{version}\n{request.path}\n{query}"
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _cache(response: Response, version: str) -> Response:
    if request.method not in ("GET", "HEAD") or response.status_code != 200 or request.endpoint in UNCACHED:
        if response.status_code != 204:
            response.cache_control.no_store = True
        return response
    response.set_etag(etag(version))
    if request.endpoint in PRIVATE:
        response.cache_control.private = True
    else:
        response.cache_control.public = True
    response.cache_control.max_age = current_app.config["CACHE_MAX_AGE"]
    environ = request.environ
    if parse_etags(environ.get("HTTP_IF_MATCH")).star_tag:
        # "*" matches any current answer (RFC 9110, 13.1.1); werkzeug's make_conditional answers it 412
        environ = {key: value for key, value in environ.items() if key != "HTTP_IF_MATCH"}
    response.make_conditional(environ)
    del response.headers["Date"]  # make_conditional adds one; the server sends its own
    if response.status_code == 412:  # make_conditional keeps the body: answer in the errors' shape instead
        from .errors import error_response  # errors imports this module

        response = error_response(412, "precondition_failed", "If-Match names no entity tag of this answer; "
                                  "GET it without If-Match for its current ETag")
        response.cache_control.no_store = True
    return response


def _cors(response: Response) -> None:
    allowed = current_app.config["CORS_ORIGINS"]
    if not allowed:
        return
    anyone = "*" in allowed  # one answer for every origin: caches keep one copy, not one per origin
    if not anyone:
        response.vary.add("Origin")
    origin = request.headers.get("Origin", "")
    if not origin or (not anyone and origin.rstrip("/") not in allowed):
        return
    response.headers["Access-Control-Allow-Origin"] = "*" if anyone else origin
    response.headers["Access-Control-Expose-Headers"] = EXPOSED
    if _is_preflight() and request.url_rule is not None:
        methods = sorted(request.url_rule.methods - {"HEAD"}) if request.url_rule.methods else ["GET"]
        response.headers["Access-Control-Allow-Methods"] = ", ".join(methods)
        response.headers["Access-Control-Allow-Headers"] = _allowed_headers()
        response.headers["Access-Control-Max-Age"] = "600"


def _allowed_headers() -> str:
    """The headers a page may send: ours, and whatever well-formed headers the preflight asks for (a
    tracing tool's ``traceparent``, say); the API is read-only and takes no credentials."""
    asked = [h.strip() for h in request.headers.get("Access-Control-Request-Headers", "").split(",")]
    names: dict[str, str] = {}  # each name once (names are case-insensitive), ours first
    for h in [*ALLOWED_HEADERS.split(", "), *(h for h in asked[:32] if _TOKEN.fullmatch(h))]:
        names.setdefault(h.lower(), h)
    return ", ".join(names.values())
