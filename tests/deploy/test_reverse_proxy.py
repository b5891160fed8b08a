"""Hedgerow behind the shipped nginx config: slow clients, per-address limits, what is public.

Every client here connects to 127.0.0.1, from a loopback source address of its own
(127.0.0.0/8 is all loopback), so that nginx sees distinct clients.
"""

from __future__ import annotations

import functools
import http.client
import json
import select
import socket
import threading
import time
from typing import Any

import pytest
import requests

from tests.conftest import SITE_ORIGIN
from tests.deploy.conftest import CHALLENGE_LIMIT, Deployment
from tests.support.flow import solved_response
from tests.support.live_server import based_session

pytestmark = pytest.mark.slow

SLOW_CLIENTS = 50  # the service has 1 worker with 4 threads: far fewer than this
SLOW_BODY = 60_000
MAX_DRIP_SECONDS = 15
PER_ADDRESS = 32  # limit_conn in deploy/nginx/hedgerow.conf.template


def _announce_body(port: int, source: str) -> socket.socket:
    """A connection that has sent a siteverify request's headers and none of its body."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
    sock.sendall(
        f"POST /v1/siteverify HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {SLOW_BODY}\r\n\r\n".encode()
    )
    return sock


def _heard_back(sock: socket.socket) -> bool:
    """Whether the server has answered or closed ``sock`` (without waiting)."""
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


class Drip:
    """One body byte a second on every socket, from a thread, for at most 15 seconds."""

    def __init__(self, socks: list[socket.socket]) -> None:
        self.socks = socks
        self.rounds = 0
        self.failed_sends = 0
        self.under_way = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Drip:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        deadline = time.monotonic() + MAX_DRIP_SECONDS
        while not self._stop.is_set() and time.monotonic() < deadline:
            for sock in self.socks:
                try:
                    sock.send(b"a")
                except OSError:
                    self.failed_sends += 1
            self.rounds += 1
            if self.rounds >= 2:
                self.under_way.set()
            self._stop.wait(1)


def _session(base: str) -> requests.Session:
    """A session on ``base`` whose every request gives up after 10 s: a stalled service
    fails the test instead of hanging it."""
    session = based_session(base)
    session.request = functools.partial(session.request, timeout=10)  # type: ignore[method-assign]
    return session


def _get(port: int, source: str, path: str, headers: dict[str, str] | None = None
         ) -> tuple[int, Any]:
    """GET ``path`` through the proxy from the loopback address ``source``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        conn.request("GET", path, headers=headers or {})
        reply = conn.getresponse()
        return reply.status, json.loads(reply.read() or b"null")
    finally:
        conn.close()


def _until_status(port: int, source: str, status: int) -> Any:
    """GET /healthz from ``source`` until it answers ``status`` (within 10 s); its body."""
    deadline = time.monotonic() + 10
    while True:
        got, body = _get(port, source, "/healthz")
        if got == status:
            return body
        assert time.monotonic() < deadline, f"/healthz still answers {got}, not {status}"
        time.sleep(0.1)


def test_slow_bodies_do_not_stall_the_service(deployment: Deployment) -> None:
    port = deployment.proxy.port
    slow = [_announce_body(port, f"127.0.0.{2 + i}") for i in range(SLOW_CLIENTS)]
    try:
        with Drip(slow) as drip, _session(deployment.proxy.url) as http:
            assert drip.under_way.wait(5)
            assert http.get("/healthz").json() == {"status": "ok"}
            response = solved_response(http, deployment.sitekey, Origin=SITE_ORIGIN)
            verdict = http.post("/v1/siteverify",
                                data={"secret": deployment.secret, "response": response}).json()
            assert verdict["success"] is True and verdict["hostname"] == "blog.example.com"
            # The slow requests were all still open and unanswered the whole time.
            assert not [s for s in slow if _heard_back(s)]
            assert drip.failed_sends == 0
    finally:
        for sock in slow:
            sock.close()


def test_one_address_gets_a_bounded_number_of_requests_at_once(deployment: Deployment) -> None:
    port = deployment.proxy.port
    held = [_announce_body(port, "127.0.0.77") for _ in range(PER_ADDRESS)]
    try:
        refused = _until_status(port, "127.0.0.77", 429)
        assert refused["error-codes"] == ["rate-limited"] and refused["message"]
        assert not [s for s in held if _heard_back(s)]  # all of the first 32 were let in
        assert _get(port, "127.0.0.78", "/healthz")[0] == 200  # other addresses are not
    finally:
        for sock in held:
            sock.close()
    _until_status(port, "127.0.0.77", 200)


def test_hedgerow_sees_each_client_address_and_not_a_forged_one(
    deployment: Deployment
) -> None:
    port = deployment.proxy.port
    path = f"/v1/challenge?sitekey={deployment.sitekey}"
    for _ in range(CHALLENGE_LIMIT):
        assert _get(port, "127.0.0.5", path)[0] == 200
    status, body = _get(port, "127.0.0.5", path)
    assert status == 429 and body["error-codes"] == ["rate-limited"]
    # nginx replaces a forged X-Forwarded-For, so it buys no fresh budget ...
    assert _get(port, "127.0.0.5", path, {"X-Forwarded-For": "203.0.113.9"})[0] == 429
    # ... and another address has its own (were the header ignored, every client would
    # share nginx's address and its spent budget).
    assert _get(port, "127.0.0.6", path)[0] == 200


def test_metrics_are_not_published(deployment: Deployment) -> None:
    for path in ("/metrics", "/metrics?x=1", "//metrics", "/%6Detrics"):
        status, body = _get(deployment.proxy.port, "127.0.0.1", path)
        assert status == 404 and body["error-codes"] == ["not-found"], path
    direct = requests.get(deployment.app.url + "/metrics", timeout=10)
    assert direct.status_code == 200 and "hedgerow_redis_up 1" in direct.text


def test_the_proxy_and_the_service_accept_the_same_largest_body(
    deployment: Deployment
) -> None:
    url = deployment.proxy.url + "/v1/siteverify"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    body = _padding_form(65536)
    largest = requests.post(url, data=body, headers=form, timeout=10)
    # Hedgerow read it, and found no secret in it.
    assert largest.json()["error-codes"] == ["missing-input-secret", "missing-input-response"]
    too_large = requests.post(url, data=body + b"a", headers=form, timeout=10)
    assert too_large.status_code == 413
    assert too_large.json()["error-codes"] == ["payload-too-large"]


def _padding_form(size: int, count: int = 17) -> bytes:
    """A well-formed form body of exactly ``size`` bytes: ``count`` fields nobody reads.

    Each value stays under siteverify's 4 KiB field limit, so only the body's size is
    at stake.
    """
    names = [f"pad{i:02d}=".encode() for i in range(count)]
    room = size - (count - 1) - sum(map(len, names))
    values = [b"a" * (room // count)] * count
    values[-1] += b"a" * (room - sum(map(len, values)))
    body = b"&".join(name + value for name, value in zip(names, values, strict=True))
    assert len(body) == size
    return body
