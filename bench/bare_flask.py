"""A bare Flask app with one JSON route, served the way ``hedgerow serve`` serves the
service (gunicorn, gthread workers): the ceiling ``bench/load_bench.py`` compares with.

Run: ``.venv/bin/python bench/bare_flask.py --port 8001 [--workers 2]``.
"""

from __future__ import annotations

import argparse
from typing import Any

from flask import Flask, Response, jsonify
from gunicorn.app.base import BaseApplication


def create_app() -> Flask:
    """The app: ``GET /`` answers a small JSON object."""
    app = Flask(__name__)

    @app.get("/")
    def index() -> Response:
        return jsonify({"status": "ok"})

    return app


class BareServer(BaseApplication):
    """Gunicorn configured in code, with the service's server options."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        """Apply the options to gunicorn's settings."""
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        """The app, built in each worker."""
        return create_app()


def main() -> None:
    """Serve until stopped."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    # The same options as service/web/server.py: run().
    BareServer({
        "bind": f"127.0.0.1:{args.port}",
        "workers": args.workers,
        "worker_class": "gthread",
        "threads": args.threads,
        "timeout": 30,
        "keepalive": 5,
        "limit_request_line": 8190,
        "limit_request_fields": 100,
        "loglevel": "warning",
        "errorlog": "-",
    }).run()


if __name__ == "__main__":
    main()
