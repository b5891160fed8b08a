"""POST /v1/comment-check and /v1/feedback over real HTTP, scored by the shipped model."""

from __future__ import annotations

import time

import pytest
import requests

from service.sites.registry import Site, SiteRegistry
from service.web.state import AppState
from tests.support.flow import solved_response

SPAM = {
    "comment_content": "Check out my channel http://bit.ly/xyz123 and subscribe!!! "
                       "Free gift cards at www.free-prizes-now.com",
    "comment_author": "Best Deals",
    "user_ip": "203.0.113.7",
}
HAM = {
    "comment_content": "I love the chorus of this song, it reminds me of summer with my family.",
    "comment_author": "Ada",
    "user_ip": "203.0.113.8",
}


def _check(http: requests.Session, secret: str, **fields: str) -> requests.Response:
    return http.post("/v1/comment-check", json=fields,
                     headers={"Authorization": f"Bearer {secret}"})


def test_spam_and_ham(http: requests.Session, site: tuple[Site, str]) -> None:
    spam = _check(http, site[1], **SPAM).json()
    ham = _check(http, site[1], **HAM).json()
    assert set(spam) == {"spam", "score", "action", "reasons", "model"}
    assert spam["spam"] is True and spam["action"] in ("hold", "discard")
    assert ham["spam"] is False and ham["action"] == "accept"
    assert spam["score"] > 0.5 > ham["score"]
    assert spam["model"] == ham["model"] == "default"
    assert spam["reasons"] and all(isinstance(r, str) for r in spam["reasons"])


def test_form_encoded_works_too(http: requests.Session, site: tuple[Site, str]) -> None:
    reply = http.post("/v1/comment-check", data=HAM,
                      headers={"Authorization": f"Bearer {site[1]}"})
    assert reply.status_code == 200 and reply.json()["action"] == "accept"


def test_secret_is_required(http: requests.Session) -> None:
    missing = http.post("/v1/comment-check", json=HAM)
    assert missing.status_code == 401
    assert missing.json()["error-codes"] == ["missing-input-secret"]
    assert "Bearer" in missing.headers["WWW-Authenticate"]
    wrong = _check(http, "hs_" + "x" * 43, **HAM)
    assert wrong.status_code == 401 and wrong.json()["error-codes"] == ["invalid-input-secret"]


