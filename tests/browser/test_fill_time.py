"""The fill-time clock with the real widget: it starts when the widget first renders, and
a mistyped answer or a reset does not restart it."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from service.web.state import AppState
from tests.browser.conftest import Embed
from tests.browser.helpers import rendered, right_answer, widget, wrong_answer

pytestmark = pytest.mark.browser


def _first_shown(state: AppState, embed: Embed, response: str) -> tuple[float, float]:
    """(when the chain began, when the answered challenge was issued), from the token."""
    site = state.sites.get(embed.sitekey)
    assert site is not None
    verdict = state.captcha.verify(site, response)
    assert verdict.success and verdict.first_shown and verdict.challenge_ts, verdict
    return verdict.first_shown, verdict.challenge_ts


def _answer_right(page: Page) -> str:
    box = widget(page)
    answer = rendered(box)
    answer.fill(str(right_answer(box)))
    answer.press("Enter")
    expect(box.locator("[role=status]")).to_have_text(re.compile("Verified"))
    return page.locator("input[name=hedgerow-response]").input_value()


def test_mistype_then_answer_counts_from_the_first_render(
    page: Page, embed: Embed, state: AppState
) -> None:
    before_render = time.time()
    page.goto(embed.page())
    box = widget(page)
    answer = rendered(box)
    rendered_at = time.time()
    # A person reads the question first; the wait only has to be longer than a second,
    # the resolution of a token's own issue time.
    page.wait_for_timeout(1500)
    mistyped_at = time.time()
    answer.fill(str(wrong_answer(box)))
    answer.press("Enter")
    expect(box.locator("[role=status]")).to_have_text("Not quite. Here is a new one.")
    response = _answer_right(page)
    posted_at = time.time()

    first_shown, answered_challenge = _first_shown(state, embed, response)
    assert before_render - 1 <= first_shown <= rendered_at
    # The challenge answered came after the mistake; the clock did not restart with it.
    assert answered_challenge > mistyped_at - 1 > first_shown
    assert posted_at - first_shown >= posted_at - rendered_at


def test_a_reset_keeps_the_clock_of_the_first_render(
    page: Page, embed: Embed, state: AppState
) -> None:
    page.goto(embed.page())
    rendered(widget(page))
    rendered_at = time.time()
    page.wait_for_timeout(1500)
    reset_at = time.time()
    # The widget asks for its fresh challenge with the one it showed before.
    with page.expect_response(lambda r: "/v1/challenge" in r.url and "previous=" in r.url):
        page.evaluate("hedgerow.reset()")
    response = _answer_right(page)

    first_shown, answered_challenge = _first_shown(state, embed, response)
    assert first_shown <= rendered_at
    assert answered_challenge > reset_at - 1 > first_shown
