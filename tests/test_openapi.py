"""/openapi.json stays true: a valid OpenAPI 3.1 document, the same paths as the app's routes, and the
app's answers (good and bad) validate against the schemas it declares."""
from __future__ import annotations

import json
import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

METHODS = {"get", "post", "put", "patch", "delete"}


def spec_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: ``/articles/<path:article_id>`` -> ``/articles/{article_id}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


@pytest.fixture
def spec(client):
    return client.get("/openapi.json").json


def test_the_document_is_valid_openapi(spec):
    validate(spec)
    assert spec["openapi"].startswith("3.1")


def test_every_route_is_in_the_document_and_every_path_is_a_route(app, spec):
    routes = {
        (spec_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    documented = {(path, method) for path, item in spec["paths"].items() for method in item if method in METHODS}
    assert routes == documented


def test_every_path_parameter_is_declared(spec):
    parameters = spec["components"]["parameters"]
    for path, item in spec["paths"].items():
        for operation in (op for m, op in item.items() if m in METHODS):
            declared = {parameters[p["$ref"].rsplit("/", 1)[1]]["name"] for p in operation.get("parameters", []) if parameters[p["$ref"].rsplit("/", 1)[1]]["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), path


def _resolve(spec, node):
    while "$ref" in node:
        kind, name = node["$ref"].split("/")[-2:]
        node = spec["components"][kind][name]
    return node


def _operation(app, spec, method: str, url: str):
    adapter = app.url_map.bind("localhost")
    rule, _ = adapter.match(url.split("?")[0], method=method.upper(), return_rule=True)
    return spec["paths"][spec_path(rule.rule)][method]


CALLS = [
    ("get", "/articles/s1/related?k=3", {}),
    ("get", "/articles/s1/related?k=3&explain=true&section=science&since=2024-01-01&min_score=0.01&half_life_days=90", {}),
    ("get", "/articles/s1/related?k=0", {}),
    ("get", "/articles/nope/related", {}),
    ("get", "/articles/%00/related", {}),
    ("post", "/related?explain=1", {"json": {"id": 7, "title": "Bread prices", "body": "sourdough flour", "tags": ["bread"]}}),
    ("post", "/related", {"data": "{", "content_type": "application/json"}),
    ("post", "/related", {"data": "x", "content_type": "text/plain"}),
    ("post", "/related", {"data": json.dumps({"title": "x" * 2_000_000}), "content_type": "application/json"}),
    ("post", "/related", {"json": {"title": 5}}),
    ("get", "/articles/f2", {}),
    ("get", "/articles/nope", {}),
    ("get", "/healthz", {}),
    ("get", "/model", {}),
    ("get", "/openapi.json", {}),
    ("get", "/preview", {}),
    ("get", "/preview?q=bread", {}),
    ("get", "/preview/s1", {}),
    ("get", "/preview/nope", {}),
]


@pytest.mark.parametrize("method,url,kwargs", CALLS)
def test_answers_validate_against_the_document(app, client, spec, method, url, kwargs):
    r = getattr(client, method)(url, **kwargs)
    responses = _operation(app, spec, method, url)["responses"]
    declared = _resolve(spec, responses.get(str(r.status_code)) or responses["default"])
    assert r.mimetype in declared["content"], (r.status_code, r.mimetype)
    schema = declared["content"][r.mimetype]["schema"]
    registry = Registry().with_resource("urn:openapi", Resource.from_contents(spec, default_specification=DRAFT202012))
    ref = {"$ref": "urn:openapi" + schema["$ref"]} if "$ref" in schema else schema
    body = r.json if r.mimetype == "application/json" else r.get_data(as_text=True)
    Draft202012Validator(ref, registry=registry).validate(body)


def test_a_304_is_declared(app, client, spec):
    etag = client.get("/articles/s1/related").headers["ETag"]
    r = client.get("/articles/s1/related", headers={"If-None-Match": etag})
    assert r.status_code == 304
    assert "304" in _operation(app, spec, "get", "/articles/s1/related")["responses"]


def test_the_error_schema_rejects_other_shapes(spec):
    registry = Registry().with_resource("urn:openapi", Resource.from_contents(spec, default_specification=DRAFT202012))
    validator = Draft202012Validator({"$ref": "urn:openapi#/components/schemas/Error"}, registry=registry)
    assert not validator.is_valid({"message": "not found"})
    assert not validator.is_valid({"error": {"status": 404, "code": "x", "message": "y"}})
    assert validator.is_valid({"error": {"status": 404, "code": "x", "message": "y", "request_id": "r"}})
