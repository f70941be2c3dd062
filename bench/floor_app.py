"""The service as gunicorn serves it, plus one benchmark-only endpoint: the framework's floor.

``GET /floor/<id>/related`` answers every id with the same precomputed list, of the same length and
fields as a real answer, through the same app (request hooks, logging, headers, JSON). The difference
between it and ``GET /articles/<id>/related`` is the cost of our own work per request.
``GET /floor-bytes/<id>/related`` sends the same answer already encoded: the floor without even the
JSON encoding, which the service's fast path (``recommender/fast_path.py``) skips too.

    RECOMMENDER_MODELS=DIR gunicorn --chdir bench 'floor_app:app'
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from flask import Response, jsonify

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from recommender.api import related_items  # noqa: E402
from recommender.app import create_app  # noqa: E402
from recommender.holder import served_model  # noqa: E402


def build():
    app = create_app()
    k = int(os.environ.get("FLOOR_K", "8"))
    with app.app_context():
        model = served_model()
        source = model.article_at(0)
        answer = {"article": source, "model_version": model.version_,
                  "related": related_items(model, model.related(source["id"], k=k))}
        encoded = jsonify(answer).get_data()

    @app.get("/floor/<path:article_id>/related")
    def floor(article_id: str) -> Response:
        """The same list for any id: no model work at all."""
        return jsonify(answer)

    @app.get("/floor-bytes/<path:article_id>/related")
    def floor_bytes(article_id: str) -> Response:
        """The same list for any id, already encoded: no model work and no JSON encoding."""
        return app.response_class(encoded, mimetype="application/json")

    return app


app = build()
