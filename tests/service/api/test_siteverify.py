"""siteverify speaks the reCAPTCHA/Turnstile protocol, single-use under concurrency."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
import requests
import time_machine

from service.api.siteverify import MESSAGES, message_for
from service.sites.registry import Site, SiteRegistry
from service.web.state import AppState
from tests.support.flow import get_challenge, solution, solved_response
from tests.support.live_server import LiveServer


def _verify(http: requests.Session, as_json: bool = False, **fields: str) -> requests.Response:
    if as_json:
        return http.post("/v1/siteverify", json=fields)
    return http.post("/v1/siteverify", data=fields)


@pytest.mark.parametrize("as_json", [False, True])
@pytest.mark.parametrize("path", ["/v1/siteverify", "/siteverify"])
def test_success_form_or_json_on_both_paths(
    http: requests.Session, site: tuple[Site, str], as_json: bool, path: str
) -> None:
    response = solved_response(http, site[0].sitekey)
    fields = {"secret": site[1], "response": response, "remoteip": "203.0.113.7"}
    reply = http.post(path, json=fields) if as_json else http.post(path, data=fields)
    assert reply.status_code == 200
    body = reply.json()
    assert body["success"] is True
    assert set(body) == {"success", "challenge_ts", "hostname", "error-codes"}


def test_missing_inputs(http: requests.Session) -> None:
    assert _verify(http).json() == {
        "success": False, "error-codes": ["missing-input-secret", "missing-input-response"],
        "message": message_for(["missing-input-secret", "missing-input-response"]),
    }
    assert _verify(http, response="x").json()["error-codes"] == ["missing-input-secret"]
    assert _verify(http, secret="x").json()["error-codes"] == ["missing-input-response"]


def test_wrong_secret(http: requests.Session, site: tuple[Site, str]) -> None:
    response = solved_response(http, site[0].sitekey)
    for secret in ("nope", "hs_" + "A" * 43, site[1][:-1] + ("B" if site[1][-1] != "B" else "C")):
        body = _verify(http, secret=secret, response=response).json()
        assert body == {"success": False, "error-codes": ["invalid-input-secret"],
        "message": MESSAGES["invalid-input-secret"]}
    # The failed attempts did not spend the response.
    assert _verify(http, secret=site[1], response=response).json()["success"] is True


def test_garbage_response(http: requests.Session, site: tuple[Site, str]) -> None:
    for junk in ("x", "a.b.c", "é" * 3000):
        body = _verify(http, secret=site[1], response=junk).json()
        assert body["error-codes"] in (["invalid-input-response"], ["bad-request"])
        assert body["success"] is False


def test_a_response_from_another_site_is_refused(
    http: requests.Session, site: tuple[Site, str], state: AppState
) -> None:
    other, other_secret = state.sites.add("Other", ["https://other.example"])
    response = solved_response(http, other.sitekey)
    body = _verify(http, secret=site[1], response=response).json()
    assert body == {"success": False, "error-codes": ["invalid-input-response"],
        "message": MESSAGES["invalid-input-response"]}
    assert _verify(http, secret=other_secret, response=response).json()["success"] is True


def test_replay_is_a_duplicate(http: requests.Session, site: tuple[Site, str]) -> None:
    response = solved_response(http, site[0].sitekey)
    assert _verify(http, secret=site[1], response=response).json()["success"] is True
    body = _verify(http, secret=site[1], response=response).json()
    assert body == {"success": False, "error-codes": ["timeout-or-duplicate"],
        "message": MESSAGES["timeout-or-duplicate"]}


def test_response_expiry_with_a_frozen_clock(
    http: requests.Session, site: tuple[Site, str], state: AppState
) -> None:
    with time_machine.travel(1_900_000_000, tick=False) as clock:
        response = solved_response(http, site[0].sitekey)
        clock.shift(state.captcha.response_ttl + 1)
        body = _verify(http, secret=site[1], response=response).json()
    assert body == {"success": False, "error-codes": ["timeout-or-duplicate"],
        "message": MESSAGES["timeout-or-duplicate"]}


def test_default_lifetimes_are_short(state: AppState) -> None:
    assert state.captcha.challenge_ttl <= 300 and state.captcha.response_ttl <= 300


def test_idempotency_key_lets_the_same_check_retry(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    response = solved_response(http, site[0].sitekey)
    first = _verify(http, secret=site[1], response=response, idempotency_key="k-1").json()
    retry = _verify(http, secret=site[1], response=response, idempotency_key="k-1").json()
    other = _verify(http, secret=site[1], response=response, idempotency_key="k-2").json()
    bare = _verify(http, secret=site[1], response=response).json()
    assert first["success"] and retry["success"]
    assert retry["challenge_ts"] == first["challenge_ts"]
    assert other["error-codes"] == ["timeout-or-duplicate"]
    assert bare["error-codes"] == ["timeout-or-duplicate"]


def _race(url: str, send: Callable[[requests.Session, str], requests.Response]) -> list[bool]:
    """Send the same request from 24 threads released at once; who succeeded?"""
    workers = 24
    barrier = Barrier(workers)

    def attempt(_: int) -> bool:
        with requests.Session() as session:
            barrier.wait()
            return bool(send(session, url).json()["success"])

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(attempt, range(workers)))


def test_concurrent_verifications_of_one_response_pass_once(
    live: LiveServer, site: tuple[Site, str], http: requests.Session
) -> None:
    response = solved_response(http, site[0].sitekey)
    results = _race(live.url + "/v1/siteverify",
                    lambda s, url: s.post(url, data={"secret": site[1], "response": response}))
    assert results.count(True) == 1


def test_concurrent_solves_of_one_challenge_pass_once(
    live: LiveServer, site: tuple[Site, str], http: requests.Session
) -> None:
    body = solution(get_challenge(http, site[0].sitekey))
    results = _race(live.url + "/v1/solve", lambda s, url: s.post(url, json=body))
    assert results.count(True) == 1


@pytest.mark.parametrize("change", ["rotate", "remove"])
def test_a_secret_rotated_out_or_removed_while_the_worker_knows_it_fails_at_once(
    http: requests.Session, site: tuple[Site, str], state: AppState, change: str
) -> None:
    old = site[1]
    response = solved_response(http, site[0].sitekey)
    assert _verify(http, secret=old, response="x").json()["error-codes"] == [
        "invalid-input-response"]  # the worker now knows the secret and the site
    other = SiteRegistry(state.store)  # another process (`hedgerow sites …`)
    if change == "rotate":
        _, new = other.rotate_secret(site[0])
    else:
        assert other.remove(site[0])
    refused = _verify(http, secret=old, response=response).json()
    assert refused["success"] is False and refused["error-codes"] == ["invalid-input-secret"]
    if change == "rotate":
        # Nothing was spent: the site's current secret verifies the same response.
        assert _verify(http, secret=new, response=response).json()["success"] is True
