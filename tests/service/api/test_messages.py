"""Every refusal of the JSON API says in words what went wrong, beside its stable code."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from service.sites.registry import Site
from tests.support.flow import get_challenge, solution, solved_response

JSON = {"Content-Type": "application/json"}


def _refusals(http: requests.Session, sitekey: str, secret: str) -> list[requests.Response]:
    challenge = get_challenge(http, sitekey)
    wrong = solution(challenge, answer=-999_999)
    used = solved_response(http, sitekey)
    http.post("/v1/siteverify", data={"secret": secret, "response": used})
    burnt = get_challenge(http, sitekey)
    http.post("/v1/solve", data=solution(burnt))
    no_pow = {k: v for k, v in solution(get_challenge(http, sitekey)).items() if k != "pow"}
    bearer = {"Authorization": f"Bearer {secret}"}
    return [
        http.post("/v1/siteverify", data=b"{oops", headers=JSON),
        http.post("/v1/siteverify", data={}),
        http.post("/v1/siteverify", data={"secret": "hs_nope", "response": "x"}),
        http.post("/v1/siteverify", data={"secret": secret, "response": "x"}),
        http.post("/v1/siteverify", data={"secret": secret, "response": used}),
        http.post("/siteverify", data={"secret": secret}),
        http.post("/recaptcha/api/siteverify", data={"response": used}),
        http.post("/v1/solve", data={"token": "bad", "answer": "1"}),
        http.post("/v1/solve", data={}),
        http.post("/v1/solve", data=b"{oops", headers=JSON),
        http.post("/v1/solve", data=wrong),
        http.post("/v1/solve", data=solution(burnt)),
        http.post("/v1/solve", data=no_pow),
        http.get("/v1/challenge"),
        http.get("/v1/challenge", params={"sitekey": "hk_nope"}),
        http.post("/v1/comment-check", data={}),
        http.post("/v1/comment-check", data=b"{oops", headers={**JSON, **bearer}),
        http.post("/v1/feedback", data={}, headers=bearer),
        http.get("/no/such/path"),
        http.delete("/v1/solve"),
    ]


def test_every_refusal_has_a_code_and_a_message(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    replies = _refusals(http, site[0].sitekey, site[1])
    for reply in replies:
        body: dict[str, Any] = reply.json()
        where = f"{reply.request.method} {reply.request.path_url} → {reply.status_code} {body}"
        assert body["success"] is False, where
        assert body["error-codes"], where
        assert isinstance(body.get("message"), str) and len(body["message"]) > 10, where
    codes = {code for reply in replies for code in reply.json()["error-codes"]}
    # The sweep reaches every code the widget and a site's backend meet.
    assert {"wrong-answer", "timeout-or-duplicate", "missing-input-pow", "invalid-input-token",
            "invalid-input-response", "invalid-input-secret", "missing-input-secret",
            "missing-input-response", "bad-request"} <= codes


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """Proof of work on, so that a missing counter is refused."""
    return {**app_config, "POW_ENABLED": True}