def test_captcha_response_is_verified_and_spent(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    response = solved_response(http, site[0].sitekey)
    first = _check(http, site[1], response=response, **HAM).json()
    assert first["action"] == "accept"
    again = _check(http, site[1], response=response, **HAM).json()
    # A replayed captcha alone is one signal: held for a moderator, not dropped.
    assert again["action"] == "hold"
    assert any("captcha failed (timeout-or-duplicate)" in r for r in again["reasons"])
    trapped = _check(http, site[1], response=response, honeypot_field_name="hedgerow-hp",
                     **{"hedgerow-hp": "http://spam.example"}, **HAM).json()
    assert trapped["action"] == "discard"


def test_missing_captcha_holds_when_the_site_requires_it(
    http: requests.Session, site: tuple[Site, str], state: AppState
) -> None:
    assert _check(http, site[1], **HAM).json()["action"] == "accept"
    state.sites.update_settings(site[0], {"require_captcha": True})
    held = _check(http, site[1], **HAM).json()
    assert held["action"] == "hold" and "captcha missing" in held["reasons"]


def test_honeypot(http: requests.Session, site: tuple[Site, str]) -> None:
    body = _check(http, site[1], honeypot_field_name="hedgerow-hp",
                  **{"hedgerow-hp": "http://spam.example"}, **HAM).json()
    assert body["spam"] is True
    assert any("honeypot" in r for r in body["reasons"])
    empty = _check(http, site[1], honeypot_field_name="hedgerow-hp",
                   **{"hedgerow-hp": ""}, **HAM).json()
    assert empty["action"] == "accept"


def test_site_thresholds(
    http: requests.Session, site: tuple[Site, str], state: AppState
) -> None:
    score = _check(http, site[1], **HAM).json()["score"]
    state.sites.update_settings(site[0], {"hold_threshold": max(score / 2, 1e-6)})
    assert _check(http, site[1], **HAM).json()["action"] == "hold"


def test_unseen_link_domains_are_a_reason_until_a_ham_teaches_them(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    comment = {**HAM, "comment_content": "Great write-up, more at https://docs.python.org/3/"}
    reasons = _check(http, site[1], **comment).json()["reasons"]
    assert "1 link to a domain never seen in accepted comments" in reasons
    stored = http.post("/v1/feedback", json={**comment, "label": "ham"},
                       headers={"Authorization": f"Bearer {site[1]}"})
    assert stored.status_code == 201
    reasons = _check(http, site[1], **comment).json()["reasons"]
    assert not any("never seen" in r for r in reasons)


@pytest.mark.parametrize(
    "kwargs,status,code",
    [
        ({"json": {**HAM, "favourite_colour": "green"}}, 400, "unknown-field"),
        ({"json": {**HAM, "comment_content": "x" * 40_000}}, 413, "payload-too-large"),
        ({"json": {**HAM, "comment_content": {"nested": True}}}, 400, "bad-request"),
        ({"json": ["not", "an", "object"]}, 400, "bad-request"),
        ({"data": b"\xff\xfe{", "headers": {"Content-Type": "application/json"}}, 400,
         "invalid-encoding"),
        ({"data": b"<xml/>", "headers": {"Content-Type": "application/xml"}}, 415,
         "unsupported-media-type"),
        ({"data": "x" * 200_000}, 413, "payload-too-large"),
    ],
)
def test_bad_input_is_a_4xx_with_a_code(
    http: requests.Session, site: tuple[Site, str], kwargs: dict[str, object], status: int,
    code: str,
) -> None:
    headers = {"Authorization": f"Bearer {site[1]}", **kwargs.pop("headers", {})}  # type: ignore[dict-item]
    reply = http.post("/v1/comment-check", headers=headers, **kwargs)  # type: ignore[arg-type]
    assert reply.status_code == status, reply.text
    assert reply.json()["error-codes"] == [code]
    assert "Traceback" not in reply.text


def test_wrongly_encoded_form_is_handled(http: requests.Session, site: tuple[Site, str]) -> None:
    reply = http.post(
        "/v1/comment-check", data=b"comment_content=caf%E9&user_ip=1.2.3.4",
        headers={"Authorization": f"Bearer {site[1]}",
                 "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.status_code in (200, 400)
    assert "Traceback" not in reply.text


def test_feedback_needs_a_label_and_content(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    auth = {"Authorization": f"Bearer {site[1]}"}
    assert http.post("/v1/feedback", json={**HAM, "label": "maybe"}, headers=auth).json()[
        "error-codes"] == ["invalid-label"]
    assert http.post("/v1/feedback", json={"label": "spam"}, headers=auth).json()[
        "error-codes"] == ["missing-input-content"]


def test_a_comment_sent_seconds_after_the_challenge_is_suspect(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    response = solved_response(http, site[0].sitekey)  # solved and sent at once, as a bot does
    body = _check(http, site[1], response=response, **HAM).json()
    assert any("form was filled in" in r for r in body["reasons"]), body
    assert body["score"] > _check(http, site[1], **HAM).json()["score"]


def test_a_response_siteverify_passed_counts_once_in_the_comment_check(
    http: requests.Session, site: tuple[Site, str], state: AppState
) -> None:
    response = solved_response(http, site[0].sitekey)
    verdict = http.post("/v1/siteverify", data={"secret": site[1], "response": response})
    assert verdict.json()["success"] is True
    first = _check(http, site[1], response=response, **HAM).json()
    assert first["action"] == "accept"
    assert not any("captcha" in r for r in first["reasons"])
    second = _check(http, site[1], response=response, **HAM).json()
    assert "captcha failed (timeout-or-duplicate)" in second["reasons"]
    # siteverify itself still answers a second use as a duplicate.
    again = http.post("/v1/siteverify", data={"secret": site[1], "response": response}).json()
    assert again["error-codes"] == ["timeout-or-duplicate"]


def test_only_the_site_that_verified_a_response_gets_its_comment_check(
    http: requests.Session, site: tuple[Site, str], state: AppState
) -> None:
    _, other_secret = state.sites.add("Forum", ["https://forum.example.com"])
    response = solved_response(http, site[0].sitekey)
    assert http.post("/v1/siteverify",
                     data={"secret": site[1], "response": response}).json()["success"]
    elsewhere = _check(http, other_secret, response=response, **HAM).json()
    assert any(r.startswith("captcha failed") for r in elsewhere["reasons"])
    assert _check(http, site[1], response=response, **HAM).json()["action"] == "accept"


def test_a_secret_rotated_out_while_its_index_is_cached_is_refused_and_spends_nothing(
    http: requests.Session, site: tuple[Site, str], state: AppState
) -> None:
    sitekey, old = site[0].sitekey, site[1]
    month = time.strftime("%Y-%m", time.gmtime())
    assert _check(http, old, **HAM).status_code == 200  # the app's index now holds `old`
    other = SiteRegistry(state.store)  # another process rotates, without a grace period
    _, new = other.rotate_secret(site[0])
    counted = state.store.usage(sitekey, month)
    response = solved_response(http, sitekey)
    refused = _check(http, old, response=response, **HAM)
    assert refused.status_code == 401 and refused.json()["error-codes"] == ["invalid-input-secret"]
    akismet = http.post("/1.1/comment-check", data={
        "api_key": old, "blog": "https://blog.example.com", **HAM})
    assert akismet.text == "invalid"
    assert state.store.usage(sitekey, month) == counted
    # The response the refused request carried was not spent: the site's own check passes it.
    passed = _check(http, new, response=response, **HAM).json()
    assert passed["action"] == "accept"
    assert not any("captcha" in r for r in passed["reasons"])
    assert state.store.usage(sitekey, month) == counted + 1
