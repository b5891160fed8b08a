"""What every request goes through around its view: one hook before, one after.

Before the view: the clock starts, the request gets its id, a forwarded request from an
untrusted proxy is noticed, and the query string and credential headers are checked (the
query's fields kept for :func:`~service.web.request_data.query_field`).
After it (on the final response, errors included): the security headers, the id echoed,
the model gauge, the access line and the metrics.

They are one hook each rather than one per concern because Flask pays for every hook it
calls (a coroutine check each time), and these run for every request.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from flask import Flask, Response

from service.web import access_log, current, request_data
from service.web.headers import add_own, names_in

if TYPE_CHECKING:
    from service.web.metrics import Metrics
    from service.web.state import AppState

_SECURITY_HEADERS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"))
_REQUEST_ID = access_log.HEADER.lower()


def init_app(app: Flask, app_state: AppState, app_metrics: Metrics, *, access_lines: bool
             ) -> None:
    """Register the before and after hooks of every request of ``app``."""
    clock = access_log.Clock()
    lines = access_log.writer()
    forwarding = app_state.forwarding
    models = app_state.models

    @app.before_request
    def _before() -> None:
        req = current.request()
        ctx_globals = current.g()
        ctx_globals.hedgerow_started = time.perf_counter()
        # Headers straight from the WSGI environ: werkzeug's lookup raises and catches an
        # exception for each header that is absent, and these usually are.
        environ = req.environ
        ctx_globals.request_id = access_log.request_id_from(environ.get("HTTP_X_REQUEST_ID"))
        if forwarding.watching:
            forwarding.observe(req.remote_addr, environ.get("HTTP_X_FORWARDED_FOR"))
        ctx_globals.hedgerow_query = request_data.check_request_text(req)

    @app.after_request
    def _after(response: Response) -> Response:
        req = current.request()
        ctx_globals = current.g()
        headers = response.headers
        present = names_in(headers)
        # Added rather than set: set would first look for (and remove) a copy there isn't.
        for name, value in _SECURITY_HEADERS:
            if name.lower() not in present:
                add_own(headers, name, value)
        # Generated, or the client's when it matched access_log's pattern (no line break).
        request_id = ctx_globals.get("request_id") or access_log.request_id_from(None)
        if _REQUEST_ID in present:
            headers[access_log.HEADER] = request_id
        else:
            add_own(headers, access_log.HEADER, request_id)
        app_metrics.note_model(models.loaded_version)
        started = ctx_globals.get("hedgerow_started")
        seconds = time.perf_counter() - started if started is not None else None
        if access_lines:
            lines.write(access_log.line(clock, req, ctx_globals, response, request_id,
                                        seconds))
        if seconds is not None:
            app_metrics.observe(req, ctx_globals, response, seconds)
        return response
