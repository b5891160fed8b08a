"""Every answer, errors included, carries a request id: the caller's when sane."""

from __future__ import annotations

import json
import re

import pytest
import requests
from flask import Flask

from service.web.access_log import request_id_from
from tests.support.waiting import wait_for

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


@pytest.mark.parametrize("sent", ["abcdefgh\n", "abcdefgh\r\n", "\nabcdefgh"])
def test_an_id_with_a_line_break_is_replaced(sent: str) -> None:
    # It would go out as a header: the whole value must match, a final newline included.
    assert GENERATED.fullmatch(request_id_from(sent))


def test_generated_ids_differ() -> None:
    assert len({request_id_from(None) for _ in range(100)}) == 100


def test_the_access_line_goes_to_the_current_stderr_in_one_piece(
    app: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    client = app.test_client()
    for n in range(3):
        client.get("/healthz", headers={"X-Request-Id": f"access-line-{n:04d}"})
    written: list[str] = []

    def all_three() -> bool:  # lines that come close together are written a moment later
        written.extend(capsys.readouterr().err.splitlines())
        return sum('"access-line-' in x for x in written) >= 3

    assert wait_for(all_three, timeout=5)
    # Lines of an earlier test's requests may still be leaving: only these three count.
    lines = [json.loads(x) for x in written if '"access-line-' in x]
    assert [x["request_id"] for x in lines] == [f"access-line-{n:04d}" for n in range(3)]
    for line in lines:
        assert line["path"] == "/healthz" and line["status"] == 200
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", line["ts"])
