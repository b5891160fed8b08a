"""The /demo page: only in demo mode, and a full round trip through siteverify."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from service.api.demo import CSP, DEMO_SITE_FILE
from service.web.state import AppState
from tests.browser.conftest import Watch
from tests.browser.helpers import rendered, solve, widget
from tests.support.live_server import LiveServer


def test_no_demo_unless_demo_mode(http: requests.Session) -> None:
    for path in ("/demo", "/demo/demo.css"):
        reply = http.get(path)
        assert reply.status_code == 404
        assert reply.json()["error-codes"] == ["not-found"]
    assert http.post("/demo", data={}).status_code == 404


@pytest.fixture
def demo_mode(app_config: dict[str, Any]) -> None:
    """The app as `hedgerow serve --demo` configures it."""
    app_config["DEMO"] = True


@pytest.fixture
def demo_site(demo_mode: None, state: AppState, live: LiveServer) -> dict[str, str]:
    """The demo site, registered and saved as `hedgerow serve --demo` does.

    Ask for it before ``live`` or ``app``, so demo mode is set before the app is built.
    """
    site, secret = state.sites.add("Demo", [live.url])
    saved = {"sitekey": site.sitekey, "secret": secret}
    data_dir = Path(state.config["DATA_DIR"])
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / DEMO_SITE_FILE).write_text(json.dumps(saved), encoding="utf-8")
    return saved


@pytest.mark.usefixtures("demo_mode")
def test_demo_without_a_demo_site_says_how_to_fix_it(http: requests.Session) -> None:
    reply = http.get("/demo")
    assert reply.status_code == 503
    assert "hedgerow serve --demo" in reply.text


@pytest.mark.browser
def test_demo_round_trip(
    demo_site: dict[str, str], page: Page, live: LiveServer, watch: Watch
) -> None:
    response = page.goto(live.url + "/demo")
    assert response is not None and response.status == 200
    assert response.headers["content-security-policy"] == CSP
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert demo_site["sitekey"] in page.content()
    assert demo_site["secret"] not in page.content()

    # Posting before solving fails closed.
    page.get_by_role("button", name="Post comment").click()
    result = page.locator(".result")
    expect(result).to_contain_text("Captcha failed")
    expect(result.locator("pre")).to_contain_text('"missing-input-response"')

    page.locator("#author").fill("Ada")
    page.locator("#comment").fill("<b>Nice</b> post")
    solve(widget(page))
    page.get_by_role("button", name="Post comment").click()
    expect(result).to_contain_text("Captcha passed")
    verdict = json.loads(result.locator("pre.json").first.inner_text())
    assert verdict["success"] is True
    assert verdict["error-codes"] == []
    assert verdict["hostname"] == "127.0.0.1"
    expect(result.locator(".what")).to_have_text("<b>Nice</b> post")
    assert watch.csp(page) == []
    assert watch.errors == []


@pytest.mark.browser
def test_demo_options_and_replay(demo_site: dict[str, str], page: Page, live: LiveServer) -> None:
    page.goto(live.url + "/demo?theme=dark&lang=fr")
    box = widget(page)
    expect(box).to_have_class(re.compile(r"\bhr-dark\b"))
    assert "combien" in (rendered(box).get_attribute("aria-label") or "")
    solve(box)
    token = page.locator("input[name=hedgerow-response]").input_value()
    reply = requests.post(live.url + "/demo", data={"hedgerow-response": token}, timeout=10)
    assert "Captcha passed" in reply.text
    replay = requests.post(live.url + "/demo", data={"hedgerow-response": token}, timeout=10)
    assert "timeout-or-duplicate" in replay.text


# Every element whose right edge passes the viewport's, and whether the page scrolls sideways.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > width + 0.5)
    .filter(e => !e.closest('pre'))
    .map(e => e.tagName + '.' + e.className);
  return {scroll: document.documentElement.scrollWidth - width, wide: wide};
}"""

# Pairs of the widget's parts that must not overlap: title and question, question and button.
OVERLAPS = """() => {
  const box = s => document.querySelector(s).getBoundingClientRect();
  const hit = (a, b) => a.left < b.right && b.left < a.right
    && a.top < b.bottom && b.top < a.bottom;
  const pairs = [['.hr-t', '.hr-q'], ['.hr-q', '.hr-b'], ['.hr-t', '.hr-b']];
  const out = pairs.filter(([a, b]) => hit(box(a), box(b))).map(p => p.join(' & '));
  // The title's own content (the name after it included) stays inside its box.
  const title = document.querySelector('.hr-t');
  if (title.scrollHeight > title.clientHeight + 1) out.push('.hr-t overflows');
  return out;
}"""


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "de", "pl"])
def test_demo_fits_a_320_px_phone(
    demo_site: dict[str, str], page: Page, live: LiveServer, tmp_path: Path, lang: str
) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{live.url}/demo?lang={lang}")
    box = widget(page)
    rendered(box)
    page.screenshot(path=str(tmp_path / f"demo-320-{lang}.png"), full_page=True)
    layout = page.evaluate(OVERFLOW)
    assert layout == {"scroll": 0, "wide": []}, layout
    assert page.evaluate(OVERLAPS) == []
    solve(box)
    assert page.evaluate(OVERFLOW) == {"scroll": 0, "wide": []}
