"""Walking the captcha flow over HTTP, as a widget and a site backend would."""

from __future__ import annotations

from typing import Any

import requests

from tests.support.solvers import solve_pow, solve_prompt


def get_challenge(http: requests.Session, sitekey: str, **headers: str) -> dict[str, Any]:
    """GET /v1/challenge and return its JSON (asserting success)."""
    reply = http.get("/v1/challenge", params={"sitekey": sitekey}, headers=headers)
    assert reply.status_code == 200, reply.text
    return reply.json()


def solved_response(http: requests.Session, sitekey: str, **headers: str) -> str:
    """A response token from a correctly solved challenge."""
    challenge = get_challenge(http, sitekey, **headers)
    reply = http.post("/v1/solve", json=solution(challenge), headers=headers)
    body = reply.json()
    assert body["success"] is True, body
    return str(body["response"])


def solution(challenge: dict[str, Any], answer: int | None = None) -> dict[str, Any]:
    """The body of a /v1/solve request that answers ``challenge`` (and its puzzle)."""
    body: dict[str, Any] = {
        "token": challenge["token"],
        "answer": solve_prompt(challenge["prompt"]) if answer is None else answer,
    }
    if "pow" in challenge:
        body["pow"] = solve_pow(challenge["pow"]["salt"], challenge["pow"]["difficulty"])
    return body
