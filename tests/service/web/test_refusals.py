"""A request refused by a rate limit costs one round trip to Redis, like one let through.

The script that finds a rule without room (the operation's own, or the one that only
spends budgets) reports that rule's windows with the refusal, so the 429's ``Retry-After``
is worked out without asking Redis again: under a flood, refusals are most requests.
"""

from __future__ import annotations

import math
import time
import urllib.parse
from typing import Any

import pytest
import redis
from flask import Flask

from service.sites.registry import Site
from service.web.state import AppState
from tests.support.flow import solution
from tests.support.round_trips import counting_round_trips

TWO_RULES = "2/minute;50/hour"  # two rules: spent by the budgets' script, all or none


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """Every budget two rules, the first small."""
    return {**app_config, "RATELIMIT_ENABLED": True,
            **{f"RATELIMIT_{scope}": TWO_RULES for scope in (
                "CHALLENGE", "CHALLENGE_SITE", "SOLVE", "SOLVE_SITE", "SITEVERIFY",
                "COMMENT_CHECK")}}


@pytest.fixture
def client(app: Flask) -> Any:
    """A test client of the app (in this thread, so its round trips can be counted)."""
    app.extensions["hedgerow"].models.current()
    return app.test_client()


def _library_retry_after(state: AppState, scope: str, identity: str) -> int:
    """``Retry-After`` as the ``limits`` library's own window statistics give it."""
    item = state.limits.rules[scope][0]
    reset_at = state.limits._get_limiter().get_window_stats(item, scope, identity).reset_time
    return max(1, math.ceil(reset_at - time.time()))


def _refused_in_one_round_trip(send: Any) -> Any:
    with counting_round_trips() as trips:
        reply = send()
    assert reply.status_code == 429, reply.text
    assert trips.count == 1
    return reply


def test_a_challenge_refused_by_its_sites_budget(
        client: Any, site: tuple[Site, str], state: AppState) -> None:
    def send() -> Any:
        return client.get(f"/v1/challenge?sitekey={site[0].sitekey}")

    assert [send().status_code for _ in range(2)] == [200, 200]
    reply = _refused_in_one_round_trip(send)
    assert reply.status_code == 429 and reply.json["error-codes"] == ["rate-limited"]
    expected = _library_retry_after(state, "challenge_site", site[0].sitekey)
    assert abs(int(reply.headers["Retry-After"]) - expected) <= 1
    assert reply.headers["RateLimit-Remaining"] == "0"


def test_a_request_refused_before_its_operation(client: Any, state: AppState) -> None:
    # An unknown sitekey still spends the client's budget, through the budgets' script.
    def send() -> Any:
        return client.get("/v1/challenge?sitekey=hk_unknown")

    assert [send().status_code for _ in range(2)] == [400, 400]
    reply = _refused_in_one_round_trip(send)
    assert reply.status_code == 429
    identity = state.clients.identity("127.0.0.1")
    assert abs(int(reply.headers["Retry-After"])
               - _library_retry_after(state, "challenge", identity)) <= 1


def test_a_siteverify_and_a_solve_refused_by_their_budgets(
        client: Any, site: tuple[Site, str]) -> None:
    sitekey, secret = site[0].sitekey, site[1]
    challenges = [client.get(f"/v1/challenge?sitekey={sitekey}").json for _ in range(2)]
    responses = [client.post("/v1/solve", json=solution(challenge)).json["response"]
                 for challenge in challenges]
    for response in responses:
        assert client.post("/v1/siteverify", data={"secret": secret, "response": response}
                           ).json["success"] is True
    reply = _refused_in_one_round_trip(
        lambda: client.post("/v1/siteverify", data={"secret": secret, "response": "x"}))
    assert reply.status_code == 429 and int(reply.headers["Retry-After"]) >= 1
    # The solves spent the site's budget of two; the next one is refused with the answer.
    reply = _refused_in_one_round_trip(
        lambda: client.post("/v1/solve", json={"token": "x.y.z", "answer": 1}))
    assert reply.status_code == 429


def test_an_akismet_check_refused_answers_in_akismets_way(
        client: Any, site: tuple[Site, str]) -> None:
    body = urllib.parse.urlencode({"api_key": site[1], "blog": "https://blog.example.com",
                                   "user_ip": "192.0.2.7", "comment_content": "Thanks!"})

    def send() -> Any:
        return client.post("/1.1/comment-check", data=body,
                           content_type="application/x-www-form-urlencoded")

    assert [send().status_code for _ in range(2)] == [200, 200]
    reply = _refused_in_one_round_trip(send)
    assert reply.text == "invalid"
    assert "Too many requests" in reply.headers["X-akismet-debug-help"]


@pytest.mark.parametrize(("previous", "current"), [(5, 2), (9, 0), (0, 3), (40, 1)])
def test_retry_after_is_the_librarys_with_both_windows_counted(
        client: Any, site: tuple[Site, str], state: AppState, redis_url: str,
        previous: int, current: int) -> None:
    sitekey = site[0].sitekey
    assert client.get(f"/v1/challenge?sitekey={sitekey}").status_code == 200  # caches warm
    item = state.limits.rules["challenge_site"][0]  # 2 a minute
    storage: Any = state.limits._get_limiter().storage
    key = storage.prefixed_key(f"{{{item.key_for('challenge_site', sitekey)}}}")
    connection = redis.Redis.from_url(redis_url)
    # Mid-window: the previous one's count weighs for its 13.7 s left, the current one
    # (kept for two windows) has 93.1 s to live.
    if previous:
        connection.set(f"{key}/-1", previous, px=13_700)
    connection.set(key, current, px=93_100)
    connection.close()
    reply = _refused_in_one_round_trip(
        lambda: client.get(f"/v1/challenge?sitekey={sitekey}"))
    assert reply.status_code == 429
    expected = _library_retry_after(state, "challenge_site", sitekey)
    assert abs(int(reply.headers["Retry-After"]) - expected) <= 1
