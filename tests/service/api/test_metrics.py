"""Who may read ``/metrics``: loopback clients, or anyone with the metrics token."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from service import create_app
from tests.support.live_server import LiveServer, based_session

TOKEN = "metrics-token-for-this-test-0123456789"


@pytest.fixture
def serve(app_config: dict[str, Any]) -> Iterator[Any]:
    """Serve the app with extra settings; yields a function returning a session."""
    servers: list[LiveServer] = []
    sessions: list[requests.Session] = []

    def start(**settings: Any) -> requests.Session:
        server = LiveServer(create_app({**app_config, **settings})).start()
        servers.append(server)
        sessions.append(based_session(server.url))
        return sessions[-1]

    yield start
    for session in sessions:
        session.close()
    for server in servers:
        server.stop()


def test_without_a_token_only_loopback_clients_may_scrape(serve: Any) -> None:
    # One trusted hop: the client is whoever X-Forwarded-For names, as behind nginx.
    http = serve(TRUSTED_PROXIES=1)
    local = http.get("/metrics")
    assert local.status_code == 200 and "hedgerow_redis_up 1" in local.text
    assert http.get("/metrics", headers={"X-Forwarded-For": "::1"}).status_code == 200
    for remote in ("203.0.113.9", "10.0.0.2", "not-an-address"):
        reply = http.get("/metrics", headers={"X-Forwarded-For": remote})
        assert reply.status_code == 403, remote
        assert reply.json()["error-codes"] == ["metrics-loopback-only"]
        assert "HEDGEROW_METRICS_TOKEN" in reply.json()["message"]
        assert "hedgerow_" not in reply.text


def test_with_a_token_every_scrape_must_send_it(serve: Any) -> None:
    http = serve(TRUSTED_PROXIES=1, METRICS_TOKEN=TOKEN)
    for headers in ({}, {"Authorization": "Bearer wrong"},
                    {"Authorization": f"Bearer {TOKEN}x"}, {"Authorization": f"Basic {TOKEN}"},
                    {"Authorization": f"Bearer {TOKEN[:-1]}"}):
        reply = http.get("/metrics", headers=headers)  # from loopback, and still refused
        assert reply.status_code == 401, headers
        assert reply.json()["error-codes"] == ["invalid-metrics-token"]
        assert reply.headers["WWW-Authenticate"].startswith("Bearer")
        assert "hedgerow_" not in reply.text
    good = {"Authorization": f"Bearer {TOKEN}"}
    assert http.get("/metrics", headers=good).status_code == 200
    remote = http.get("/metrics", headers={**good, "X-Forwarded-For": "203.0.113.9"})
    assert remote.status_code == 200 and "hedgerow_redis_up 1" in remote.text


def test_the_token_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from service.config import load

    monkeypatch.setenv("HEDGEROW_METRICS_TOKEN", f"  {TOKEN} ")
    assert load(require_secret=False)["METRICS_TOKEN"] == TOKEN
    monkeypatch.delenv("HEDGEROW_METRICS_TOKEN")
    assert load(require_secret=False)["METRICS_TOKEN"] == ""
