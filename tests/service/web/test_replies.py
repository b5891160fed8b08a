"""The hot paths' JSON answers are byte for byte what ``flask.jsonify`` makes."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

import pytest
from flask import Flask, jsonify

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


@pytest.mark.parametrize("body", BODIES)
def test_the_bytes_and_headers_are_jsonifys(app: Flask, body: Any) -> None:
    with app.test_request_context("/"):
        expected = jsonify(body)
        made = json_reply(body, 409, {"Cache-Control": "no-store"})
    assert made.get_data() == expected.get_data()
    assert made.status_code == 409 and made.headers["Cache-Control"] == "no-store"
    assert made.headers["Content-Type"] == expected.headers["Content-Type"]
    assert made.headers["Content-Length"] == expected.headers["Content-Length"]


def test_a_value_json_has_no_type_for_is_written_as_its_text() -> None:
    reply = json_reply({"at": datetime.date(2026, 11, 29), "n": decimal.Decimal("1.5")})
    assert reply.get_json() == {"at": "2026-11-29", "n": "1.5"}
