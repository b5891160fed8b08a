"""The way without arithmetic (WCAG 2.2 SC 3.3.8): one button, a progress bar, no question."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Embed, Watch
from tests.browser.helpers import rendered, widget

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """Small puzzles: the other way's work then takes a browser milliseconds, not seconds."""
    return {**app_config, "POW_MIN_BITS": 2}


def test_verify_another_way_by_keyboard(page: Page, embed: Embed, watch: Watch) -> None:
    page.goto(embed.page(
        f'<div class="hedgerow-captcha" data-sitekey="{embed.sitekey}" '
        'data-callback="onSolved"></div>'
    ))
    box = widget(page)
    rendered(box).focus()
    page.keyboard.press("Tab")
    expect(box.get_by_role("button", name="Verify", exact=True)).to_be_focused()
    page.keyboard.press("Tab")
    other = box.get_by_role("button", name="Verify another way")
    expect(other).to_be_focused()
    page.keyboard.press("Enter")
    status = box.locator("[role=status]")
    expect(status).to_have_text("Verified \u2014 thank you.")
    expect(status).to_be_focused()
    token = page.locator("input[name=hedgerow-response]").input_value()
    assert token and page.evaluate("events") == [["callback", token]]
    verdict = embed.siteverify(token)
    assert verdict["success"] is True and verdict["method"] == "proof-of-work"
    assert watch.errors == []


def test_the_work_shows_a_labelled_bar_and_no_question(page: Page, embed: Embed) -> None:
    # The answer waits until the test lets it go, so the working state can be seen.
    held: list[Any] = []

    def hold_the_first(route: Any) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route("**/v1/solve", hold_the_first)
    page.goto(embed.page())
    box = widget(page)
    rendered(box)
    box.get_by_role("button", name="Verify another way").click()
    bar = box.get_by_role("progressbar", name="Checking your browser\u2026")
    expect(bar).to_be_visible()
    expect(box.locator("input.hr-i")).to_have_count(0)
    expect(box.get_by_role("button", name="Verify", exact=True)).to_be_hidden()
    expect(box.locator("[role=status]")).to_have_text("Checking your browser\u2026")
    for _ in range(100):
        if held:
            break
        page.evaluate("0")
    assert held, "the widget never sent the work"
    assert "answer=" not in (held[0].request.post_data or "")
    assert re.search(r"pow=\d+", held[0].request.post_data or "")
    held[0].continue_()
    expect(box.locator("[role=status]")).to_have_text("Verified \u2014 thank you.")
    field = page.locator("input[name=hedgerow-response]")
    first = field.input_value()
    # A reset keeps the visitor's choice: no question comes back, the work is done again.
    page.evaluate("hedgerow.reset()")
    expect(field).not_to_have_value(first)
    expect(field).not_to_have_value("")
    expect(box.locator("input.hr-i")).to_have_count(0)
