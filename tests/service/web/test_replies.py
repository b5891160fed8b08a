"""The hot paths' JSON answers are what ``flask.jsonify`` makes: byte for byte, but for a
float with an exponent (the same number written another way)."""

from __future__ import annotations

import datetime
import decimal
import json
import math
from typing import Any

import pytest
from flask import Flask, Response, jsonify

from service.web.replies import json_reply

BODIES: list[Any] = [
    {"status": "ok"},
    {"success": False, "error-codes": ["timeout-or-duplicate"], "message": "Já — “quoted” ☐"},
    {"token": "eyJ" * 50, "pow": {"salt": "s", "bits": 12}, "expires_in": 120, "z": None,
     "a": [1, 2.5, -0.0, 1e300, True]},
    {"spam": True, "score": 0.735, "reasons": ["links to 1 domain (example.org)", "\u2028"]},
    [],
    "",
]


def _pairs(text: bytes) -> Any:
    """A JSON document with its objects as lists of pairs (their order kept)."""
    return json.loads(text, object_pairs_hook=list)


@pytest.mark.parametrize("body", BODIES)
def test_the_bytes_and_headers_are_jsonifys(app: Flask, body: Any) -> None:
    with app.test_request_context("/"):
        expected = jsonify(body)
        made = json_reply(body, 409, {"Cache-Control": "no-store"})
    if "1e300" in str(body):
        # orjson writes 1e300 where the standard library writes 1e+300: the same number.
        assert made.get_data() == expected.get_data().replace(b"1e+300", b"1e300")
    else:
        assert made.get_data() == expected.get_data()
    assert _pairs(made.get_data()) == _pairs(expected.get_data())
    assert made.status_code == 409 and made.headers["Cache-Control"] == "no-store"
    assert made.headers["Content-Type"] == expected.headers["Content-Type"]
    assert made.headers["Content-Length"] == expected.headers["Content-Length"]


def test_a_value_json_has_no_type_for_is_written_as_its_text() -> None:
    reply = json_reply({"at": datetime.date(2026, 11, 29), "n": decimal.Decimal("1.5")})
    assert reply.get_json() == {"at": "2026-11-29", "n": "1.5"}


@pytest.mark.parametrize("body", [{"big": 2 ** 70, "small": -(2 ** 64)}, {1: "a", None: "b"},
                                  {"deep": [[[[[[[[[[1]]]]]]]]]]}])
def test_what_orjson_cannot_write_is_written_as_jsonify_writes_it(app: Flask, body: Any
                                                                    ) -> None:
    with app.test_request_context("/"):
        expected = jsonify(body)
    assert json_reply(body).get_data() == expected.get_data()


def test_text_utf8_cannot_carry_is_escaped_rather_than_failing_the_answer() -> None:
    reply = json_reply({"message": "lone \ud800 surrogate", "ok": "é"}, 400)
    assert reply.status_code == 400
    assert json.loads(reply.get_data()) == {"message": "lone \ud800 surrogate", "ok": "é"}


def test_a_number_that_is_not_one_is_written_as_null_not_as_invalid_json() -> None:
    reply = json_reply({"score": math.nan, "top": math.inf})
    assert json.loads(reply.get_data(), parse_constant=lambda name: pytest.fail(name)) == {
        "score": None, "top": None}


ENVIRON = {"REQUEST_METHOD": "GET", "SERVER_NAME": "hedgerow.test", "SERVER_PORT": "443",
           "wsgi.url_scheme": "https", "HTTP_HOST": "hedgerow.test", "SCRIPT_NAME": "",
           "PATH_INFO": "/v1/challenge"}


@pytest.mark.parametrize(("status", "added"), [
    (200, {}),
    (200, {"Vary": "Origin", "Access-Control-Allow-Origin": "https://blog.example"}),
    (429, {"Retry-After": "7"}),
    (302, {"Location": "/docs?x=ü"}),
    (201, {"Content-Location": "/v1/feedback/ä"}),
    (304, {"ETag": '"x"'}),
    (412, {}),
])
def test_the_headers_that_go_out_are_werkzeugs(app: Flask, status: int,
                                                added: dict[str, str]) -> None:
    with app.test_request_context("/"):
        reply = json_reply({"success": False}, status, {"Cache-Control": "no-store"})
    for name, value in added.items():
        reply.headers[name] = value
    for method in ("GET", "HEAD"):
        environ = {**ENVIRON, "REQUEST_METHOD": method}
        # What Werkzeug itself sends for this response, from a copy of its headers.
        expected = Response.get_wsgi_headers(reply, environ).to_wsgi_list()
        assert reply.get_wsgi_headers(environ).to_wsgi_list() == expected
    del reply.headers["Content-Length"]
    expected = Response.get_wsgi_headers(reply, ENVIRON).to_wsgi_list()
    assert reply.get_wsgi_headers(ENVIRON).to_wsgi_list() == expected
    assert ("Content-Length", str(len(reply.get_data()))) in expected or status in (304, 412)


def test_a_head_request_gets_the_length_and_no_body(app: Flask) -> None:
    answer = app.test_client().head("/healthz")
    assert answer.status_code == 200 and answer.data == b""
    assert answer.headers["Content-Length"] == str(len(b'{"status":"ok"}\n'))
