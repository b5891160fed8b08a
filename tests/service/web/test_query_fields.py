"""Query fields: parsed and checked once, before the view, and read from there."""

from __future__ import annotations

import random
import re
from urllib.parse import parse_qsl

import pytest
from flask import Flask, g

from service.web.errors import BadRequest
from service.web.request_data import MAX_FIELD_NAME, _check_names, parse_query, query_field


def test_a_view_reads_the_fields_checked_before_it(app: Flask) -> None:
    seen: dict[str, object] = {}

    @app.get("/t/query")
    def view() -> str:
        seen["kept"] = dict(g.hedgerow_query)
        seen["fields"] = (query_field("sitekey"), query_field("mode"), query_field("blank"))
        return "ok"

    reply = app.test_client().get("/t/query?sitekey=hk_x&blank=&q=%E2%98%90")
    assert reply.status_code == 200
    assert seen["kept"] == {"sitekey": "hk_x", "blank": "", "q": "☐"}
    assert seen["fields"] == ("hk_x", "", "")


def test_outside_the_hooks_the_request_is_read_and_checked(app: Flask) -> None:
    with app.test_request_context("/?previous=abc"):
        assert query_field("previous") == "abc" and query_field("mode") == ""
    with app.test_request_context("/?a=1&a=2"), pytest.raises(BadRequest):
        query_field("a")


@pytest.mark.parametrize("text", [
    "sitekey=hk_x", "a=1&b=2", "a&b=&=c&&d==e&", "&", "=", "a=ü&b=中", "a=1;b=2",
    "a=%E2%98%90&b=+x+", "a+b=c", "x=" + "y" * 5000,
    "&".join(f"f{i}=v" for i in range(64)), "&".join(f"f{i}" for i in range(63)) + "&",
])
def test_a_query_parses_as_parse_qsl_parses_it(text: str) -> None:
    expected = parse_qsl(text, keep_blank_values=True, errors="strict", max_num_fields=64)
    assert parse_query(text.encode()) == expected


def test_any_text_of_names_values_and_escapes_parses_as_parse_qsl_parses_it() -> None:
    """Random texts of the characters that matter (separators, '+', escapes whole, cut
    short, or of bytes that are not UTF-8): the same pairs, or both refused."""
    rng = random.Random(20261130)
    pieces = ["a", "é", "=", "&", "+", ";", "%", "%2", "%25", "%26", "%3D", "%2B", "%E2%98%90",
              "%E2%98", "%FF", "%zz", " "]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        try:
            expected = parse_qsl(text, keep_blank_values=True, errors="strict",
                                 max_num_fields=64)
        except UnicodeDecodeError:
            with pytest.raises(BadRequest) as refused:
                parse_query(text.encode())
            assert refused.value.code != "too-many-fields", text
            continue
        assert parse_query(text.encode()) == expected, text


@pytest.mark.parametrize("text", ["&".join(f"f{i}=v" for i in range(65)),
                                  "&".join(f"f{i}" for i in range(64)) + "&",
                                  "&" * 64, "a=%41" + "&" * 64])
def test_past_the_field_limit_either_way_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_qsl(text, keep_blank_values=True, max_num_fields=64)
    with pytest.raises(BadRequest) as refused:
        parse_query(text.encode())
    assert refused.value.code == "too-many-fields"


def test_field_names_are_the_printable_ascii_ones() -> None:
    printable = re.compile(r"[\x20-\x7e]+")
    # Every character up to past Latin and the surrogates, then a sample of the rest.
    chars = [chr(c) for c in range(0xE000)] + [chr(c) for c in range(0xE000, 0x110000, 97)]
    rng = random.Random(12)
    names = chars + ["", "a" * MAX_FIELD_NAME, "a" * (MAX_FIELD_NAME + 1)] + [
        "".join(rng.choice(chars[:300]) for _ in range(rng.randint(1, 6))) for _ in range(5_000)]
    refused = 0
    for name in names:
        allowed = len(name) <= MAX_FIELD_NAME and printable.fullmatch(name) is not None
        try:
            _check_names([name])
        except BadRequest as error:
            assert not allowed and error.code == "invalid-field-name", repr(name)
            refused += 1
        else:
            assert allowed, repr(name)
    assert 0 < refused < len(names)
