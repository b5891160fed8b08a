"""Rate-limit budgets spent by the operation's own script: refused means nothing done.

A challenge, a solve, a siteverify and a comment check spend their budgets at the start of
the one script that does their work. A refusal there must leave everything as it was: no
other budget spent, no challenge counted, no token spent, no usage counted.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import redis
import requests

from service.sites.registry import Site
from service.web.state import AppState
from tests.support.flow import get_challenge, solution, solved_response

PREFIX = "hedgerow"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """Tight budgets: a site's run out before a client's."""
    return {
        **app_config,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_CHALLENGE": "10/minute",
        "RATELIMIT_CHALLENGE_SITE": "2/minute",
        "RATELIMIT_SOLVE": "10/minute",
        "RATELIMIT_SOLVE_SITE": "10/minute",
        "RATELIMIT_SITEVERIFY": "1/minute",
        "RATELIMIT_COMMENT_CHECK": "1/minute",
    }


def _remaining(state: AppState, scope: str, identity: str) -> int:
    limiter = state.limits._get_limiter()
    item = state.limits.rules[scope][0]
    return int(limiter.get_window_stats(item, scope, identity).remaining)


def _nonce(token: str) -> str:
    body = token.split(".")[0]
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return str(payload["n"])


def test_a_challenge_refused_by_its_sites_budget_spends_and_counts_nothing(
    http: requests.Session, site: tuple[Site, str], state: AppState, redis_url: str
) -> None:
    params = {"sitekey": site[0].sitekey}
    codes = [http.get("/v1/challenge", params=params).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    client = state.clients.identity("127.0.0.1")
    # The client's own budget holds the two that passed, not the refused one...
    assert _remaining(state, "challenge", client) == 10 - 2
    # ...and so does its request count, which sets its puzzle's difficulty.
    raw = redis.Redis.from_url(redis_url, decode_responses=True)
    assert raw.get(f"{PREFIX}:{{client:{client}}}:requests") == "2"
    raw.close()


def test_a_refused_request_before_the_operation_still_spends_its_budget(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    # Garbage responses never reach the spending script; they pay all the same.
    answers = [http.post("/v1/siteverify", data={"secret": site[1], "response": "junk"})
               for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 429]
    assert answers[0].json()["error-codes"] == ["invalid-input-response"]


def test_a_siteverify_refused_by_its_budget_leaves_the_response_unspent(
    http: requests.Session, site: tuple[Site, str], redis_url: str
) -> None:
    first, second = (solved_response(http, site[0].sitekey) for _ in range(2))
    assert http.post("/v1/siteverify", data={"secret": site[1], "response": first}).json()[
        "success"] is True
    refused = http.post("/v1/siteverify", data={"secret": site[1], "response": second})
    assert refused.status_code == 429 and refused.json()["error-codes"] == ["rate-limited"]
    raw = redis.Redis.from_url(redis_url, decode_responses=True)
    assert raw.exists(f"{PREFIX}:used:response:{_nonce(first)}") == 1
    assert raw.exists(f"{PREFIX}:used:response:{_nonce(second)}") == 0
    raw.close()


@pytest.mark.parametrize("api", ["json", "akismet"])
def test_a_comment_check_refused_by_its_budget_counts_no_usage(
    http: requests.Session, site: tuple[Site, str], state: AppState, api: str
) -> None:
    fields = {"comment_content": "Lovely hedge.", "comment_author": "Ann",
              "user_ip": "192.0.2.7"}

    def check() -> requests.Response:
        if api == "json":
            return http.post("/v1/comment-check", json=fields,
                             headers={"Authorization": f"Bearer {site[1]}"})
        return http.post("/1.1/comment-check", data={
            **fields, "api_key": site[1], "blog": "https://blog.example.com"})

    assert [check().status_code for _ in range(2)] == [200, 429]
    month = __import__("time").strftime("%Y-%m", __import__("time").gmtime())
    assert state.store.usage(site[0].sitekey, month) == 1


def test_a_solve_refused_by_its_budget_leaves_the_challenge_to_answer_later(
    http: requests.Session, site: tuple[Site, str], state: AppState
) -> None:
    challenge = get_challenge(http, site[0].sitekey)
    client = state.clients.identity("127.0.0.1")
    # Spend the client's whole solve budget from elsewhere in this window.
    for _ in range(10):
        state.limits.check("solve", client)
    refused = http.post("/v1/solve", json=solution(challenge))
    assert refused.status_code == 429
    # Nothing was spent: the same answer is still one the challenge can take once.
    assert state.store.consume_once("challenge", _nonce(challenge["token"]), 60).first_use
