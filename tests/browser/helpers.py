"""Reading and answering the widget the way a person would, from the rendered page."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from tests.support.solvers import solve_prompt

READ_PROMPT = """root => Array.from(root.querySelector('.hr-q').children)
  .map(e => e.tagName === 'INPUT' ? '\u2610' : e.textContent).join(' ')"""


def widget(page: Page, selector: str = ".hedgerow-captcha") -> Locator:
    """The widget's box inside the container matched by ``selector``."""
    return page.locator(selector).locator(".hr-w")


def rendered(box: Locator) -> Locator:
    """The box once its challenge is shown; returns the answer input."""
    answer = box.locator("input.hr-i")
    expect(answer).to_be_visible()
    return answer


def prompt_of(box: Locator) -> str:
    """The question as drawn, with ☐ where the input sits."""
    rendered(box)
    return str(box.evaluate(READ_PROMPT))


def right_answer(box: Locator) -> int:
    """The answer to the challenge currently shown."""
    return solve_prompt(prompt_of(box))


def wrong_answer(box: Locator) -> int:
    """An answer that is surely wrong for the challenge shown."""
    return right_answer(box) + 1


def solve(box: Locator) -> None:
    """Type the right answer and press Verify; waits for the solved message."""
    rendered(box).fill(str(right_answer(box)))
    box.locator("button.hr-b", has_text="").first.click()
    expect(box.locator(".hr-s.hr-ok")).not_to_be_empty()
