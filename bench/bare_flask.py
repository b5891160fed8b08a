"""A bare Flask app with one JSON route, served the way ``hedgerow serve`` serves the
service (gunicorn, gthread workers): the ceiling ``bench/load_bench.py`` compares with.

With ``--redis URL`` it has a second route, ``GET /redis``, that makes one Redis round
trip (a one-line script, as the service's hot paths run theirs, through redis-py with
hiredis) and answers a small JSON object: the ceiling for any endpoint that has to touch
Redis once.

Run: ``.venv/bin/python bench/bare_flask.py --port 8001 [--workers 2] [--threads 4]
[--redis URL]``.
"""

from __future__ import annotations

import argparse
from typing import Any

from flask import Flask, Response, jsonify
from gunicorn.app.base import BaseApplication

# What the one round trip does: count, and keep the counter from living forever.
_ROUND_TRIP_SCRIPT = ("local n = redis.call('INCR', KEYS[1]) "
                      "redis.call('EXPIRE', KEYS[1], 60) return n")


def create_app(redis_url: str | None = None) -> Flask:
    """The app: ``GET /`` answers a small JSON object; with ``redis_url``, ``GET /redis``
    does so after one Redis round trip."""
    app = Flask(__name__)

    @app.get("/")
    def index() -> Response:
        return jsonify({"status": "ok"})

    if redis_url:
        import redis

        client = redis.Redis.from_url(redis_url, decode_responses=True, socket_timeout=2.0)
        script = client.register_script(_ROUND_TRIP_SCRIPT)

        @app.get("/redis")
        def round_trip() -> Response:
            return jsonify({"status": "ok", "count": script(keys=["bench:bare:count"])})

    return app


class BareServer(BaseApplication):
    """Gunicorn configured in code, with the service's server options."""

    def __init__(self, options: dict[str, Any], redis_url: str | None = None) -> None:
        self.options = options
        self.redis_url = redis_url
        super().__init__()

    def load_config(self) -> None:
        """Apply the options to gunicorn's settings."""
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        """The app, built in each worker."""
        return create_app(self.redis_url)


def main() -> None:
    """Serve until stopped."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--redis", help="Redis URL for the GET /redis route")
    args = parser.parse_args()
    # The same options as service/web/server.py: run().
    BareServer({
        "bind": f"127.0.0.1:{args.port}",
        "workers": args.workers,
        "worker_class": "gthread",
        "threads": args.threads,
        "worker_connections": 16,
        "timeout": 30,
        "keepalive": 5,
        "limit_request_line": 8190,
        "limit_request_fields": 100,
        "loglevel": "warning",
        "errorlog": "-",
    }, args.redis).run()


if __name__ == "__main__":
    main()
