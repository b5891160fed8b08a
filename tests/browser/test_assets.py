"""What the widget costs a page: bytes, headers, and the APIs it must never use."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import requests

STATIC = Path(__file__).resolve().parents[2] / "service" / "static"
BUDGET = 8 * 1024


def test_everything_the_widget_loads_fits_in_8_kb_gzipped() -> None:
    total = sum(
        len(gzip.compress((STATIC / name).read_bytes(), compresslevel=9))
        for name in ("widget.js", "widget.css")
    )
    assert total <= BUDGET, f"{total} bytes gzipped"


def test_the_script_avoids_what_a_strict_page_forbids() -> None:
    source = (STATIC / "widget.js").read_text(encoding="utf-8")
    for forbidden in (
        "eval(", "new Function", "innerHTML", "outerHTML", "insertAdjacentHTML",
        "document.write", "document.cookie", "localStorage", "sessionStorage", "indexedDB",
        "setAttribute('style'", "cssText",
    ):
        assert forbidden not in source, forbidden
    # Timers only ever get functions, never strings of code.
    assert not re.search(r"set(Timeout|Interval)\(\s*['\"`]", source)
    # Every request goes to the service the script came from.
    assert not re.search(r"https?://", source.split("*/", 1)[1])


def test_widget_js_is_served_for_any_origin(http: requests.Session) -> None:
    reply = http.get("/widget.js", headers={"Origin": "https://anywhere.example"})
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert reply.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert "max-age=3600" in reply.headers["Cache-Control"]
    assert reply.headers["Content-Encoding"] == "gzip"
    assert reply.text == (STATIC / "widget.js").read_text(encoding="utf-8")
    again = http.get("/widget.js", headers={"If-None-Match": reply.headers["ETag"]})
    assert again.status_code == 304
    assert again.content == b""


def test_widget_css_and_plain_encoding(http: requests.Session) -> None:
    reply = http.get("/widget.css", headers={"Accept-Encoding": "identity"})
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "text/css; charset=utf-8"
    assert "Content-Encoding" not in reply.headers
    assert "Accept-Encoding" in reply.headers["Vary"]
    assert reply.content == (STATIC / "widget.css").read_bytes()


def test_the_widget_is_in_the_api_description(http: requests.Session) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    assert "/widget.js" in paths
    assert "/demo" in paths
