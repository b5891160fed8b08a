"""Malformed, oversized and hostile requests: a 4xx with a code, never a 500 or a leak."""

from __future__ import annotations

import pytest
import requests

from service.sites.registry import Site

LEAKS = ("Traceback", "/work", "site-packages", ".py", "File \"")


def _assert_clean_error(reply: requests.Response, status: int | None = None) -> dict[str, object]:
    assert 400 <= reply.status_code < 500, (reply.status_code, reply.text[:200])
    if status is not None:
        assert reply.status_code == status
    body = reply.json()
    assert body["success"] is False and body["error-codes"]
    for leak in LEAKS:
        assert leak not in reply.text
    return body


@pytest.mark.parametrize(
    "data,content_type",
    [
        (b"{not json", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b'"just a string"', "application/json"),
        (b'{"token": {"nested": 1}, "answer": 3}', "application/json"),
        (b'{"token": ["a"], "answer": 3}', "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
        (b"token=abc", "text/xml"),
        (b"hello", "text/plain"),
    ],
)
def test_solve_rejects_malformed_bodies(
    http: requests.Session, data: bytes, content_type: str
) -> None:
    _assert_clean_error(http.post("/v1/solve", data=data, headers={"Content-Type": content_type}))


def test_oversized_body_is_413(http: requests.Session, site: tuple[Site, str]) -> None:
    big = "x" * (70 * 1024)
    body = _assert_clean_error(http.post("/v1/solve", data={"token": big}), 413)
    assert body["error-codes"] == ["payload-too-large"]
    reply = http.post("/v1/siteverify", data={"secret": site[1], "response": big})
    assert reply.status_code == 413 and reply.json()["success"] is False


def test_siteverify_bad_body_is_bad_request(http: requests.Session) -> None:
    reply = http.post(
        "/v1/siteverify", data=b"{oops", headers={"Content-Type": "application/json"}
    )
    assert reply.status_code == 400
    assert reply.json() == {"success": False, "error-codes": ["bad-request"]}


def test_unknown_paths_and_methods(http: requests.Session) -> None:
    assert _assert_clean_error(http.get("/../../etc/passwd"), 404)["error-codes"] == ["not-found"]
    _assert_clean_error(http.get("/v1/solve"), 405)
    _assert_clean_error(http.delete("/v1/siteverify"), 405)


def test_hostile_query_strings(http: requests.Session) -> None:
    for sitekey in ("'; DROP TABLE sites;--", "{{7*7}}", "\x00", "hk_" + "a" * 5000):
        _assert_clean_error(http.get("/v1/challenge", params={"sitekey": sitekey}))


def test_responses_carry_safety_headers(http: requests.Session) -> None:
    reply = http.get("/healthz")
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
