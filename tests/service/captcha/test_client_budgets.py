"""Clients are counted by network (IPv6 /64, IPv4 /32) and stored only as pseudonyms."""

from __future__ import annotations

import re
from typing import Any

import pytest
import redis
import requests

from service import create_app
from service.sites.registry import Site
from tests.conftest import SITE_ORIGIN
from tests.support.flow import get_challenge, solution
from tests.support.live_server import LiveServer, based_session


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """Behind one trusted proxy (so tests choose the client address), tight budgets."""
    return {**app_config, "TRUSTED_PROXIES": 1, "RATELIMIT_ENABLED": True,
            "RATELIMIT_CHALLENGE": "3/minute", "RATELIMIT_SOLVE": "30/minute",
            "POW_ENABLED": True, "POW_MIN_BITS": 4, "POW_MAX_BITS": 10}


def _challenge_status(http: requests.Session, sitekey: str, address: str) -> int:
    reply = http.get("/v1/challenge", params={"sitekey": sitekey},
                     headers={"X-Forwarded-For": address})
    return reply.status_code


def test_addresses_in_one_ipv6_64_share_a_budget(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    sitekey = site[0].sitekey
    one_64 = ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff:ffff:ffff:ffff",
              "2001:db8:1:2:1234::9"]
    assert [_challenge_status(http, sitekey, a) for a in one_64] == [200, 200, 200, 429]
    # The next /64 over has its own budget.
    assert [_challenge_status(http, sitekey, "2001:db8:1:3::1") for _ in range(4)] == [
        200, 200, 200, 429]


def test_ipv4_addresses_each_have_their_own_budget(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    sitekey = site[0].sitekey
    for i in range(1, 5):
        assert _challenge_status(http, sitekey, f"198.51.100.{i}") == 200


def test_the_prefixes_are_configurable(
    app_config: dict[str, Any], site: tuple[Site, str]
) -> None:
    server = LiveServer(create_app({**app_config, "IPV4_PREFIX": 24,
                                    "IPV6_PREFIX": 128})).start()
    try:
        with based_session(server.url) as http:
            sitekey = site[0].sitekey
            v4 = [_challenge_status(http, sitekey, f"198.51.100.{i}") for i in range(1, 5)]
            v6 = [_challenge_status(http, sitekey, f"2001:db8:1:2::{i}") for i in range(1, 5)]
    finally:
        server.stop()
    assert v4 == [200, 200, 200, 429]
    assert v6 == [200, 200, 200, 200]


def test_failures_in_one_64_raise_the_puzzle_for_the_whole_64(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    sitekey = site[0].sitekey
    for i in range(1, 3):
        bot = {"X-Forwarded-For": f"2001:db8:bad::{i}"}
        challenge = get_challenge(http, sitekey, **bot)
        wrong = http.post("/v1/solve", json=solution(challenge, answer=0), headers=bot).json()
        assert wrong["error-codes"] == ["wrong-answer"]
    neighbour = get_challenge(http, sitekey, **{"X-Forwarded-For": "2001:db8:bad::77"})
    elsewhere = get_challenge(http, sitekey, **{"X-Forwarded-For": "2001:db8:600d::1"})
    # The neighbour pays for the two failures (and for the solve's fresh challenges).
    assert neighbour["pow"]["difficulty"] >= 4 + 2
    assert elsewhere["pow"]["difficulty"] == 4


V4 = "203.0.113.77"
V6 = "2001:db8:77:1::5"


def _every_key_and_value(client: redis.Redis) -> str:
    """Every key of the test Redis and, by type, everything stored under it."""
    parts = []
    for key in client.scan_iter(count=1000):
        parts.append(key)
        kind = client.type(key)
        if kind == "string":
            parts.append(str(client.get(key)))
        elif kind == "hash":
            parts.append(repr(client.hgetall(key)))
        elif kind == "set":
            parts.append(repr(client.smembers(key)))
        elif kind == "list":
            parts.append(repr(client.lrange(key, 0, -1)))
        elif kind == "zset":
            parts.append(repr(client.zrange(key, 0, -1)))
        elif kind == "stream":
            parts.append(repr(client.xrange(key)))
    return "\n".join(parts)


def test_redis_holds_no_client_address(
    http: requests.Session, site: tuple[Site, str], redis_url: str
) -> None:
    sitekey, secret = site[0].sitekey, site[1]
    for address in (V4, V6):
        headers = {"X-Forwarded-For": address, "Origin": SITE_ORIGIN}
        wrong = get_challenge(http, sitekey, **headers)
        http.post("/v1/solve", json=solution(wrong, answer=0), headers=headers)
        right = get_challenge(http, sitekey, **headers)
        solved = http.post("/v1/solve", json=solution(right), headers=headers).json()
        verified = http.post("/v1/siteverify", data={
            "secret": secret, "response": solved["response"], "remoteip": address}).json()
        assert verified["success"] is True
        auth = {"Authorization": f"Bearer {secret}", "X-Forwarded-For": address}
        checked = http.post("/v1/comment-check", headers=auth, json={
            "comment_content": "Nice post", "user_ip": address})
        assert checked.status_code == 200
        stored = http.post("/v1/feedback", headers=auth, json={
            "comment_content": "Nice post", "user_ip": address, "label": "ham"})
        assert stored.status_code == 201
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        everything = _every_key_and_value(client)
        keys = list(client.scan_iter(count=1000))
    finally:
        client.close()
    assert any(":ratelimit" in k for k in keys) and any("{client:" in k for k in keys)
    for text in (V4, V6, "203.0.113", "2001:db8", "127.0.0.1"):
        assert text not in everything
    # No key holds anything shaped like an IPv4 address either.
    assert not [k for k in keys if re.search(r"\d{1,3}(\.\d{1,3}){3}", k)]
