"""Every refusal of the widget's endpoints is readable by the page that caused it."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from service.sites.registry import Site
from tests.conftest import SITE_ORIGIN
from tests.support.flow import get_challenge

WRONG_ORIGIN = "http://127.0.0.1:8080"


def _readable(reply: requests.Response, code: str) -> dict[str, Any]:
    body = reply.json()
    assert body["error-codes"] == [code]
    assert body["message"]
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert "Retry-After" in reply.headers["Access-Control-Expose-Headers"]
    return dict(body)


def test_wrong_origin_says_which_and_how_to_add_it(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    reply = http.get("/v1/challenge", params={"sitekey": site[0].sitekey},
                     headers={"Origin": WRONG_ORIGIN})
    assert reply.status_code == 403
    message = _readable(reply, "origin-not-allowed")["message"]
    assert WRONG_ORIGIN in message
    assert "sites set" in message and "--add-origin" in message


def test_unknown_sitekey_is_readable(http: requests.Session) -> None:
    reply = http.get("/v1/challenge", params={"sitekey": "hk_" + "a" * 22},
                     headers={"Origin": SITE_ORIGIN})
    assert reply.status_code == 400
    _readable(reply, "invalid-input-sitekey")


def test_solving_from_a_wrong_origin_is_readable(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    # Same-origin GETs carry no Origin, so behind a port-forward the challenge loads and
    # only the POST is refused: the page must still learn why.
    challenge = get_challenge(http, site[0].sitekey)
    reply = http.post("/v1/solve", data={"token": challenge["token"], "answer": "1"},
                      headers={"Origin": WRONG_ORIGIN})
    assert reply.status_code == 403
    _readable(reply, "origin-not-allowed")


def test_a_success_is_still_only_for_the_sites_origins(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    reply = http.get("/v1/challenge", params={"sitekey": site[0].sitekey},
                     headers={"Origin": SITE_ORIGIN})
    assert reply.status_code == 200
    assert reply.headers["Access-Control-Allow-Origin"] == SITE_ORIGIN


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """Limits low enough for a test to spend."""
    return {**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_CHALLENGE": "1/minute"}


def test_rate_limited_is_readable_with_its_wait(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    params = {"sitekey": site[0].sitekey}
    assert http.get("/v1/challenge", params=params, headers={"Origin": SITE_ORIGIN}).ok
    reply = http.get("/v1/challenge", params=params, headers={"Origin": SITE_ORIGIN})
    assert reply.status_code == 429
    _readable(reply, "rate-limited")
    assert int(reply.headers["Retry-After"]) > 0
