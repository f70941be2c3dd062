"""The one error shape, pinned: every 4xx and 5xx answers exactly this, built by errors.error_response."""
from __future__ import annotations

import json

import pytest

from recommender.model import RelatedArticles

REQUIRED = {"status", "code", "message", "request_id"}
OPTIONAL = {"parameter", "field"}


def test_the_error_shape_is_pinned(client):
    r = client.get("/articles/nope/related", headers={"X-Request-ID": "pinned-1"})
    assert r.status_code == 404
    assert r.mimetype == "application/json"
    assert r.json == {
        "error": {
            "status": 404,
            "code": "article_not_found",
            "message": "no article with id 'nope' in this model",
            "request_id": "pinned-1",
        }
    }


ERRORS = [
    ("get", "/articles/s1/related?k=0", {}, 400, "invalid_parameter", {"parameter": "k"}),
    ("post", "/related", {"data": "{", "content_type": "application/json"}, 400, "invalid_json", {}),
    ("get", "/articles/nope", {}, 404, "article_not_found", {}),
    ("get", "/no/such/route", {}, 404, "not_found", {}),
    ("delete", "/healthz", {}, 405, "method_not_allowed", {}),
    ("post", "/related", {"data": "x" * 2_000_000, "content_type": "application/json"}, 413, "payload_too_large", {}),
    ("post", "/related", {"data": "x", "content_type": "text/plain"}, 415, "unsupported_media_type", {}),
    ("post", "/related", {"json": {"title": 1}}, 422, "invalid_article", {"field": "title"}),
]


@pytest.mark.parametrize("method,path,kwargs,status,code,extra", ERRORS)
def test_every_error_has_the_one_shape(client, method, path, kwargs, status, code, extra):
    r = getattr(client, method)(path, headers={"X-Request-ID": f"shape-{status}"}, **kwargs)
    assert r.status_code == status
    assert r.mimetype == "application/json"
    body = json.loads(r.get_data())
    assert set(body) == {"error"}
    error = body["error"]
    assert REQUIRED <= set(error) <= REQUIRED | OPTIONAL
    assert error["status"] == status and error["code"] == code
    assert error["request_id"] == r.headers["X-Request-ID"] == f"shape-{status}"
    assert isinstance(error["message"], str) and error["message"]
    assert {k: error[k] for k in set(error) & OPTIONAL} == extra


def test_a_500_has_the_one_shape_too(client, monkeypatch):
    monkeypatch.setattr(RelatedArticles, "article", lambda self, article_id: 1 / 0)
    r = client.get("/articles/s1", headers={"X-Request-ID": "shape-500"})
    assert r.status_code == 500
    assert r.json == {"error": {"status": 500, "code": "internal_error", "message": r.json["error"]["message"], "request_id": "shape-500"}}


def test_errors_come_from_one_function(app):
    from recommender.errors import error_response

    with app.test_request_context("/x", headers={"X-Request-ID": "fn-1"}):
        response = error_response(418, "teapot", "short and stout", parameter="k")
    assert response.status_code == 418
    assert response.json == {"error": {"status": 418, "code": "teapot", "message": "short and stout", "request_id": "fn-1", "parameter": "k"}}
