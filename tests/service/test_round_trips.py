"""Round trips to Redis per request on the hot paths, counted against the real Redis.

Each hot endpoint makes one: what it reads and writes goes in one script, and sites and
secrets come from the worker's caches (a secret's still being its site's is checked inside
that same round trip). With the default rate limits the request's budgets are spent at
the start of that same script; with them off (as in the load benchmark) it is skipped.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from service.sites.registry import Site
from tests.support.flow import solution
from tests.support.round_trips import counting_round_trips

FRIENDLY = {"comment_content": "Thanks, the pruning tips worked for our hedge.",
            "comment_author": "Ann", "user_ip": "192.0.2.7"}
CITING = ("The history of the craft is well told in "
          "https://en.wikipedia.org/wiki/Hedge_laying if anyone wants to read more.")


def _trips(request: Callable[[], TestResponse]) -> int:
    """Round trips of one request, made after the same request warmed the caches."""
    request()
    with counting_round_trips() as counter:
        reply = request()
    assert reply.status_code == 200, reply.text
    return counter.count


@pytest.fixture(params=["limits off", "default limits"])
def app_config(app_config: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    """Each test twice: rate limits off, and on with their default budgets."""
    return {**app_config, "RATELIMIT_ENABLED": request.param == "default limits"}


@pytest.fixture
def client(app: Flask) -> Any:
    """A test client of the app, its model loaded as the server loads it before serving."""
    app.extensions["hedgerow"].models.current()
    return app.test_client()


def test_one_round_trip_for_a_challenge_and_for_its_solve(
    client: Any, site: tuple[Site, str]
) -> None:
    path = f"/v1/challenge?sitekey={site[0].sitekey}"
    assert _trips(lambda: client.get(path)) == 1
    challenges = [client.get(path).json for _ in range(2)]
    answers = iter([solution(c) for c in challenges])
    assert _trips(lambda: client.post("/v1/solve", json=next(answers))) == 1


def test_one_round_trip_for_a_siteverify(client: Any, site: tuple[Site, str]) -> None:
    path = f"/v1/challenge?sitekey={site[0].sitekey}"
    responses = iter([client.post("/v1/solve", json=solution(client.get(path).json))
                      .json["response"] for _ in range(2)])
    assert _trips(lambda: client.post("/v1/siteverify", data={
        "secret": site[1], "response": next(responses)})) == 1


@pytest.mark.parametrize("api", ["json", "akismet"])
def test_one_round_trip_for_a_comment_check_and_one_more_to_learn_a_link(
    client: Any, site: tuple[Site, str], api: str
) -> None:
    def check(**extra: str) -> TestResponse:
        fields = {**FRIENDLY, **extra}
        if api == "json":
            return client.post("/v1/comment-check", json=fields,
                               headers={"Authorization": f"Bearer {site[1]}"})
        body = urllib.parse.urlencode({**fields, "api_key": site[1],
                                       "blog": "https://blog.example.com"})
        return client.post("/1.1/comment-check", data=body,
                           content_type="application/x-www-form-urlencoded")

    assert _trips(check) == 1
    with counting_round_trips() as counter:
        first = check(comment_content=CITING)
    assert first.status_code == 200, first.text
    accepted = (first.get_json()["action"] == "accept" if api == "json"
                else first.text == "false")
    assert accepted and counter.count == 2  # the new link's domain is remembered
    assert _trips(lambda: check(comment_content=CITING)) == 1
