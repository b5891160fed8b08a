"""A strict Content-Security-Policy on another origin, and an axe-core audit."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from service.web.state import AppState
from tests.browser.conftest import WATCH_CSP, Embed, Watch, strict_csp
from tests.browser.helpers import rendered, right_answer, solve, widget, wrong_answer

pytestmark = pytest.mark.browser


def test_strict_csp_on_another_origin_has_no_violations(
    page: Page, embed: Embed, watch: Watch
) -> None:
    url = embed.page(own_js=False)
    assert embed.host.url.split(":")[-1] != embed.live.url.split(":")[-1]
    response = page.goto(url)
    assert response is not None
    assert response.headers["content-security-policy"] == strict_csp(embed.live.url)
    box = widget(page)
    answer = rendered(box)
    # The stylesheet applied: the box is styled although inline styles are forbidden.
    assert box.evaluate("e => getComputedStyle(e).borderTopStyle") == "solid"
    answer.fill(str(wrong_answer(box)))
    answer.press("Enter")
    expect(box.locator("[role=status]")).to_have_text(re.compile("Not quite"))
    answer.fill(str(right_answer(box)))
    box.get_by_role("button", name="Verify", exact=True).click()
    expect(box.locator("[role=status]")).to_have_text(re.compile("Verified"))
    page.locator("#send").click()
    expect(page.locator("#posted")).to_be_visible()
    assert embed.host.posts[-1]["hedgerow-response"]
    assert watch.csp(page) == []
    assert watch.errors == []


def test_strict_csp_recaptcha_mode_has_no_violations(
    page: Page, embed: Embed, watch: Watch
) -> None:
    page.goto(embed.page(
        f'<div class="g-recaptcha" data-sitekey="{embed.sitekey}"></div>', own_js=False
    ))
    solve(widget(page, ".g-recaptcha"))
    assert page.evaluate("grecaptcha.getResponse()")
    assert watch.csp(page) == []
    assert watch.errors == []


def test_the_violation_watch_does_see_violations(page: Page, embed: Embed, watch: Watch) -> None:
    page.goto(embed.page('<p style="color: red">inline style</p>', own_js=False))
    page.wait_for_function("() => window.__csp.length > 0")
    assert any(v.startswith("style-src") for v in watch.csp(page))


def _serious(results: dict[str, object]) -> list[str]:
    violations = results["violations"]
    assert isinstance(violations, list)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


AUDIT = "() => axe.run(document, {resultTypes: ['violations']})"


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_finds_no_serious_problems(
    browser: Browser, embed: Embed, axe_path: Path, theme: str
) -> None:
    # axe is injected as a script, which the page's CSP would block; the widget's own
    # CSP behaviour is covered above.
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        page.add_init_script(WATCH_CSP)
        page.goto(embed.page(
            f'<div class="hedgerow-captcha" data-sitekey="{embed.sitekey}" '
            f'data-theme="{theme}"></div>'
            f'<div class="g-recaptcha" data-sitekey="{embed.sitekey}" data-theme="{theme}"></div>'
        ))
        page.add_script_tag(path=str(axe_path))
        box = widget(page)
        answer = rendered(box)
        rendered(widget(page, ".g-recaptcha"))
        assert _serious(page.evaluate(AUDIT)) == []
        answer.fill(str(wrong_answer(box)))
        answer.press("Enter")
        expect(box.locator("[role=status]")).to_have_text(re.compile("Not quite"))
        assert _serious(page.evaluate(AUDIT)) == []
        solve(box)
        assert _serious(page.evaluate(AUDIT)) == []
    finally:
        context.close()


def test_axe_on_the_error_state(browser: Browser, embed: Embed, axe_path: Path) -> None:
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        page.route("**/v1/challenge*", lambda route: route.abort())
        page.goto(embed.page())
        page.add_script_tag(path=str(axe_path))
        expect(widget(page).get_by_role("button", name="Try again")).to_be_visible()
        assert _serious(page.evaluate(AUDIT)) == []
    finally:
        context.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_on_a_refused_page(
    browser: Browser, embed: Embed, axe_path: Path, state: AppState, theme: str
) -> None:
    other, _ = state.sites.add("Elsewhere", ["https://elsewhere.example"])
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(embed.page(
            f'<div class="hedgerow-captcha" data-sitekey="{other.sitekey}" '
            f'data-theme="{theme}"></div>'
        ))
        page.add_script_tag(path=str(axe_path))
        expect(widget(page).locator("[role=status]")).to_contain_text("not set up")
        assert _serious(page.evaluate(AUDIT)) == []
    finally:
        context.close()


@pytest.fixture
def small_puzzles(app_config: dict[str, Any]) -> None:
    """The other way's work done in milliseconds."""
    app_config["POW_MIN_BITS"] = 2


def test_axe_on_the_other_way(
    small_puzzles: None, browser: Browser, embed: Embed, axe_path: Path
) -> None:
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(embed.page())
        page.add_script_tag(path=str(axe_path))
        box = widget(page)
        rendered(box)
        assert _serious(page.evaluate(AUDIT)) == []
        box.get_by_role("button", name="Verify another way").click()
        expect(box.locator("[role=status]")).to_have_text(re.compile("Verified"))
        assert _serious(page.evaluate(AUDIT)) == []
    finally:
        context.close()
