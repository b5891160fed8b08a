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
from typing import Any

from flask import Request, Response

from service import randomness

HEADER = "X-Request-Id"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:+=/-]{8,128}$")


def request_id_from(sent: str | None) -> str:
    """The id to use for a request whose client sent ``sent``: 32 random hex digits
    unless it sent a sane one."""
    if sent and _SANE_ID.match(sent):
        return sent
    return randomness.token_hex(16)


def write_line(line: str) -> None:
    """Write one line to whatever ``sys.stderr`` is now (it may be replaced).

    One ``write`` per line, without the logging machinery: stderr is line-buffered, so the
    line leaves whole, and this runs for every request.
    """
    try:
        sys.stderr.write(line + "\n")
    except (OSError, ValueError):  # A closed or broken stream must not fail the request.
        pass


class Clock:
    """The access line's UTC timestamp, formatted once a second rather than per request,
    and the process id (read once: the app is built in the worker that serves it)."""

    def __init__(self) -> None:
        self._second = -1
        self._text = ""
        self.pid = os.getpid()

    def now(self) -> str:
        second = int(time.time())
        if second != self._second:
            self._text = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second))
            self._second = second
        return self._text


def line(clock: Clock, req: Request, ctx_globals: Any, response: Response,
         request_id: str, seconds: float | None) -> str:
    """The access line of one answered request, as one line of JSON."""
    rule = req.url_rule
    return json.dumps({
        "ts": clock.now(),
        "request_id": request_id,
        "method": req.method,
        "path": req.path[:200],
        "endpoint": rule.rule if rule is not None else None,
        "status": response.status_code,
        "ms": round(seconds * 1000, 2) if seconds is not None else None,
        "bytes": response.calculate_content_length(),
        "client": ctx_globals.get("hedgerow_client"),
        "site": ctx_globals.get("hedgerow_sitekey"),
        "pid": clock.pid,
    }, separators=(",", ":"))
