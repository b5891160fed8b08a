"""The captcha flow over real HTTP against a real Redis."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import time_machine

from service.sites.registry import Site
from tests.conftest import SITE_ORIGIN
from tests.support.flow import get_challenge, solved_response
from tests.support.solvers import solve_prompt


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """The arithmetic alone: these tests send bare answers (test_proof_of_work.py covers
    the proof of work that comes on top by default)."""
    return {**app_config, "POW_ENABLED": False}


def _solve(http: requests.Session, token: str, answer: object) -> requests.Response:
    return http.post("/v1/solve", json={"token": token, "answer": answer})


def test_challenge_shape(http: requests.Session, site: tuple[Site, str]) -> None:
    body = get_challenge(http, site[0].sitekey)
    assert set(body) == {"token", "prompt", "expires_in"}
    assert "☐" in body["prompt"] and 0 < body["expires_in"] <= 300


def test_solve_then_siteverify(http: requests.Session, site: tuple[Site, str]) -> None:
    the_site, secret = site
    response = solved_response(http, the_site.sitekey, Origin=SITE_ORIGIN)
    verdict = http.post("/v1/siteverify", data={"secret": secret, "response": response}).json()
    assert verdict["success"] is True and verdict["error-codes"] == []
    assert verdict["hostname"] == "blog.example.com"
    assert verdict["challenge_ts"].endswith("Z")


def test_wrong_answer_burns_the_challenge(http: requests.Session, site: tuple[Site, str]) -> None:
    challenge = get_challenge(http, site[0].sitekey)
    right = solve_prompt(challenge["prompt"])
    wrong = _solve(http, challenge["token"], right + 1).json()
    assert wrong["success"] is False and wrong["error-codes"] == ["wrong-answer"]
    assert "☐" in wrong["challenge"]["prompt"]  # a fresh challenge comes with the failure
    retry = _solve(http, challenge["token"], right).json()
    assert retry["success"] is False and retry["error-codes"] == ["timeout-or-duplicate"]


def test_a_solved_challenge_cannot_be_replayed(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    challenge = get_challenge(http, site[0].sitekey)
    answer = solve_prompt(challenge["prompt"])
    assert _solve(http, challenge["token"], answer).json()["success"] is True
    again = _solve(http, challenge["token"], answer).json()
    assert again["success"] is False and again["error-codes"] == ["timeout-or-duplicate"]


def test_missing_or_malformed_answer_fails_closed_and_burns(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    for answer, code in ((None, "missing-input-answer"), ("", "missing-input-answer"),
                         ("twelve", "invalid-input-answer"), ("1.5", "invalid-input-answer")):
        challenge = get_challenge(http, site[0].sitekey)
        body = _solve(http, challenge["token"], answer).json()
        assert body["success"] is False and body["error-codes"] == [code]
        right = solve_prompt(challenge["prompt"])
        assert _solve(http, challenge["token"], right).json()["success"] is False


def test_wrong_typed_answer_is_a_bad_request(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    for answer in ([1], {"a": 1}):
        challenge = get_challenge(http, site[0].sitekey)
        reply = _solve(http, challenge["token"], answer)
        assert reply.status_code == 400 and reply.json()["error-codes"] == ["bad-request"]


def test_tampered_token_is_refused(http: requests.Session, site: tuple[Site, str]) -> None:
    token = get_challenge(http, site[0].sitekey)["token"]
    body, stamp, sig = token.split(".")
    tampered = f"{body}.{stamp}.{sig[:-2]}{'AA' if sig[-2:] != 'AA' else 'BB'}"
    reply = _solve(http, tampered, 10)
    assert reply.status_code == 400
    assert reply.json()["error-codes"] == ["invalid-input-token"]
    assert _solve(http, "", 10).json()["error-codes"] == ["missing-input-token"]


def test_challenge_expiry(http: requests.Session, site: tuple[Site, str]) -> None:
    with time_machine.travel(1_900_000_000, tick=False) as clock:
        challenge = get_challenge(http, site[0].sitekey)
        clock.shift(challenge["expires_in"] + 1)
        body = _solve(http, challenge["token"], solve_prompt(challenge["prompt"])).json()
    assert body["success"] is False and body["error-codes"] == ["timeout-or-duplicate"]
    assert "challenge" in body


def test_unknown_or_missing_sitekey(http: requests.Session) -> None:
    assert http.get("/v1/challenge").json()["error-codes"] == ["missing-input-sitekey"]
    reply = http.get("/v1/challenge", params={"sitekey": "hk_" + "a" * 22})
    assert reply.status_code == 400
    assert reply.json()["error-codes"] == ["invalid-input-sitekey"]
    assert http.get("/v1/challenge", params={"sitekey": "<script>" * 500}).status_code == 400


def test_cors_only_for_registered_origins(http: requests.Session, site: tuple[Site, str]) -> None:
    sitekey = site[0].sitekey
    ok = http.get("/v1/challenge", params={"sitekey": sitekey}, headers={"Origin": SITE_ORIGIN})
    assert ok.headers["Access-Control-Allow-Origin"] == SITE_ORIGIN
    # What a cache keeps depends on the page's origin, whether a page asked or not.
    plain = http.get("/v1/challenge", params={"sitekey": sitekey})
    solve = http.post("/v1/solve", json={"token": ok.json()["token"], "answer": "1"},
                      headers={"Origin": SITE_ORIGIN})
    for reply in (ok, plain, solve):
        assert reply.headers["Vary"] == "Origin" and reply.headers["Cache-Control"] == "no-store"
    assert "Access-Control-Allow-Origin" not in plain.headers
    assert solve.headers["Access-Control-Allow-Origin"] == SITE_ORIGIN
    evil = http.get(
        "/v1/challenge", params={"sitekey": sitekey}, headers={"Origin": "https://evil.example"}
    )
    assert evil.status_code == 403 and evil.json()["error-codes"] == ["origin-not-allowed"]
    # The refusal, and only it, is readable by any page, so that the widget can say why.
    assert evil.headers["Access-Control-Allow-Origin"] == "*"
    assert "https://evil.example" in evil.json()["message"]
    null = http.get("/v1/challenge", params={"sitekey": sitekey}, headers={"Origin": "null"})
    assert null.status_code == 403 and null.json()["error-codes"] == ["origin-not-allowed"]
    assert null.headers["Access-Control-Allow-Origin"] == "*"


PREFLIGHT = {"Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "content-type"}


@pytest.mark.parametrize("path", ["/v1/solve", "/v1/challenge"])
def test_preflight_answers_only_the_sites_own_origins(
    http: requests.Session, site: tuple[Site, str], path: str
) -> None:
    sitekey = site[0].sitekey
    ok = http.options(path, params={"sitekey": sitekey},
                      headers={"Origin": SITE_ORIGIN, **PREFLIGHT})
    assert ok.status_code == 204
    assert ok.headers["Access-Control-Allow-Origin"] == SITE_ORIGIN
    assert "POST" in ok.headers["Access-Control-Allow-Methods"]
    refused = [
        ({"sitekey": sitekey}, "https://evil.example"),
        ({"sitekey": sitekey}, "null"),
        ({}, SITE_ORIGIN),  # no site named: nobody's origin can be vouched for
        ({"sitekey": "hk_" + "a" * 22}, SITE_ORIGIN),
    ]
    for params, origin in refused:
        reply = http.options(path, params=params, headers={"Origin": origin, **PREFLIGHT})
        assert reply.status_code == 403, (params, origin)
        assert reply.json()["error-codes"] == ["origin-not-allowed"]
        assert not [h for h in reply.headers if h.lower().startswith("access-control-")]
    # Without an Origin it is no browser's preflight: nothing to allow, nothing to refuse.
    bare = http.options(path)
    assert bare.status_code == 204 and "Access-Control-Allow-Origin" not in bare.headers


@pytest.mark.parametrize("origin", ["https://evil.example", "null"])
def test_solving_from_another_origin_is_refused(
    http: requests.Session, site: tuple[Site, str], origin: str
) -> None:
    challenge = get_challenge(http, site[0].sitekey)
    reply = http.post(
        "/v1/solve",
        json={"token": challenge["token"], "answer": solve_prompt(challenge["prompt"])},
        headers={"Origin": origin},
    )
    assert reply.status_code == 403
    assert reply.json()["error-codes"] == ["origin-not-allowed"]


def test_key_rotation_over_http(
    app_config: dict[str, object], site: tuple[Site, str], http: requests.Session
) -> None:
    """A response made under the old key verifies while that key is still listed."""
    import secrets

    from service import create_app
    from tests.support.live_server import LiveServer

    old_keys = list(app_config["SECRET_KEY"])  # type: ignore[call-overload]
    response = solved_response(http, site[0].sitekey)
    response2 = solved_response(http, site[0].sitekey)
    new_key = secrets.token_urlsafe(48)
    for keys, token, expected in (
        ([new_key, *old_keys], response, True),
        ([new_key], response2, False),
    ):
        server = LiveServer(create_app({**app_config, "SECRET_KEY": keys})).start()
        try:
            body = requests.post(
                server.url + "/v1/siteverify", data={"secret": site[1], "response": token}
            ).json()
        finally:
            server.stop()
        assert body["success"] is expected, body
        if not expected:
            assert body["error-codes"] == ["invalid-input-response"]
