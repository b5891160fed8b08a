"""/docs: the API reference, rendered from the spec, readable with no script and no CDN."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import Page, expect

from service.api.openapi import spec
from tests.browser.conftest import Watch
from tests.browser.test_demo import OVERFLOW
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser


def test_every_operation_of_the_spec_is_on_the_page(http: requests.Session) -> None:
    reply = http.get("/docs")
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("text/html")
    assert "script-src" not in reply.headers["Content-Security-Policy"]
    page = reply.text
    for path, item in spec()["paths"].items():
        for method in item:
            assert f"{method.upper()}</span> <code>{path}</code>" in page, (method, path)
    # The fields clients need are named, e.g. the proof of work and Akismet's keys.
    for name in ("pow.salt", "pow.difficulty", "api_key", "blog", "429", "503"):
        assert name in page, name
    assert "<script" not in page
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page


def test_the_page_renders_offline_and_fits_a_phone(
    page: Page, live: LiveServer, watch: Watch
) -> None:
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(live.url) else outside.append(r.url))
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(live.url + "/docs")
    heading = page.get_by_role("heading", name="POST /v1/solve")
    expect(heading).to_be_visible()
    expect(page.locator("section#POST-v1-solve")).to_contain_text("pow")
    # The stylesheet applied: sections are cards.
    expect(page.locator("section.op").first).to_have_css("border-top-style", "solid")
    assert page.evaluate(OVERFLOW) == {"scroll": 0, "wide": []}
    assert outside == []
    assert watch.errors == []
