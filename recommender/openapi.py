"""The OpenAPI 3.1 document of the service, served at ``/openapi.json``.

``tests/test_openapi.py`` keeps it true: every route is in it, every path in it is a route, and the
answers of the running app validate against its schemas.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import Blueprint, Response, jsonify

from . import __version__
from .inputs import DEFAULT_K, MAX_EXCLUDED, MAX_K
from .model import MIN_HALF_LIFE_DAYS
from .schema import MAX_ID_LENGTH

bp = Blueprint("openapi", __name__)

_NULLABLE_STRING = {"type": ["string", "null"]}
_STRINGS = {"type": "array", "items": {"type": "string"}}


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _json(schema: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {"X-Request-ID": _ref("headers", "RequestId"), "X-Model-Version": _ref("headers", "ModelVersion")},
        "content": {"application/json": {"schema": _ref("schemas", schema)}},
    }


_CACHE_HEADERS = {"ETag": _ref("headers", "ETag"), "Cache-Control": _ref("headers", "CacheControl")}


def _cached(schema: str, description: str) -> dict[str, Any]:
    """A GET answer: JSON with an ETag and Cache-Control."""
    answer = _json(schema, description)
    return answer | {"headers": answer["headers"] | _CACHE_HEADERS}


def _html(description: str) -> dict[str, Any]:
    return {"description": description, "headers": _CACHE_HEADERS, "content": {"text/html": {"schema": {"type": "string"}}}}


_FILTERS = [_ref("parameters", p) for p in ("K", "Exclude", "Section", "Since", "Until", "MinScore", "HalfLifeDays", "Explain")]
_ERRORS = {"400": _ref("responses", "BadRequest"), "default": _ref("responses", "Error")}
_NOT_MODIFIED = {"304": {"description": "not modified: the ETag in If-None-Match still holds"},
                 "412": {"$ref": "#/components/responses/Error", "description": "If-Match names none of the answer's entity tags"}}

_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "additionalProperties": False,
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "code", "message", "request_id"],
                "additionalProperties": False,
                "properties": {
                    "status": {"type": "integer", "description": "the HTTP status, repeated"},
                    "code": {"type": "string", "description": "stable machine-readable code, e.g. article_not_found"},
                    "message": {"type": "string", "description": "what went wrong, for people"},
                    "request_id": {"type": "string", "description": "the X-Request-ID of the request, also in the server log"},
                    "parameter": {"type": "string", "description": "400: the query or path parameter that is wrong"},
                    "field": {**_NULLABLE_STRING, "description": "422: the article field that breaks the schema"},
                },
            }
        },
    },
    "Article": {
        "type": "object",
        "description": "the stored metadata of an article (everything but the body)",
        "required": ["id", "title"],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "subtitle": {"type": "string"},
            "url": {"type": "string"},
            "published_at": _NULLABLE_STRING,
            "section": {"type": "string"},
            "language": {"type": "string"},
            "tags": _STRINGS,
            "labels": _STRINGS,
        },
    },
    "PostedArticle": {
        "type": "object",
        "description": "an article the model has not seen: a title or a body at least; unknown fields are ignored",
        "anyOf": [{"required": ["title"]}, {"required": ["body"]}],
        "properties": {
            "id": {"type": ["string", "integer", "null"], "maxLength": MAX_ID_LENGTH,
                   "description": f"optional (empty or null: none); at most {MAX_ID_LENGTH} characters, no control characters; "
                                  "an id in the model is left out of the list, with its near-duplicates"},
            "title": {"type": "string"},
            "subtitle": {"type": "string"},
            "body": {"type": "string"},
            "tags": {"oneOf": [_STRINGS, {"type": "string", "description": "comma-separated"}]},
            "published_at": {"type": "string", "description": "ISO 8601 date or datetime"},
            "url": {"type": "string"},
            "section": {"type": "string"},
            "language": {"type": "string"},
        },
    },
    "ArticleEcho": {
        "type": "object",
        "description": "the posted fields that were accepted, as the service read them (the body is not echoed)",
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "subtitle": {"type": "string"},
            "url": {"type": "string"},
            "published_at": _NULLABLE_STRING,
            "section": {"type": "string"},
            "language": {"type": "string"},
            "tags": _STRINGS,
            "labels": _STRINGS,
        },
        "additionalProperties": False,
    },
    "Why": {
        "type": "object",
        "required": ["text_score", "topic_score", "tag_score", "shared_tags", "top_terms", "topic_share", "tag_share"],
        "properties": {
            "text_score": {"type": "number", "description": "tf-idf cosine of the two texts"},
            "topic_score": {"type": ["number", "null"], "description": "cosine of the two texts' latent topics (0 when negative); null when the model weighs no topics"},
            "tag_score": {"type": ["number", "null"], "description": "cosine of the two tag sets; null when either has no tags"},
            "shared_tags": _STRINGS,
            "top_terms": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["term", "word", "share"],
                    "properties": {
                        "term": {"type": "string", "description": "the term as the model indexes it (stemmed: senat)"},
                        "word": {"type": "string", "description": "the word the term most often stands for in the corpus (senate): what to show a person"},
                        "share": {"type": "number", "description": "share of the score"},
                    },
                },
            },
            "topic_share": {"type": "number", "description": "share of the score due to the latent topics"},
            "tag_share": {"type": "number", "description": "share of the score due to tags"},
        },
    },
    "RelatedItem": {
        "type": "object",
        "required": ["id", "title", "url", "published_at", "section", "score"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "url": _NULLABLE_STRING,
            "published_at": _NULLABLE_STRING,
            "section": _NULLABLE_STRING,
            "score": {"type": "number", "minimum": 0},
            "why": {**_ref("schemas", "Why"), "description": "only with explain=true"},
        },
    },
    "Related": {
        "type": "object",
        "required": ["article", "model_version", "related"],
        "additionalProperties": False,
        "properties": {
            "article": _ref("schemas", "Article"),
            "model_version": {"type": "string"},
            "related": {"type": "array", "maxItems": MAX_K, "items": _ref("schemas", "RelatedItem")},
        },
    },
    "RelatedToPosted": {
        "type": "object",
        "required": ["article", "model_version", "related"],
        "additionalProperties": False,
        "properties": {
            "article": _ref("schemas", "ArticleEcho"),
            "model_version": {"type": "string"},
            "related": {"type": "array", "maxItems": MAX_K, "items": _ref("schemas", "RelatedItem")},
        },
    },
    "StoredArticle": {
        "type": "object",
        "required": ["article", "model_version"],
        "additionalProperties": False,
        "properties": {"article": _ref("schemas", "Article"), "model_version": {"type": "string"}},
    },
    "Health": {
        "type": "object",
        "required": ["status", "model_version", "articles", "refused_versions"],
        "additionalProperties": False,
        "properties": {
            "status": {"const": "ok"},
            "model_version": {"type": "string"},
            "articles": {"type": "integer", "minimum": 1},
            "refused_versions": {**_STRINGS, "description": "versions CURRENT named that failed their checks"},
        },
    },
    "Model": {
        "type": "object",
        "required": ["model_version", "manifest"],
        "additionalProperties": False,
        "properties": {
            "model_version": {"type": "string"},
            "manifest": {
                "type": "object",
                "description": "the artifact's manifest.json: version, creation time, parameters, library versions, counts, checksums",
                "required": ["version", "created_at", "parameters", "libraries", "articles", "files"],
            },
        },
    },
}


def _query(name: str, description: str, schema: dict[str, Any], example: Any = None) -> dict[str, Any]:
    parameter = {"name": name, "in": "query", "required": False, "description": description, "schema": schema}
    return parameter | ({"example": example} if example is not None else {})


_PARAMETERS: dict[str, Any] = {
    "ArticleId": {
        "name": "article_id",
        "in": "path",
        "required": True,
        "description": "an article id in the model (ids with slashes are passed as they are)",
        "schema": {"type": "string", "maxLength": MAX_ID_LENGTH},
    },
    "K": _query("k", "length of the list", {"type": "integer", "minimum": 1, "maximum": MAX_K, "default": DEFAULT_K}),
    "Exclude": _query("exclude", f"comma-separated ids to leave out, with their re-sent near-duplicates (at most {MAX_EXCLUDED}); "
                      "may be repeated; a value with commas is also read as one id", {"type": "array", "items": {"type": "string"}}, ["a02,a07"])
    | {"style": "form", "explode": True},
    "Section": _query("section", "keep only this section (ignoring case, width and Unicode form)", {"type": "string", "maxLength": 200}),
    "Since": _query("since", "keep articles published on or after this ISO 8601 date or datetime", {"type": "string"}, "2024-01-01"),
    "Until": _query("until", "keep articles published on or before this ISO 8601 date or datetime (a date without a time covers its whole day)", {"type": "string"}, "2024-12-31"),
    "MinScore": _query("min_score", "drop items scoring below this", {"type": "number", "minimum": 0, "default": 0}),
    "HalfLifeDays": _query("half_life_days", "prefer recent articles: halve a score for every this many days an item is older than the source", {"type": "number", "minimum": MIN_HALF_LIFE_DAYS}),
    "Explain": _query("explain", "add why each item was chosen (true, false, 1 or 0, in any case: TRUE is true)",
                      {"type": "string", "enum": ["true", "false", "1", "0"], "default": "false"}),
    "Query": _query("q", "part of a title (ignoring case)", {"type": "string", "maxLength": 200}),
}

_ERROR_RESPONSES: dict[str, Any] = {
    "BadRequest": {"description": "a parameter is invalid or unknown (named in error.parameter; names starting with _ are let through unread), or the body is not valid JSON", "content": {"application/json": {"schema": _ref("schemas", "Error")}}},
    "NotFound": {"description": "no article with this id in the model", "content": {"application/json": {"schema": _ref("schemas", "Error")}}},
    "Error": {
        "description": "any other error, in the same shape: 404 unknown route, 405 wrong method, 412 If-Match failed, 413 body too large, 415 not JSON or compressed, 422 invalid article, 500",
        "headers": {"X-Request-ID": _ref("headers", "RequestId"), "X-Model-Version": _ref("headers", "ModelVersion")},
        "content": {"application/json": {"schema": _ref("schemas", "Error")}},
    },
}


@lru_cache(maxsize=1)
def spec() -> dict[str, Any]:
    """The OpenAPI document (built once)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Related articles",
            "version": __version__,
            "description": "The \"like this\" list of news articles: a TF-IDF plus tag-overlap model served over HTTP. "
            "Every answer names the model version that made it (model_version, X-Model-Version); every error has one shape (Error).",
        },
        "paths": {
            "/articles/{article_id}/related": {
                "get": {
                    "operationId": "related",
                    "summary": "The \"like this\" list of an article in the model",
                    "parameters": [_ref("parameters", "ArticleId"), *_FILTERS],
                    "responses": {"200": _cached("Related", "the article and its related list, best first"), **_NOT_MODIFIED, **_ERRORS, "404": _ref("responses", "NotFound")},
                }
            },
            "/related": {
                "post": {
                    "operationId": "relatedTo",
                    "summary": "The \"like this\" list of an article the model has not seen",
                    "parameters": _FILTERS,
                    "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("schemas", "PostedArticle")}}},
                    "responses": {
                        "200": _json("RelatedToPosted", "the accepted fields of the posted article and its related list"),
                        **_ERRORS,
                        "413": _ref("responses", "Error"),
                        "415": _ref("responses", "Error"),
                        "422": _ref("responses", "Error"),
                    },
                }
            },
            "/articles/{article_id}": {
                "get": {
                    "operationId": "article",
                    "summary": "The stored metadata of an article",
                    "parameters": [_ref("parameters", "ArticleId")],
                    "responses": {"200": _cached("StoredArticle", "the article's metadata"), **_NOT_MODIFIED, **_ERRORS, "404": _ref("responses", "NotFound")},
                }
            },
            "/healthz": {
                "get": {
                    "operationId": "healthz",
                    "summary": "Liveness and the model version being served",
                    "responses": {"200": _json("Health", "the service is up"), "default": _ref("responses", "Error")},
                }
            },
            "/model": {
                "get": {
                    "operationId": "model",
                    "summary": "The manifest of the model version being served",
                    "responses": {"200": _cached("Model", "the manifest (Cache-Control: private)"), **_NOT_MODIFIED, "default": _ref("responses", "Error")},
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {
                        "200": {"description": "the OpenAPI document", "content": {"application/json": {"schema": {"type": "object"}}}},
                        **_NOT_MODIFIED,
                        "default": _ref("responses", "Error"),
                    },
                }
            },
            "/preview": {
                "get": {
                    "operationId": "previewIndex",
                    "summary": "HTML: search article titles (the newest 50 without a query)",
                    "parameters": [_ref("parameters", "Query")],
                    "responses": {"200": _html("the search page"), **_NOT_MODIFIED, **_ERRORS},
                }
            },
            "/preview/{article_id}": {
                "get": {
                    "operationId": "previewArticle",
                    "summary": "HTML: an article as a news page shows it, with its \"like this\" list",
                    "parameters": [_ref("parameters", "ArticleId"), *_FILTERS],
                    "responses": {"200": _html("the article page"), **_NOT_MODIFIED, **_ERRORS, "404": _ref("responses", "NotFound")},
                }
            },
        },
        "components": {
            "schemas": _SCHEMAS,
            "parameters": _PARAMETERS,
            "responses": _ERROR_RESPONSES,
            "headers": {
                "RequestId": {"description": "the caller's X-Request-ID when sane, else a new one", "schema": {"type": "string"}},
                "ModelVersion": {"description": "the model version that answered", "schema": {"type": "string"}},
                "ETag": {"description": "the answer's entity tag (code version, model version, path and sorted query); send it back in If-None-Match", "schema": {"type": "string"}},
                "CacheControl": {"description": "public, max-age=CACHE_MAX_AGE (private for /model and the preview pages)", "schema": {"type": "string"}},
            },
        },
    }


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI document of this service."""
    return jsonify(spec())
