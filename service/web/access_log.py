"""Request ids and one JSON access line per request.

A request keeps the ``X-Request-Id`` its client (or the proxy in front) sent when that is
a sane token, else gets a fresh one; either way the response carries it back, and the
access line names it. The line holds no secrets, no query string, no body and no client
address: the client appears as the keyed pseudonym of its network that rate limits use.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid

from flask import Flask, Response, g, request

HEADER = "X-Request-Id"
LOGGER = "hedgerow.access"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:+=/-]{8,128}$")


def request_id_from(sent: str | None) -> str:
    """The id to use for a request whose client sent ``sent``."""
    if sent and _SANE_ID.match(sent):
        return sent
    return uuid.uuid4().hex


class _CurrentStderr(logging.Handler):
    """Writes to whatever ``sys.stderr`` is at the time (it may be replaced)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:  # A closed or broken stream must not fail the request.
            self.handleError(record)


def access_logger() -> logging.Logger:
    """The access logger, given its stderr handler the first time it is asked for."""
    logger = logging.getLogger(LOGGER)
    if not logger.handlers:
        logger.addHandler(_CurrentStderr())
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


def init_app(app: Flask, *, enabled: bool) -> None:
    """Give every request of ``app`` an id, echo it, and log one line per request."""
    logger = access_logger() if enabled else None

    @app.before_request
    def _assign_id() -> None:
        g.request_id = request_id_from(request.headers.get(HEADER))

    @app.after_request
    def _echo_and_log(response: Response) -> Response:
        request_id = g.get("request_id") or request_id_from(None)
        response.headers[HEADER] = request_id
        if logger is not None:
            started = g.get("hedgerow_started")
            line = {
                "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
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
            logger.info(json.dumps(line, separators=(",", ":")))
        return response
