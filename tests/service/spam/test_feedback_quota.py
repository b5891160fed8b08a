"""Each site may store a bounded amount of feedback a day; the quota is atomic."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

import pytest
import requests
import time_machine

from service import create_app
from service.sites.registry import Site
from service.web.state import AppState
from tests.conftest import SITE_ORIGIN
from tests.support.live_server import LiveServer, based_session

# 23:59:00 UTC (2030-03-17): a minute before the quota's day ends.
LATE = 1_900_022_340


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """Two entries a day per site."""
    return {**app_config, "FEEDBACK_ENTRIES_PER_DAY": 2}


def _feedback(
    http: requests.Session, secret: str, content: str = "Cheap pills"
) -> requests.Response:
    return http.post("/v1/feedback", json={"comment_content": content, "label": "spam"},
                     headers={"Authorization": f"Bearer {secret}"})


def test_the_entries_quota_answers_429_until_midnight_utc(
    http: requests.Session, site: tuple[Site, str], state: AppState
) -> None:
    other, other_secret = state.sites.add("Other", ["https://other.example"])
    with time_machine.travel(LATE, tick=False) as clock:
        assert [_feedback(http, site[1]).status_code for _ in range(2)] == [201, 201]
        refused = _feedback(http, site[1])
        assert refused.status_code == 429
        body = refused.json()
        assert body["success"] is False and body["error-codes"] == ["feedback-quota-exceeded"]
        assert "at most 2 entries a day" in body["message"]
        assert "resets at 00:00 UTC" in body["message"] and "in 60 s" in body["message"]
        assert body["resets_at"].endswith("T00:00:00Z")
        assert refused.headers["Retry-After"] == "60"
        # Another site's quota is its own.
        assert _feedback(http, other_secret).status_code == 201
        clock.shift(61)
        assert _feedback(http, site[1]).status_code == 201
    assert state.store.feedback_count() == 4


def test_the_bytes_quota(app_config: dict[str, Any], site: tuple[Site, str]) -> None:
    server = LiveServer(create_app({**app_config, "FEEDBACK_ENTRIES_PER_DAY": 0,
                                    "FEEDBACK_BYTES_PER_DAY": 1000})).start()
    try:
        with based_session(server.url) as http:
            assert _feedback(http, site[1], "x" * 600).status_code == 201
            refused = _feedback(http, site[1], "y" * 600)
            small = _feedback(http, site[1], "z" * 100)
    finally:
        server.stop()
    assert refused.status_code == 429
    assert refused.json()["error-codes"] == ["feedback-quota-exceeded"]
    assert "1000 bytes of feedback a day" in refused.json()["message"]
    assert small.status_code == 201  # what still fits is taken


def test_akismet_submissions_share_the_quota_in_akismets_shape(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    fields = {"api_key": site[1], "blog": SITE_ORIGIN + "/", "comment_content": "Buy now",
              "user_ip": "198.51.100.4"}
    assert http.post("/1.1/submit-spam", data=fields).text.startswith("Thanks")
    assert _feedback(http, site[1]).status_code == 201
    refused = http.post("/1.1/submit-ham", data=fields)
    assert refused.status_code == 429
    assert refused.content == b"invalid"
    assert refused.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "feedback quota is used up" in refused.headers["X-akismet-debug-help"]
    assert int(refused.headers["Retry-After"]) >= 1
    # A test submission stores nothing, so no quota applies to it.
    test_only = http.post("/1.1/submit-spam", data={**fields, "is_test": "1"})
    assert test_only.status_code == 200


def test_concurrent_submissions_never_overshoot_the_quota(
    app_config: dict[str, Any], site: tuple[Site, str], state: AppState
) -> None:
    server = LiveServer(create_app({**app_config, "FEEDBACK_ENTRIES_PER_DAY": 5})).start()
    workers = 16
    barrier = Barrier(workers)

    def send(_: int) -> int:
        with requests.Session() as session:
            barrier.wait()
            return session.post(
                server.url + "/v1/feedback",
                json={"comment_content": "Cheap pills", "label": "spam"},
                headers={"Authorization": f"Bearer {site[1]}"},
            ).status_code

    try:
        with ThreadPoolExecutor(workers) as pool:
            codes = list(pool.map(send, range(workers)))
    finally:
        server.stop()
    assert sorted(codes) == [201] * 5 + [429] * (workers - 5)
    assert state.store.feedback_count() == 5
