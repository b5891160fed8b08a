"""When the service refuses, the visitor reads why in words, the developer in the console,
and the widget never retries what cannot succeed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page, Request, Route, expect

from service.web.state import AppState
from tests.browser.conftest import Embed
from tests.browser.helpers import rendered, right_answer, solve, widget

pytestmark = pytest.mark.browser

SETUP = "This check is not set up for this page. Please tell the site\u2019s owner."
BUSY = "Too many attempts. Please wait a moment, then try again."


def _warnings(page: Page) -> list[str]:
    seen: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "warning" and message.text.startswith("Hedgerow:"):
            seen.append(message.text)

    page.on("console", on_console)
    return seen


def _until(page: Page, seen: list[str]) -> list[str]:
    """``seen`` once it has an entry: each round trip to the page delivers its events."""
    for _ in range(50):
        if seen:
            break
        page.evaluate("0")
    return seen


def _requests(page: Page, path: str) -> list[str]:
    seen: list[str] = []

    def on_request(request: Request) -> None:
        if path in request.url:
            seen.append(request.url)

    page.on("request", on_request)
    return seen


def test_unregistered_origin_is_said_in_words_and_in_the_console(
    page: Page, embed: Embed, state: AppState
) -> None:
    other, _ = state.sites.add("Elsewhere", ["https://elsewhere.example"])
    warnings = _warnings(page)
    page.goto(embed.page(
        f'<div class="hedgerow-captcha" data-sitekey="{other.sitekey}" '
        'data-error-callback="onError"></div>'
    ))
    box = widget(page)
    expect(box.locator("[role=status]")).to_have_text(SETUP)
    # Retrying cannot help until the site's owner adds the origin.
    expect(box.get_by_role("button", name="Try again")).to_be_hidden()
    assert page.evaluate("events") == [["error"]]
    assert len(_until(page, warnings)) == 1, warnings
    assert "origin-not-allowed" in warnings[0]
    assert embed.host.url in warnings[0]
    assert "--add-origin" in warnings[0]


def test_unknown_sitekey_is_said_in_words(page: Page, embed: Embed) -> None:
    warnings = _warnings(page)
    page.goto(embed.page('<div class="hedgerow-captcha" data-sitekey="hk_nosuchkey"></div>'))
    expect(widget(page).locator("[role=status]")).to_have_text(SETUP)
    assert any("invalid-input-sitekey" in w for w in _until(page, warnings)), warnings


def test_a_refused_solve_is_said_once_not_looped(
    page: Page, embed: Embed, state: AppState
) -> None:
    challenges = _requests(page, "/v1/challenge")
    warnings = _warnings(page)
    page.goto(embed.page())
    box = widget(page)
    answer = rendered(box)
    # The page's origin stops being the site's while the visitor answers.
    site = state.sites.get(embed.sitekey)
    assert site is not None
    state.sites.update(site, add_origins=["https://elsewhere.example"],
                       remove_origins=[embed.host.url])
    answer.fill(str(right_answer(box)))
    answer.press("Enter")
    status = box.locator("[role=status]")
    expect(status).to_have_text(SETUP)
    expect(status).to_be_focused()
    expect(box.locator("input.hr-i")).to_be_hidden()
    assert len(challenges) == 1, challenges
    seen = _until(page, warnings)
    assert any("origin-not-allowed" in w and embed.host.url in w for w in seen), seen


def test_each_solve_refusal_has_its_own_words(page: Page, embed: Embed) -> None:
    # A counter that solves nothing: the service answers invalid-input-pow.
    def spoil_pow(route: Route) -> None:
        body = re.sub(r"pow=\d+", "pow=0", route.request.post_data or "")
        route.continue_(post_data=body)

    page.route("**/v1/solve", spoil_pow)
    page.goto(embed.page())
    box = widget(page)
    answer = rendered(box)
    answer.fill(str(right_answer(box)))
    answer.press("Enter")
    expect(box.locator("[role=status]")).to_have_text("That did not work. Here is a new one.")
    expect(answer).to_be_focused()
    expect(answer).to_have_value("")
    page.unroute("**/v1/solve")
    solve(box)


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """One challenge a minute per client."""
    return {**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_CHALLENGE": "1/minute"}


def test_rate_limited_visitor_is_asked_to_wait(page: Page, embed: Embed) -> None:
    warnings = _warnings(page)
    page.goto(embed.page())
    box = widget(page)
    rendered(box)
    page.evaluate("hedgerow.reset()")
    status = box.locator("[role=status]")
    expect(status).to_have_text(BUSY)
    # Try again comes back only when the service's Retry-After has passed.
    expect(box.get_by_role("button", name="Try again")).to_be_hidden()
    assert any("rate-limited" in w for w in _until(page, warnings)), warnings


def test_focus_moves_to_a_visible_confirmation(page: Page, embed: Embed) -> None:
    page.goto(embed.page())
    box = widget(page)
    answer = rendered(box)
    answer.fill(str(right_answer(box)))
    answer.press("Enter")
    status = box.locator("[role=status]")
    expect(status).to_be_focused()
    expect(status).to_be_visible()
    expect(status).to_have_text("Verified \u2014 thank you.")
    page.keyboard.press("Tab")
    expect(page.locator("#send")).to_be_focused()
