"""Requests gunicorn refuses before the app sees them, and bodies it cannot decode for the
app, answered by a real ``hedgerow serve`` in the service's error shapes."""

from __future__ import annotations

import inspect
import json
import secrets
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest
from gunicorn.http import errors as http_errors

from service.web.worker import refusal_for
from tests.support.processes import ServeProcess, clean_env
from tests.support.redis_server import RedisServer, free_port

HOST = b"Host: 127.0.0.1\r\n"
FORM = b"Content-Type: application/x-www-form-urlencoded\r\n"
CHUNKED = b"Transfer-Encoding: chunked\r\n"

# What a client sends, and the status and error code it gets back.
REFUSED = {
    "Host twice": (b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                   400, "invalid-header"),
    "non-ASCII request line": ("GET /caf\u00e9 HTTP/1.1\r\n".encode() + HOST + b"\r\n",
                               400, "malformed-request"),
    "not HTTP at all": (b"HELLO THERE\r\n\r\n", 400, "malformed-request"),
    "bad method": (b"G@T /healthz HTTP/1.1\r\n" + HOST + b"\r\n", 400, "malformed-request"),
    "unknown version": (b"GET /healthz HTTP/9.9\r\n" + HOST + b"\r\n",
                        400, "malformed-request"),
    "HTTP/2 preface": (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400, "malformed-request"),
    "URL too long": (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n" + HOST + b"\r\n",
                     414, "uri-too-long"),
    "too many headers": (b"GET /healthz HTTP/1.1\r\n" + HOST
                         + b"".join(b"X-N%d: 1\r\n" % i for i in range(120)) + b"\r\n",
                         431, "headers-too-large"),
    "bad header name": (b"GET /healthz HTTP/1.1\r\n" + HOST + b"Bad Name: x\r\n\r\n",
                        400, "invalid-header"),
    "folded header": (b"GET /healthz HTTP/1.1\r\n" + HOST + b"X-A: 1\r\n  more\r\n\r\n",
                      400, "invalid-header"),
    "unknown expectation": (b"POST /v1/solve HTTP/1.1\r\n" + HOST
                            + b"Expect: 200-ok\r\nContent-Length: 0\r\n\r\n",
                            417, "expectation-failed"),
    "contradicting schemes": (b"GET /healthz HTTP/1.1\r\n" + HOST
                              + b"X-Forwarded-Proto: https\r\nX-Forwarded-Ssl: off\r\n\r\n",
                              400, "invalid-header"),
    # Decoded by gunicorn as the app reads it: refused by the app, in its own shape.
    "chunk size not hex": (b"POST /v1/solve HTTP/1.1\r\n" + HOST + FORM + CHUNKED
                           + b"\r\nZZ\r\nabc\r\n0\r\n\r\n", 400, "malformed-body"),
    "chunk without its end": (b"POST /v1/solve HTTP/1.1\r\n" + HOST + FORM + CHUNKED
                              + b"\r\n3\r\nabcXX0\r\n\r\n", 400, "malformed-body"),
}


@pytest.fixture(scope="module")
def server(redis_server: RedisServer) -> Iterator[ServeProcess]:
    """``hedgerow serve`` on the test Redis (under a key prefix of its own: it outlives
    the tests that empty the database)."""
    with tempfile.TemporaryDirectory(prefix="hr-") as path:
        env = clean_env(HEDGEROW_REDIS_URL=redis_server.url, HEDGEROW_DATA_DIR=path,
                        HEDGEROW_SECRET_KEY=secrets.token_urlsafe(48),
                        HEDGEROW_KEY_PREFIX="worker-test")
        process = ServeProcess(free_port(), env, log=Path(path) / "serve.log")
        try:
            yield process.wait_ready()
        finally:
            process.stop()


def exchange(server: ServeProcess, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``request`` as raw bytes; the status, headers and body of the answer."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in
               (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_requests_get_the_json_error_shape(server: ServeProcess, case: str) -> None:
    request, status, code = REFUSED[case]
    answered, headers, body = exchange(server, request)
    assert answered == status, body
    assert headers["content-type"] == "application/json"
    assert int(headers["content-length"]) == len(body)
    reply = json.loads(body)
    assert reply["success"] is False and reply["error-codes"] == [code]
    assert reply["message"] and "Traceback" not in reply["message"]
    assert "Traceback" not in server.log_path.read_text()


@pytest.mark.slow
def test_an_undecodable_akismet_body_gets_akismets_answer(server: ServeProcess) -> None:
    status, headers, body = exchange(server, b"POST /1.1/comment-check HTTP/1.1\r\n" + HOST
                                     + FORM + CHUNKED + b"\r\nZZ\r\nabc\r\n0\r\n\r\n")
    assert (status, body) == (400, b"invalid")
    assert "chunked body" in headers["x-akismet-debug-help"]


def test_every_refusal_gunicorn_can_make_is_answered_or_left_to_it() -> None:
    kinds = [kind for _, kind in inspect.getmembers(http_errors, inspect.isclass)
             if issubclass(kind, http_errors.ParseException)
             and kind is not http_errors.ParseException]
    for kind in kinds:
        error = cast(BaseException, kind.__new__(kind))  # no arguments needed here
        refusal = refusal_for(error)
        server_side = kind in (http_errors.ConfigurationProblem,
                               http_errors.InvalidResponseHeader,
                               http_errors.InvalidResponseHeaderName)
        assert (refusal is None) == server_side, kind
        if refusal is not None:
            status, _, body = refusal
            assert 400 <= status < 600 and json.loads(body)["error-codes"], kind
