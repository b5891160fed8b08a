"""A proxy that Hedgerow was not told about is noticed, logged once and shown in /readyz."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import requests

from service import create_app
from service.web.proxy_check import ForwardedForCheck
from tests.support.live_server import LiveServer, based_session

FORWARDED = {"X-Forwarded-For": "203.0.113.9"}


def test_forwarded_requests_from_loopback_raise_one_warning(
    http: requests.Session, caplog: pytest.LogCaptureFixture
) -> None:
    assert "detail" not in http.get("/readyz").json()
    http.get("/healthz")  # no X-Forwarded-For: nothing to say
    assert "detail" not in http.get("/readyz").json()
    with caplog.at_level(logging.WARNING, logger="service.web.proxy_check"):
        for _ in range(5):
            http.get("/healthz", headers=FORWARDED)
    ready = http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert "HEDGEROW_TRUSTED_PROXIES" in ready.json()["detail"]
    warnings = [r for r in caplog.records if r.name == "service.web.proxy_check"]
    assert len(warnings) == 1  # once per worker, not per request
    assert "HEDGEROW_TRUSTED_PROXIES" in warnings[0].getMessage()


def test_no_warning_when_proxies_are_trusted(app_config: dict[str, Any]) -> None:
    server = LiveServer(create_app({**app_config, "TRUSTED_PROXIES": 1})).start()
    try:
        with based_session(server.url) as http:
            http.get("/healthz", headers=FORWARDED)
            body = http.get("/readyz").json()
    finally:
        server.stop()
    assert body["status"] == "ready" and "detail" not in body


@pytest.mark.parametrize(
    ("peer", "forwarded", "warned"),
    [
        ("127.0.0.1", "203.0.113.9", True),
        ("10.1.2.3", "203.0.113.9", True),
        ("192.168.0.10", "203.0.113.9", True),
        ("fd00::1", "2001:db8::1", True),
        ("::1", "203.0.113.9", True),
        ("93.184.215.14", "203.0.113.9", False),  # a public peer: a client's own header
        ("127.0.0.1", None, False),
        ("127.0.0.1", "", False),
        (None, "203.0.113.9", False),
        ("unix-socket", "203.0.113.9", False),
    ],
)
def test_which_requests_count_as_proxied(
    peer: str | None, forwarded: str | None, warned: bool
) -> None:
    check = ForwardedForCheck(trusted_proxies=0)
    check.observe(peer, forwarded)
    assert bool(check.readyz_detail()) is warned
    assert check.watching is not warned
