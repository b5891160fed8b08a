"""Query fields: parsed and checked once, before the view, and read from there."""

from __future__ import annotations

import pytest
from flask import Flask, g

from service.web.errors import BadRequest
from service.web.request_data import query_field


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
