"""The other way to verify (WCAG 2.2 SC 3.3.8): no arithmetic, a longer proof of work,
signed, single-use and rate-limited like the rest, and named in siteverify's answer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests

from service import create_app
from service.captcha import proof_of_work
from service.captcha.flow import WORK_EXTRA_BITS
from service.sites.registry import Site
from tests.support.flow import solved_response
from tests.support.live_server import LiveServer, based_session
from tests.support.solvers import solve_pow

MIN_BITS = 2


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """Small puzzles, so that a test solves the longer one in milliseconds."""
    return {**app_config, "POW_MIN_BITS": MIN_BITS}


def _challenge(http: requests.Session, sitekey: str, **params: str) -> dict[str, Any]:
    reply = http.get("/v1/challenge", params={"sitekey": sitekey, **params})
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def _work(challenge: dict[str, Any]) -> str:
    return str(solve_pow(challenge["pow"]["salt"], challenge["pow"]["difficulty"]))


def _verify(http: requests.Session, secret: str, response: str) -> dict[str, Any]:
    return dict(http.post("/v1/siteverify", data={"secret": secret, "response": response}).json())


def test_the_other_way_is_work_instead_of_a_question(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    sitekey, secret = site[0].sitekey, site[1]
    usual = _challenge(http, sitekey)
    other = _challenge(http, sitekey, mode="work")
    assert other["mode"] == "work" and other["prompt"] == ""
    assert "mode" not in usual
    assert other["pow"]["difficulty"] == usual["pow"]["difficulty"] + WORK_EXTRA_BITS
    solved = http.post("/v1/solve", data={"token": other["token"], "pow": _work(other)}).json()
    assert solved["success"] is True, solved
    verdict = _verify(http, secret, solved["response"])
    assert verdict["success"] is True and verdict["method"] == "proof-of-work"
    # Single use, like every response.
    assert _verify(http, secret, solved["response"])["error-codes"] == ["timeout-or-duplicate"]


def test_an_answer_is_still_needed_the_usual_way(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    usual = _challenge(http, site[0].sitekey)
    reply = http.post("/v1/solve", data={"token": usual["token"], "pow": _work(usual)}).json()
    assert reply["error-codes"] == ["missing-input-answer"]
    # The fresh challenge keeps the way the visitor chose.
    assert "mode" not in reply["challenge"]


def test_the_work_is_checked_and_the_challenge_burnt(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    other = _challenge(http, site[0].sitekey, mode="work")
    salt, bits = other["pow"]["salt"], other["pow"]["difficulty"]
    wrong = next(n for n in range(10_000) if not proof_of_work.verify(salt, bits, n))
    body = http.post("/v1/solve", data={"token": other["token"], "pow": str(wrong)}).json()
    assert body["error-codes"] == ["invalid-input-pow"] and body["message"]
    assert body["challenge"]["mode"] == "work"
    again = http.post("/v1/solve", data={"token": other["token"], "pow": _work(other)}).json()
    assert again["success"] is False and again["error-codes"] == ["timeout-or-duplicate"]
    assert again["challenge"]["mode"] == "work"
    missing = _challenge(http, site[0].sitekey, mode="work")
    reply = http.post("/v1/solve", data={"token": missing["token"], "answer": "7"}).json()
    assert reply["error-codes"] == ["missing-input-pow"]


def test_the_usual_way_is_not_marked(http: requests.Session, site: tuple[Site, str]) -> None:
    verdict = _verify(http, site[1], solved_response(http, site[0].sitekey))
    assert verdict["success"] is True and "method" not in verdict


def test_an_unknown_mode_is_refused(http: requests.Session, site: tuple[Site, str]) -> None:
    reply = http.get("/v1/challenge", params={"sitekey": site[0].sitekey, "mode": "audio"})
    assert reply.status_code == 400
    assert reply.json()["error-codes"] == ["invalid-input-mode"]


@contextmanager
def _serving(config: dict[str, Any]) -> Iterator[requests.Session]:
    server = LiveServer(create_app(config)).start()
    try:
        with based_session(server.url) as http:
            yield http
    finally:
        server.stop()


def test_the_work_is_there_with_the_puzzle_turned_off(
    app_config: dict[str, Any], site: tuple[Site, str]
) -> None:
    # POW_ENABLED=false drops the puzzle from the usual way only: the other way is the work.
    with _serving({**app_config, "POW_ENABLED": False}) as http:
        assert "pow" not in _challenge(http, site[0].sitekey)
        other = _challenge(http, site[0].sitekey, mode="work")
        # The default puzzle's bits plus the extra (too much work for a quick test to do).
        assert other["pow"]["difficulty"] == proof_of_work.Policy().min_bits + WORK_EXTRA_BITS
        lazy = http.post("/v1/solve", data={"token": other["token"], "answer": "4"}).json()
        assert lazy["error-codes"] == ["missing-input-pow"]


@pytest.mark.parametrize("first", [{}, {"mode": "work"}])
def test_both_ways_share_one_rate_limit(
    app_config: dict[str, Any], site: tuple[Site, str], first: dict[str, str]
) -> None:
    limited = {**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_CHALLENGE": "1/minute"}
    with _serving(limited) as http:
        params = {"sitekey": site[0].sitekey}
        assert http.get("/v1/challenge", params={**params, **first}).status_code == 200
        other = {} if first else {"mode": "work"}
        refused = http.get("/v1/challenge", params={**params, **other})
        assert refused.status_code == 429
        assert refused.json()["error-codes"] == ["rate-limited"]
