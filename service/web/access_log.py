"""Request ids and one JSON access line per request.

A request keeps the ``X-Request-Id`` its client (or the proxy in front) sent when that is
a sane token, else gets a fresh one; either way the response carries it back, and the
access line names it. The line holds no secrets, no query string, no body and no client
address: the client appears as the keyed pseudonym of its network that rate limits use.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import uuid

from flask import Flask, Response, g, request

HEADER = "X-Request-Id"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:+=/-]{8,128}$")


def request_id_from(sent: str | None) -> str:
    """The id to use for a request whose client sent ``sent``."""
    if sent and _SANE_ID.match(sent):
        return sent
    return uuid.uuid4().hex


def write_line(line: str) -> None:
    """Write one line to whatever ``sys.stderr`` is now (it may be replaced).

    One ``write`` per line, without the logging machinery: stderr is line-buffered, so the
    line leaves whole, and this runs for every request.
    """
    try:
        sys.stderr.write(line + "\n")
    except (OSError, ValueError):  # A closed or broken stream must not fail the request.
        pass


class _Clock:
    """The access line's UTC timestamp, formatted once a second rather than per request."""

    def __init__(self) -> None:
        self._second = -1
        self._text = ""

    def now(self) -> str:
        second = int(time.time())
        if second != self._second:
            self._text = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second))
            self._second = second
        return self._text


def init_app(app: Flask, *, enabled: bool) -> None:
    """Give every request of ``app`` an id, echo it, and log one line per request."""
    clock = _Clock()

    @app.before_request
    def _assign_id() -> None:
        g.request_id = request_id_from(request.headers.get(HEADER))

    @app.after_request
    def _echo_and_log(response: Response) -> Response:
        request_id = g.get("request_id") or request_id_from(None)
        response.headers[HEADER] = request_id
        if enabled:
            started = g.get("hedgerow_started")
            line = {
                "ts": clock.now(),
                "request_id": request_id,
                "method": request.method,
                "path": request.path[:200],
                "endpoint": request.url_rule.rule if request.url_rule is not None else None,
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
                "bytes": response.calculate_content_length(),
                "client": g.get("hedgerow_client"),
                "site": g.get("hedgerow_sitekey"),
                "pid": os.getpid(),
            }
            write_line(json.dumps(line, separators=(",", ":")))
        return response
