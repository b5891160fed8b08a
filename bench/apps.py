"""The app the in-process benchmarks measure (a fresh one, on its own Redis, with a site)
and the requests they make of it."""

from __future__ import annotations

import io
import json
import secrets
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ORIGIN = "https://bench.example"
# Rate-limit budgets of the defaults' shape that no run can spend.
UNSPENDABLE = "100000000/minute;100000000/hour"
BUDGETS = ("CHALLENGE", "SOLVE", "CHALLENGE_SITE", "SOLVE_SITE", "SITEVERIFY",
           "COMMENT_CHECK")
# Verdicts the moderators of a site that learned send before it is measured, so that its
# comment checks go through a layer of its own (as every site's do once it sends feedback).
VERDICTS = 5
LEARNED = "POST /v1/comment-check, a site that learned"
ENDPOINTS = ("bare Flask GET /", "GET /healthz", "GET /v1/challenge", "POST /v1/siteverify",
             "POST /v1/comment-check", "POST /1.1/comment-check", LEARNED)
COMMENT = {
    "comment_content": "Thanks for the write-up, the part about pruning hawthorn in late "
                       "winter was new to me. See https://example.org/hedges for photos.",
    "comment_author": "Ann Example", "comment_author_email": "ann@example.org",
    "user_ip": "192.0.2.7", "user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:120.0)",
}


def environ(method: str, path: str, query: str = "", body: bytes = b"",
            content_type: str = "", headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A WSGI environ as gunicorn builds one for a request from 127.0.0.1."""
    made: dict[str, Any] = {
        "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": path,
        "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000", "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "5555",
        "HTTP_HOST": "127.0.0.1:8000", "HTTP_USER_AGENT": "bench", "HTTP_ACCEPT": "*/*",
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
        "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if method == "POST":
        made["CONTENT_LENGTH"] = str(len(body))
        made["CONTENT_TYPE"] = content_type
    for name, value in (headers or {}).items():
        made["HTTP_" + name.upper().replace("-", "_")] = value
    return made


def call(app: Any, environ: dict[str, Any], expect: str = "200") -> bytes:
    """Call the WSGI ``app`` with ``environ``; its body (an error unless the status starts
    with ``expect``)."""
    statuses: list[str] = []
    body = b"".join(app(environ, lambda status, headers, exc_info=None: statuses.append(status)))
    if not statuses[0].startswith(expect):
        raise RuntimeError(f"{environ['PATH_INFO']}: {statuses[0]} {body[:200]!r}")
    return body


def verdicts(count: int = VERDICTS) -> list[bytes]:
    """Bodies of ``POST /v1/feedback``: ``count`` spam verdicts, on comments of their own."""
    return [json.dumps({"comment_content": f"Cheap pills {i}, order now at "
                                           f"https://pills{i}.example",
                        "label": "spam"}).encode() for i in range(count)]


@contextmanager
def bench_app(prefix: str, **config: Any) -> Iterator[tuple[Any, Any, Any, str]]:
    """``(app, state, site, secret)``: an app on an embedded Redis in a temporary directory
    named with ``prefix``, the site "Bench" (at :data:`ORIGIN`) registered and the model
    loaded. ``config`` adds to the settings. The service is the one on ``sys.path``."""
    from service import create_app
    from service.store.embedded import EmbeddedRedis

    with tempfile.TemporaryDirectory(prefix=prefix) as tmp, \
            EmbeddedRedis(Path(tmp)) as redis_server:
        app = create_app({"SECRET_KEY": [secrets.token_urlsafe(48)],
                          "REDIS_URL": redis_server.url, "DATA_DIR": tmp, **config})
        state = app.extensions["hedgerow"]
        site, secret = state.sites.add("Bench", [ORIGIN])
        state.models.current()
        yield app, state, site, secret


def learned_site(app: Any, state: Any) -> str:
    """A second site whose moderators sent the verdicts of :func:`apps.verdicts` (through
    ``POST /v1/feedback``); its secret."""
    _, secret = state.sites.add("Learned", [ORIGIN])
    errors, sys.stderr = sys.stderr, io.StringIO()  # the feedback's access lines
    try:
        for body in verdicts():
            call(app, environ("POST", "/v1/feedback", body=body,
                                content_type="application/json",
                                headers={"Authorization": f"Bearer {secret}"}), expect="201")
    finally:
        sys.stderr = errors
    return secret


def requests_of(app: Any, state: Any, site: Any, secret: str
                ) -> dict[str, Callable[[], dict[str, Any]]]:
    """What each of :data:`ENDPOINTS` is asked, as a maker of fresh WSGI environs (the
    bare app's for ``bare_flask.create_app()``, every other one's for ``app``, whose
    ``state``, ``site`` and ``secret`` :func:`bench_app` gave). Siteverify's tokens are
    single-use: each environ carries a new one, so make them before measuring."""
    from service.signing import Purpose, new_nonce

    comment = json.dumps(COMMENT).encode()
    akismet = urllib.parse.urlencode({**COMMENT, "api_key": secret, "blog": ORIGIN}).encode()
    learned_secret = learned_site(app, state)

    def siteverify_body() -> bytes:
        now = round(time.time(), 3)
        token = state.signer.sign(Purpose.RESPONSE, {
            "n": new_nonce(), "k": site.sitekey, "c": now, "f": now,
            "h": "bench.example", "i": "bench"})
        return urllib.parse.urlencode({"secret": secret, "response": token}).encode()

    return {
        "bare Flask GET /": lambda: environ("GET", "/"),
        "GET /healthz": lambda: environ("GET", "/healthz"),
        "GET /v1/challenge": lambda: environ("GET", "/v1/challenge", f"sitekey={site.sitekey}"),
        "POST /v1/siteverify": lambda: environ(
            "POST", "/v1/siteverify", body=siteverify_body(),
            content_type="application/x-www-form-urlencoded"),
        "POST /v1/comment-check": lambda: environ(
            "POST", "/v1/comment-check", body=comment, content_type="application/json",
            headers={"Authorization": f"Bearer {secret}"}),
        "POST /1.1/comment-check": lambda: environ(
            "POST", "/1.1/comment-check", body=akismet,
            content_type="application/x-www-form-urlencoded"),
        LEARNED: lambda: environ(
            "POST", "/v1/comment-check", body=comment, content_type="application/json",
            headers={"Authorization": f"Bearer {learned_secret}"}),
    }


def limits_config(limits: bool) -> dict[str, Any]:
    """The app's settings: rate limits off, or on with budgets no run can spend."""
    if not limits:
        return {"RATELIMIT_ENABLED": False}
    return {"RATELIMIT_ENABLED": True, **{f"RATELIMIT_{name}": UNSPENDABLE for name in BUDGETS}}
