"""Malformed, oversized and hostile requests: a 4xx with a code, never a 500 or a leak."""

from __future__ import annotations

import json
import logging

import pytest
import requests
from flask import Flask

from service.sites.registry import Site
from tests.support.live_server import LiveServer

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
    assert reply.json() == {"success": False, "error-codes": ["bad-request"],
                            "message": "The body is not valid JSON."}


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


JSON = {"Content-Type": "application/json"}


def _code(reply: requests.Response, status: int = 400) -> str:
    body = _assert_clean_error(reply, status)
    assert body["message"]
    return str(body["error-codes"][0])  # type: ignore[index]


@pytest.mark.parametrize(
    "data",
    [
        b'{"token": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"a":' * 5000 + b"1" + b"}" * 5000,
        b"[" * 60000,
    ],
    ids=["deep-array-in-a-field", "deep-objects", "unclosed"],
)
def test_deeply_nested_json_is_refused_before_parsing(http: requests.Session, data: bytes) -> None:
    assert _code(http.post("/v1/solve", data=data, headers=JSON)) == "json-too-deep"


def test_nesting_limit_and_brackets_inside_strings(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    # Four levels still parse, so the answer names the field; five do not.
    reply = http.post("/v1/solve", data=b'{"token": [[[1]]]}', headers=JSON)
    assert _code(reply) == "bad-request" and "'token'" in reply.json()["message"]
    assert _code(http.post("/v1/solve", data=b'{"token": [[[[1]]]]}', headers=JSON)) == (
        "json-too-deep"
    )
    # Brackets and escaped quotes inside strings are text, not nesting.
    content = '[[[[[[{{{{{{ "[[[[[[ \\" ' + "{" * 500 + ' \\ "]'
    body = json.dumps({"comment_content": content, "user_ip": "198.51.100.4"})
    assert '\\"[[[[[[' in body and '\\\\\\"' in body
    reply = http.post("/v1/comment-check", data=body.encode(), headers={
        **JSON, "Authorization": f"Bearer {site[1]}"})
    assert reply.status_code == 200, reply.text


@pytest.mark.parametrize(
    "data,headers",
    [
        (b'{"token": "\\ud800"}', JSON),
        (b'{"token": "a\\udfffb"}', JSON),
        (b'{"token": "\xed\xa0\x80"}', JSON),
        (b'{"token": "\xff"}', JSON),
        (b"token=%ED%A0%80", {}),
        (b"token=\xed\xa0\x80", {}),
        (b"token=%FF%FE", {}),
    ],
    ids=["json-escape", "json-escape-low", "json-raw", "json-invalid", "form-escaped",
         "form-raw", "form-invalid"],
)
def test_lone_surrogates_and_invalid_utf8_are_refused(
    http: requests.Session, data: bytes, headers: dict[str, str]
) -> None:
    assert _code(http.post("/v1/solve", data=data, headers=headers)) == "invalid-encoding"


def test_a_surrogate_pair_is_one_valid_character(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    reply = http.post(
        "/v1/comment-check",
        data=b'{"comment_content": "nice \\ud83d\\ude00", "user_ip": "198.51.100.4"}',
        headers={**JSON, "Authorization": f"Bearer {site[1]}"},
    )
    assert reply.status_code == 200, reply.text


def test_bad_query_strings_and_credential_headers(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    sitekey = site[0].sitekey
    for query in ("sitekey=%ED%A0%80", "sitekey=%FF", "sitekey=%C0%AF"):
        assert _code(http.get("/v1/challenge?" + query)) == "invalid-encoding", query
    assert _code(http.get(f"/v1/challenge?sitekey={sitekey}&sitekey=x")) == "duplicate-field"
    assert _code(http.get(f"/v1/challenge?sitekey={sitekey}&%0D%0A=1")) == "invalid-field-name"
    origin = http.get("/v1/challenge", params={"sitekey": sitekey},
                      headers={"Origin": b"https://\xed\xa0\x80.example"})
    assert _code(origin) == "invalid-header"
    auth = http.post("/v1/comment-check", json={"comment_content": "hi"},
                     headers={"Authorization": b"Bearer \xff\xfe"})
    assert _code(auth) == "invalid-header"


@pytest.mark.parametrize(
    "data,headers,code",
    [
        ('{"tökén": "x"}'.encode(), JSON, "invalid-field-name"),
        (b'{"a\\u0000b": "x"}', JSON, "invalid-field-name"),
        (b'{"a\\r\\nb": "x"}', JSON, "invalid-field-name"),
        (b'{"\\ud800": "x"}', JSON, "invalid-field-name"),
        (b"t%C3%B6k%C3%A9n=x", {}, "invalid-field-name"),
        (b"=x", {}, "invalid-field-name"),
        (b'{"token": "a", "token": "b"}', JSON, "duplicate-field"),
        (b"token=a&token=b", {}, "duplicate-field"),
    ],
)
def test_bad_field_names_are_refused(
    http: requests.Session, data: bytes, headers: dict[str, str], code: str
) -> None:
    reply = http.post("/v1/solve", data=data, headers=headers)
    assert _code(reply) == code
    assert "\r" not in reply.json()["message"] and "\x00" not in reply.json()["message"]


def test_huge_numbers_and_json_constants(http: requests.Session) -> None:
    for data in (b'{"token": "t", "answer": 1e999999}', b'{"token": ' + b"9" * 4000 + b"}",
                 b'{"token": "t", "answer": 10}'):
        reply = http.post("/v1/solve", data=data, headers=JSON)
        assert _code(reply) in ("invalid-input-token", "payload-too-large", "bad-request")
    assert _code(http.post("/v1/solve", data=b'{"token": NaN}', headers=JSON)) == "bad-request"


def test_client_errors_log_no_traceback(
    http: requests.Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    http.post("/v1/solve", data=b"[" * 30000 + b"]" * 30000, headers=JSON)
    http.post("/v1/solve", data=b'{"token": "\\ud800"}', headers=JSON)
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_a_real_server_error_still_logs_its_traceback(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> str:
        raise RuntimeError("a bug")

    app.add_url_rule("/broken-for-this-test", "broken", broken)
    server = LiveServer(app).start()
    try:
        reply = requests.get(server.url + "/broken-for-this-test", timeout=10)
    finally:
        server.stop()
    assert reply.status_code == 500
    assert reply.json()["error-codes"] == ["internal-error"] and "a bug" not in reply.text
    logged = [r for r in caplog.records if r.exc_info]
    assert len(logged) == 1
    exc_info = logged[0].exc_info
    assert exc_info is not None and exc_info[1] is not None and exc_info[1].args == ("a bug",)
