"""Rate limits: shared in Redis, per IP or per secret, honest about proxies."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask

from service import create_app
from service.sites.registry import Site
from service.web.errors import Unavailable
from service.web.ratelimit import RateLimits, TooManyRequests
from tests.support.flow import solved_response
from tests.support.live_server import LiveServer, based_session
from tests.support.processes import ServeProcess, clean_env
from tests.support.redis_server import free_port


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """Tight budgets, so that tests reach them quickly."""
    return {
        **app_config,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_CHALLENGE": "3/minute",
        "RATELIMIT_SOLVE": "3/minute",
        "RATELIMIT_SITEVERIFY": "2/minute",
    }


def test_challenge_budget_per_ip_and_the_429_shape(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    params = {"sitekey": site[0].sitekey}
    codes = [http.get("/v1/challenge", params=params).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    reply = http.get("/v1/challenge", params=params)
    assert reply.status_code == 429
    body = reply.json()
    assert body["success"] is False and body["error-codes"] == ["rate-limited"]
    assert "Try again in" in body["message"]
    assert 1 <= int(reply.headers["Retry-After"]) <= 60
    assert reply.headers["RateLimit-Limit"] == "3"
    assert reply.headers["RateLimit-Remaining"] == "0"
    assert int(reply.headers["RateLimit-Reset"]) >= 1


def test_siteverify_budget_is_per_secret(
    http: requests.Session, site: tuple[Site, str], app: Flask
) -> None:
    other, other_secret = app.extensions["hedgerow"].sites.add("Other", ["https://o.example"])
    for _ in range(2):
        assert http.post("/v1/siteverify", data={"secret": site[1], "response": "x"}).ok
    limited = http.post("/v1/siteverify", data={"secret": site[1], "response": "x"})
    assert limited.status_code == 429
    assert limited.json()["error-codes"] == ["rate-limited"]
    assert limited.json()["success"] is False
    fine = http.post("/v1/siteverify", data={"secret": other_secret, "response": "x"})
    assert fine.status_code == 200


def test_forwarded_for_is_ignored_without_trusted_proxies(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    params = {"sitekey": site[0].sitekey}
    codes = [
        http.get("/v1/challenge", params=params,
                 headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
        for i in range(4)
    ]
    assert codes[-1] == 429  # spoofed addresses do not buy a fresh budget


def test_forwarded_for_counts_behind_a_trusted_proxy(
    app_config: dict[str, Any], site: tuple[Site, str]
) -> None:
    server = LiveServer(create_app({**app_config, "TRUSTED_PROXIES": 1})).start()
    try:
        url = server.url + "/v1/challenge"
        params = {"sitekey": site[0].sitekey}
        for i in range(5):
            reply = requests.get(url, params=params,
                                 headers={"X-Forwarded-For": f"198.51.100.{i}"})
            assert reply.status_code == 200
        same = [requests.get(url, params=params,
                             headers={"X-Forwarded-For": "203.0.113.9"}).status_code
                for _ in range(4)]
        assert same == [200, 200, 200, 429]
    finally:
        server.stop()


def test_disabled_limits_never_answer_429(
    app_config: dict[str, Any], site: tuple[Site, str]
) -> None:
    server = LiveServer(create_app({**app_config, "RATELIMIT_ENABLED": False})).start()
    try:
        for _ in range(8):
            reply = requests.get(server.url + "/v1/challenge",
                                 params={"sitekey": site[0].sitekey})
            assert reply.status_code == 200
    finally:
        server.stop()


@pytest.mark.slow
def test_two_workers_share_one_budget(
    redis_url: str, tmp_path: Path, app_config: dict[str, Any], site: tuple[Site, str]
) -> None:
    env = clean_env(
        HEDGEROW_REDIS_URL=redis_url,
        HEDGEROW_SECRET_KEY=",".join(app_config["SECRET_KEY"]),
        HEDGEROW_DATA_DIR=str(tmp_path),
        HEDGEROW_RATELIMIT_CHALLENGE="10/minute",
        HEDGEROW_RATELIMIT_SITEVERIFY="4/minute",
    )
    server = ServeProcess(free_port(), env, "--workers", "2", log=tmp_path / "serve.log")
    try:
        server.wait_ready()
        codes = []
        for _ in range(16):
            # A new connection each time, so that both workers take requests.
            with requests.Session() as fresh:
                codes.append(fresh.get(server.url + "/v1/challenge",
                                       params={"sitekey": site[0].sitekey}).status_code)
        assert codes.count(200) == 10 and codes.count(429) == 6
        unlimited = LiveServer(create_app({**app_config, "RATELIMIT_ENABLED": False})).start()
        with based_session(unlimited.url) as session:
            responses = [solved_response(session, site[0].sitekey) for _ in range(5)]
        unlimited.stop()
        verdicts = [
            requests.post(server.url + "/v1/siteverify",
                          data={"secret": site[1], "response": r}).status_code
            for r in responses
        ]
        assert verdicts == [200, 200, 200, 200, 429]
    finally:
        server.stop()



@pytest.mark.parametrize(("rules", "refusing"), [("3/minute;5/hour", "3;w=60"),
                                                 ("5/minute;3/hour", "3;w=3600")])
def test_a_budget_of_several_rules_is_spent_all_at_once_or_not_at_all(
    redis_url: str, rules: str, refusing: str
) -> None:
    limits = RateLimits(redis_url, {"challenge": rules}, prefix=f"t{secrets.token_hex(4)}")
    try:
        for _ in range(3):
            limits.check("challenge", "client-a")
        with pytest.raises(TooManyRequests) as refused:
            limits.check("challenge", "client-a")
        assert refused.value.headers["RateLimit-Policy"] == refusing
        limits.check("challenge", "client-b")  # another client's budget is its own
        # The refused request spent nothing: every rule holds the three that passed, as the
        # library itself reads its windows.
        limiter = limits._get_limiter()
        for item in limits.rules["challenge"]:
            assert limiter.get_window_stats(item, "challenge", "client-a").remaining == (
                item.amount - 3)
    finally:
        limits.close()


@pytest.mark.parametrize("policy", ["allow", "deny"])
def test_a_budget_spent_alone_follows_the_outage_policy(policy: str) -> None:
    # Where a budget is spent on its own (a refusal before the operation, a cluster), an
    # unreachable Redis lets the request through counted, or refuses it, as configured.
    limits = RateLimits(f"redis://127.0.0.1:{free_port()}/0", {"challenge": "3/minute"},
                        on_error=policy)
    try:
        if policy == "allow":
            limits.check("challenge", "client-a")
            assert limits.fail_open.value == 1
        else:
            with pytest.raises(Unavailable):
                limits.check("challenge", "client-a")
    finally:
        limits.close()
