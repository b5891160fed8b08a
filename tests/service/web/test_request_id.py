"""Every answer, errors included, carries a request id: the caller's when sane."""

from __future__ import annotations

import re

import pytest
import requests

from service.web.access_log import request_id_from

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.mark.parametrize("path", ["/healthz", "/no-such-endpoint", "/v1/challenge"])
def test_a_sane_id_is_echoed_on_every_answer(http: requests.Session, path: str) -> None:
    reply = http.get(path, headers={"X-Request-Id": "lb-2f9c:0001/a=b"})
    assert reply.headers["X-Request-Id"] == "lb-2f9c:0001/a=b"


@pytest.mark.parametrize("sent", ["", "short", "x" * 129, "with space", "new\u2028line",
                                  "quote\"s-12345", "semi;colon-123"])
def test_an_insane_id_is_replaced(http: requests.Session, sent: str) -> None:
    reply = http.get("/healthz", headers={"X-Request-Id": sent.encode("utf-8")})
    assert GENERATED.fullmatch(reply.headers["X-Request-Id"])


def test_generated_ids_differ() -> None:
    assert len({request_id_from(None) for _ in range(100)}) == 100
