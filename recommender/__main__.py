"""``python -m recommender --models DIR``: try the service on Flask's development server.

Production serving is gunicorn over the same app: ``gunicorn -w 4 'recommender.app:create_app()'``
with ``RECOMMENDER_MODELS`` set. A start-up failure prints one ``error: ...`` line and exits 1.
"""
from __future__ import annotations

import argparse
import logging
import socket
import sys

from werkzeug.serving import BaseWSGIServer, make_server

from .app import SettingError, create_app
from .holder import EXTENSION, ModelUnavailable


def _listen(host: str, port: int, app) -> BaseWSGIServer:
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    sock = socket.create_server((host, port), family=family)
    try:
        return make_server(host, port, app, threaded=True, fd=sock.fileno())
    finally:
        sock.close()  # the server holds its own duplicate


def url(host: str, port: int) -> str:
    """The address a browser is given: an IPv6 host in brackets (RFC 3986), as ``http://[::1]:8000/``."""
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def _port(text: str) -> int:
    if not (text.strip().isdigit() and int(text) <= 65535):
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535 (0: any free port), got {text!r}")
    return int(text)


def _folder(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a models folder, got an empty value")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m recommender",
        description="Serve related-article lists with Flask's development server (for trying out; use gunicorn in production).",
    )
    parser.add_argument("--models", metavar="DIR", type=_folder, help="the models folder (default: $RECOMMENDER_MODELS)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=_port, default=8000, help="port to listen on (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        app = create_app({"MODELS_DIR": args.models} if args.models is not None else None)
        server = _listen(args.host, args.port, app)
    except (ModelUnavailable, SettingError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the app writes its own access log
    model = app.extensions[EXTENSION].model
    print(
        f"serving model {model.version_} ({len(model):,} articles) on {url(args.host, server.port)} "
        "with the development server; Ctrl-C stops it",
        file=sys.stderr,
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
