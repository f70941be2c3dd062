"""The service's logs: one JSON line per request on ``recommender.access``, plain lines elsewhere.

When neither the ``recommender`` logger nor the root logger has a handler (the development server,
gunicorn without a logging config) the service writes its logs to stderr itself; otherwise it leaves
them to the logging that was set up (a ``--log-config``, pytest's capture).
"""
from __future__ import annotations

import datetime as _dt
import json
import logging
import sys

from flask import Flask, request

access_log = logging.getLogger("recommender.access")


class _Stderr(logging.StreamHandler):
    """A stream handler that writes to ``sys.stderr`` as it is when a record is written."""

    def __init__(self, fmt: str):
        super().__init__()
        self.setFormatter(logging.Formatter(fmt))

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def init_app(app: Flask) -> None:
    package = logging.getLogger("recommender")
    if package.level == logging.NOTSET:
        package.setLevel(logging.INFO)
    if package.handlers or logging.getLogger().handlers:
        return
    package.addHandler(_Stderr("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    access_log.addHandler(_Stderr("%(message)s"))
    access_log.propagate = False


def access(status: int, model_version: str, request_id: str, seconds: float) -> None:
    """Log one answered request as a JSON line."""
    access_log.info(
        json.dumps(
            {
                "time": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds"),
                "method": request.method,
                "path": request.path,
                "status": status,
                "duration_ms": round(seconds * 1000, 3),
                "model_version": model_version,
                "request_id": request_id,
            }
        )
    )
