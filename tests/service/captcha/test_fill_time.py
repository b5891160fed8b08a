"""The fill-time clock over real HTTP and Redis: it starts at the first challenge a widget
showed and survives wrong answers, expiry and resets; only signed times count."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import time_machine

from service.sites.registry import Site
from service.web.state import AppState
from tests.support.flow import get_challenge
from tests.support.solvers import solve_prompt

COMMENT = {"comment_content": "I love the chorus of this song, it reminds me of summer.",
           "comment_author": "Ada", "user_ip": "203.0.113.8"}
FAST = "form was filled in"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """Bare answers: the proof of work is covered elsewhere."""
    return {**app_config, "POW_ENABLED": False}


def _solve(http: requests.Session, challenge: dict[str, Any], wrong: bool = False
           ) -> dict[str, Any]:
    answer = solve_prompt(challenge["prompt"]) + (1 if wrong else 0)
    body: dict[str, Any] = http.post(
        "/v1/solve", json={"token": challenge["token"], "answer": answer}).json()
    return body


def _reasons(http: requests.Session, secret: str, response: str) -> list[str]:
    reply = http.post("/v1/comment-check", json={**COMMENT, "response": response},
                      headers={"Authorization": f"Bearer {secret}"})
    assert reply.status_code == 200, reply.text
    reasons: list[str] = reply.json()["reasons"]
    return reasons


def test_a_wrong_answer_keeps_the_clock_of_the_first_challenge(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    with time_machine.travel(1_900_000_000, tick=False) as clock:
        first = get_challenge(http, site[0].sitekey)
        clock.shift(30)
        wrong = _solve(http, first, wrong=True)
        assert wrong["error-codes"] == ["wrong-answer"]
        clock.shift(1)
        solved = _solve(http, wrong["challenge"])
        clock.shift(0.5)
        # 31.5 s since the widget first showed a challenge, 1.5 s since the last one.
        assert not any(FAST in r for r in _reasons(http, site[1], solved["response"]))

        # The control: a form really sent 1.5 s after its only challenge.
        alone = get_challenge(http, site[0].sitekey)
        clock.shift(1)
        quick = _solve(http, alone)
        clock.shift(0.5)
        assert f"{FAST} 1.5 s" in _reasons(http, site[1], quick["response"])


def test_a_refresh_with_the_previous_token_continues_the_chain(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    with time_machine.travel(1_900_000_000, tick=False) as clock:
        first = get_challenge(http, site[0].sitekey)
        # Past the first challenge's lifetime: the widget refreshed it on expiry.
        clock.shift(first["expires_in"] + 30)
        expired = _solve(http, first)
        assert expired["error-codes"] == ["timeout-or-duplicate"]
        refreshed = http.get("/v1/challenge", params={
            "sitekey": site[0].sitekey, "previous": expired["challenge"]["token"]}).json()
        clock.shift(1)
        solved = _solve(http, refreshed)
        assert not any(FAST in r for r in _reasons(http, site[1], solved["response"]))


@pytest.mark.parametrize("previous", ["forged", "garbage", "other-site"])
def test_an_untrusted_previous_token_starts_a_new_clock(
    http: requests.Session, site: tuple[Site, str], state: AppState, previous: str
) -> None:
    other, _ = state.sites.add("Forum", ["https://forum.example.com"])
    with time_machine.travel(1_900_000_000, tick=False) as clock:
        old = get_challenge(http, other.sitekey if previous == "other-site" else site[0].sitekey)
        token = old["token"]
        if previous == "forged":
            # Claim an earlier start without the key: the signature no longer matches.
            head, _, signature = token.partition(".")
            token = head[:-2] + ("AA" if head[-2:] != "AA" else "BB") + "." + signature
        elif previous == "garbage":
            token = "x" * 5000
        clock.shift(60)
        reply = http.get("/v1/challenge",
                         params={"sitekey": site[0].sitekey, "previous": token})
        assert reply.status_code == 200
        clock.shift(1)
        solved = _solve(http, reply.json())
        assert f"{FAST} 1.0 s" in _reasons(http, site[1], solved["response"])
