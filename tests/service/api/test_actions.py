"""Which action a site owner gets, over real HTTP: discard asks for two signals, and a
site can turn discarding off from the command line; Akismet's pro-tip follows the action."""

from __future__ import annotations

import json
from typing import Any

import requests

from service.sites.registry import Site
from tests.conftest import SITE_ORIGIN
from tests.support.processes import clean_env, run_cli
from tests.support.waiting import wait_for

# Several independent signals: calls to action, a shortener, money words, unseen links.
BLATANT = {"comment_content": "Check out my channel http://bit.ly/xyz123 and subscribe!!! "
                              "Free money and gift cards at www.free-prizes-now.com",
           "comment_author": "Best Deals", "user_ip": "203.0.113.7"}
# Scored for discard on its links alone (two shortened links, harmless words).
ONE_LINK = {"comment_content": "Thanks, this finally made sense for database indexing. Did "
                               "you pin the version? Notes: https://bit.ly/idx "
                               "https://tinyurl.com/idx2",
            "comment_author": "Ada", "user_ip": "198.51.100.3"}


def _check(http: requests.Session, secret: str, comment: dict[str, str]) -> dict[str, Any]:
    reply = http.post("/v1/comment-check", json=comment,
                      headers={"Authorization": f"Bearer {secret}"})
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def _akismet(http: requests.Session, secret: str, comment: dict[str, str]
             ) -> requests.Response:
    return http.post("/1.1/comment-check",
                     data={**comment, "api_key": secret, "blog": SITE_ORIGIN + "/"})


def test_discard_needs_two_signals_and_akismet_says_so_only_then(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    blatant = _check(http, site[1], BLATANT)
    assert blatant["action"] == "discard"
    held = _check(http, site[1], ONE_LINK)
    assert held["action"] == "hold" and held["score"] >= 0.9
    assert "held, not discarded: one signal only (links)" in held["reasons"]

    tip = _akismet(http, site[1], BLATANT)
    assert tip.text == "true" and tip.headers["X-akismet-pro-tip"] == "discard"
    no_tip = _akismet(http, site[1], ONE_LINK)
    assert no_tip.text == "true" and "X-akismet-pro-tip" not in no_tip.headers


def test_a_never_discard_site_holds_instead(
    http: requests.Session, site: tuple[Site, str], redis_url: str
) -> None:
    env = clean_env(HEDGEROW_REDIS_URL=redis_url)
    result = run_cli("sites", "set", site[0].sitekey, "--never-discard", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["settings"]["never_discard"] is True
    # Settings reach the workers within HEDGEROW_SITE_CACHE_SECONDS (2 here).
    assert wait_for(lambda: _check(http, site[1], BLATANT)["action"] == "hold", timeout=4)
    held = _check(http, site[1], BLATANT)
    assert held["action"] == "hold" and held["spam"] is True
    assert "held, not discarded: this site never discards" in held["reasons"]
    assert "X-akismet-pro-tip" not in _akismet(http, site[1], BLATANT).headers

    result = run_cli("sites", "set", site[0].sitekey, "--allow-discard", env=env)
    assert result.returncode == 0, result.stderr
    assert wait_for(lambda: _check(http, site[1], BLATANT)["action"] == "discard", timeout=4)
