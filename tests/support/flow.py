"""Walking the captcha flow over HTTP, as a widget and a site backend would."""

from __future__ import annotations

from typing import Any

import requests

from service.challenge import solve_prompt


def get_challenge(http: requests.Session, sitekey: str, **headers: str) -> dict[str, Any]:
    """GET /v1/challenge and return its JSON (asserting success)."""
    reply = http.get("/v1/challenge", params={"sitekey": sitekey}, headers=headers)
    assert reply.status_code == 200, reply.text
    return reply.json()  # type: ignore[no-any-return]


def solved_response(http: requests.Session, sitekey: str, **headers: str) -> str:
    """A response token from a correctly solved challenge."""
    challenge = get_challenge(http, sitekey, **headers)
    reply = http.post(
        "/v1/solve",
        json={"token": challenge["token"], "answer": solve_prompt(challenge["prompt"])},
        headers=headers,
    )
    body = reply.json()
    assert body["success"] is True, body
    return str(body["response"])
