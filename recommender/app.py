"""The service's app factory and its settings.

Configuration enters the app in one place, :func:`load_settings`: each setting of :data:`SETTINGS`
takes its default, then its environment variable, then the ``config`` passed to :func:`create_app`.
``gunicorn 'recommender.app:create_app()'`` therefore configures the app through the environment.
"""
from __future__ import annotations

import math
import re
import signal
import threading
from dataclasses import dataclass
from os import environ
from pathlib import Path
from typing import Any, Callable, Mapping

from flask import Flask
from threadpoolctl import threadpool_limits

from . import api, errors, headers, logs, openapi, preview
from .holder import EXTENSION, ModelHolder
from .inputs import ArticleIdConverter


class SettingError(ValueError):
    """A setting with a value the service cannot use; the message names the setting."""


def _path(value: Any) -> Path | None:
    return Path(value).expanduser() if value not in (None, "") else None


def _seconds(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or number < 0:
        raise ValueError("must be a number of seconds, 0 or more")
    return number


def _count(value: Any) -> int:
    text = str(value).strip()
    if isinstance(value, bool) or not text.isascii() or not text.isdigit():
        raise ValueError("must be a whole number, 0 or more")
    return int(text)


_ORIGIN = re.compile(r"[a-z][a-z0-9+.-]*://(\[[0-9a-f:.]+\]|[^/?#@\s:\[\]]+)(:[0-9]{1,5})?")


_DEFAULT_PORTS = {"http": ":80", "https": ":443"}


def _origins(value: Any) -> tuple[str, ...]:
    """Origins as a browser sends them (scheme://host[:port], lower case, no path, no default port),
    or * for any."""
    items = value.split(",") if isinstance(value, str) else list(value or ())
    origins = []
    for given in (o.strip() for o in items if o.strip()):
        origin = given.rstrip("/").lower()  # browsers send scheme and host in lower case
        if origin == "*":
            origins.append(origin)
            continue
        found = _ORIGIN.fullmatch(origin)
        if not found or (found[2] and not 1 <= int(found[2][1:]) <= 65535):
            raise ValueError(f"{given!r} is not an origin: give scheme://host[:port], as https://news.example.com")
        scheme = origin.split(":", 1)[0]
        if found[2] and found[2] == _DEFAULT_PORTS.get(scheme):
            origin = origin[: -len(found[2])]  # a browser leaves the scheme's own port out
        origins.append(origin)
    return tuple(origins)


@dataclass(frozen=True)
class Setting:
    """One setting: its name (the Flask config key), default, help, environment variable and parser."""

    name: str
    default: Any
    help: str
    env: str
    parse: Callable[[Any], Any]


#: Every setting of the service, in one table. The README documents the same names.
SETTINGS: tuple[Setting, ...] = (
    Setting("MODELS_DIR", None, "the models folder; the service serves the version named in its CURRENT file", "RECOMMENDER_MODELS", _path),
    Setting("RELOAD_INTERVAL", 5.0, "seconds between checks of CURRENT for a new model version (one stat each); 0 checks on every request", "RECOMMENDER_RELOAD_INTERVAL", _seconds),
    Setting("MAX_CONTENT_LENGTH", 1024 * 1024, "largest request body accepted, in bytes; a larger one gets 413", "RECOMMENDER_MAX_CONTENT_LENGTH", _count),
    Setting("CACHE_MAX_AGE", 300, "max-age, in seconds, of the Cache-Control header on GET answers", "RECOMMENDER_CACHE_MAX_AGE", _count),
    Setting("CORS_ORIGINS", (), "origins whose pages may call the API, comma-separated (https://news.example.com); * allows any; empty allows none", "RECOMMENDER_CORS_ORIGINS", _origins),
)


def load_settings(config: Mapping[str, Any] | None = None, env: Mapping[str, str] = environ) -> dict[str, Any]:
    """Every setting's value: the default, overridden by its environment variable, then by ``config``."""
    config = dict(config or {})
    values = {}
    for setting in SETTINGS:
        raw, source = setting.default, "default"
        if setting.env in env:
            raw, source = env[setting.env], setting.env
        if setting.name in config:
            raw, source = config.pop(setting.name), setting.name
        try:
            values[setting.name] = setting.parse(raw)
        except (TypeError, ValueError) as exc:
            raise SettingError(f"{source}={raw!r}: {exc}") from None
    return {**values, **config}  # keys that are not settings (TESTING, ...) pass through to Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the service: load the current model of MODELS_DIR and wire the blueprints.

    Raises :class:`SettingError` for a bad setting and :class:`~recommender.holder.ModelUnavailable`
    when there is no model to serve or it is broken, so a server never starts without a model.
    """
    settings = load_settings(config)
    # A worker answers one request at a time and the workers share the cores: BLAS threads (the
    # topic product of POST /related) would only wait on each other (18 → 8 ms a POST at 100k).
    threadpool_limits(limits=1, user_api="blas")
    app = Flask(__name__, static_folder=None)
    app.url_map.converters["id"] = ArticleIdConverter
    app.url_map.merge_slashes = False  # "//" is a 404 in JSON, not a redirect page
    app.config.from_mapping(settings)
    holder = ModelHolder(settings["MODELS_DIR"], interval=settings["RELOAD_INTERVAL"])
    app.extensions[EXTENSION] = holder
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGHUP, lambda signum, frame: holder.check_soon(force=True))
    logs.init_app(app)
    errors.init_app(app)
    headers.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(preview.bp)
    return app
