"""What the widget costs a page: bytes, headers, and the APIs it must never use."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
import requests

from service.api.widget import minify

STATIC = Path(__file__).resolve().parents[2] / "service" / "static"
BUDGET = 8 * 1024
# Everything a page loads for the widget: the solver as a Worker or as a script.
WIDGET_FILES = ("widget.js", "widget.css", "pow-worker.js")
SCRIPTS = ("widget.js", "pow-worker.js")


def served(name: str) -> bytes:
    """The bytes the service sends for a static file (minified)."""
    return minify(name, (STATIC / name).read_bytes())


def test_everything_the_widget_loads_fits_in_8_kb_gzipped(http: requests.Session) -> None:
    total = 0
    for name in WIDGET_FILES:
        reply = http.get(f"/{name}", headers={"Accept-Encoding": "gzip"}, stream=True)
        assert reply.headers["Content-Encoding"] == "gzip"
        total += len(reply.raw.read(decode_content=False))
        reply.close()
    assert total <= BUDGET, f"{total} bytes gzipped"
    from_files = sum(len(gzip.compress(served(name), compresslevel=9)) for name in WIDGET_FILES)
    assert abs(from_files - total) < 100


def test_minifying_keeps_code_strings_and_notices() -> None:
    source = b"/*! notice */\nvar a = 1; // goes\n  // goes\nvar b = '//', c = /\\/x/;\n"
    assert minify("x.js", source) == b"/*! notice */var a=1;var b='//',c=/\\/x/;"
    assert minify("x.css", b"/* goes */\n.a :focus { color: red; }\n") == b".a :focus{color:red}"


@pytest.mark.parametrize("name", SCRIPTS)
def test_the_scripts_avoid_what_a_strict_page_forbids(name: str) -> None:
    source = (STATIC / name).read_text(encoding="utf-8")
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
    assert reply.content == served("widget.js")
    again = http.get("/widget.js", headers={"If-None-Match": reply.headers["ETag"]})
    assert again.status_code == 304
    assert again.content == b""


@pytest.mark.parametrize("path", ["/pow-worker.js", "/recaptcha/api.js"])
def test_worker_and_recaptcha_path_are_served_like_the_widget(
    http: requests.Session, path: str
) -> None:
    reply = http.get(path, headers={"Origin": "https://anywhere.example"})
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert reply.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert "max-age=3600" in reply.headers["Cache-Control"]
    name = "widget.js" if path == "/recaptcha/api.js" else "pow-worker.js"
    assert reply.content == served(name)
    again = http.get(path, headers={"If-None-Match": reply.headers["ETag"]})
    assert again.status_code == 304


def test_widget_css_and_plain_encoding(http: requests.Session) -> None:
    reply = http.get("/widget.css", headers={"Accept-Encoding": "identity"})
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "text/css; charset=utf-8"
    assert "Content-Encoding" not in reply.headers
    assert "Accept-Encoding" in reply.headers["Vary"]
    assert reply.content == served("widget.css")


def test_the_widget_is_in_the_api_description(http: requests.Session) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    assert "/widget.js" in paths
    assert "/demo" in paths
