"""The widget on a page of another origin: render, solve, mistakes, expiry, errors."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Embed, Watch
from tests.browser.helpers import prompt_of, rendered, right_answer, solve, widget, wrong_answer

pytestmark = pytest.mark.browser

SPOKEN = re.compile(r"^(\d+|what) (plus|minus|times) (\d+|what) equals (\d+|what)\?$")


def test_renders_the_blank_as_the_input(page: Page, embed: Embed, watch: Watch) -> None:
    page.goto(embed.page())
    box = widget(page)
    answer = rendered(box)
    prompt = prompt_of(box)
    assert re.fullmatch(r"(\d+|☐) [+−×] (\d+|☐) = (\d+|☐)", prompt), prompt
    assert prompt.count("☐") == 1
    label = answer.get_attribute("aria-label") or ""
    assert SPOKEN.match(label), label
    assert label.count("what") == 1
    assert answer.get_attribute("inputmode") == "numeric"
    assert answer.get_attribute("autocomplete") == "off"
    expect(box).to_have_attribute("role", "group")
    expect(box.get_by_role("button", name="Verify", exact=True)).to_be_visible()
    expect(box.locator("[role=status]")).to_have_attribute("aria-live", "polite")
    hidden = page.locator("form input[type=hidden][name=hedgerow-response]")
    expect(hidden).to_have_count(1)
    expect(hidden).to_have_value("")
    assert page.context.cookies() == []
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    assert watch.errors == []


def test_solving_fills_the_field_and_passes_siteverify(
    page: Page, embed: Embed, watch: Watch
) -> None:
    page.goto(embed.page(
        f'<div class="hedgerow-captcha" data-sitekey="{embed.sitekey}" '
        'data-callback="onSolved"></div>'
    ))
    box = widget(page)
    solve(box)
    expect(box.locator(".hr-s")).to_have_text(re.compile("Verified"))
    expect(box.locator("input.hr-i")).to_be_hidden()
    token = page.locator("input[name=hedgerow-response]").input_value()
    assert token
    assert page.evaluate("events") == [["callback", token]]
    assert page.evaluate("hedgerow.getResponse()") == token

    page.locator("#send").click()
    expect(page.locator("#posted")).to_be_visible()
    posted = embed.host.posts[-1]
    assert posted["hedgerow-response"] == token
    verdict = embed.siteverify(posted["hedgerow-response"])
    assert verdict["success"] is True, verdict
    assert verdict["hostname"] == "localhost"
    assert watch.errors == []


def test_wrong_answer_shows_a_fresh_challenge_and_keeps_focus(page: Page, embed: Embed) -> None:
    page.goto(embed.page())
    box = widget(page)
    answer = rendered(box)
    answer.fill(str(wrong_answer(box)))
    answer.press("Enter")
    status = box.locator("[role=status]")
    expect(status).to_have_text("Not quite. Here is a new one.")
    expect(answer).to_be_focused()
    expect(answer).to_have_value("")
    expect(page.locator("input[name=hedgerow-response]")).to_have_value("")
    # The old challenge was burnt; the fresh one must be solvable.
    answer.fill(str(right_answer(box)))
    answer.press("Enter")
    expect(status).to_have_text(re.compile("Verified"))
    assert page.locator("input[name=hedgerow-response]").input_value()


def test_empty_or_non_numeric_answer_is_not_sent(page: Page, embed: Embed) -> None:
    page.goto(embed.page())
    box = widget(page)
    answer = rendered(box)
    solves: list[str] = []
    page.on("request", lambda r: solves.append(r.url) if "/v1/solve" in r.url else None)
    answer.fill("twelve")
    box.get_by_role("button", name="Verify", exact=True).click()
    expect(box.locator("[role=status]")).to_have_text("Type the missing number.")
    expect(answer).to_have_attribute("aria-invalid", "true")
    assert solves == []


def test_keyboard_only(page: Page, embed: Embed) -> None:
    page.goto(embed.page())
    box = widget(page)
    answer = rendered(box)
    prompt = prompt_of(box)
    page.locator("#comment").focus()
    page.keyboard.press("Tab")
    expect(answer).to_be_focused()
    focus_ring = answer.evaluate("e => getComputedStyle(e).outlineStyle")
    assert focus_ring != "none"
    page.keyboard.type(str(right_answer(box)))
    page.keyboard.press("Enter")
    expect(box.locator("[role=status]")).to_have_text(re.compile("Verified"))
    assert embed.host.posts == [], "Enter in the widget must not submit the form"
    assert prompt
    # Focus stays in the widget, so the next Tab reaches the form's submit button.
    page.keyboard.press("Tab")
    expect(page.locator("#send")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#posted")).to_be_visible()
    assert embed.host.posts[-1]["hedgerow-response"]


def test_verify_button_does_not_submit_the_form(page: Page, embed: Embed) -> None:
    page.goto(embed.page())
    box = widget(page)
    rendered(box).fill(str(wrong_answer(box)))
    box.get_by_role("button", name="Verify", exact=True).click()
    expect(box.locator("[role=status]")).to_have_text(re.compile("Not quite"))
    assert embed.host.posts == []
    assert page.url.endswith("/page")


def test_unsolved_challenge_refreshes_itself_when_it_expires(page: Page, embed: Embed) -> None:
    page.clock.install()
    page.goto(embed.page())
    box = widget(page)
    rendered(box)
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if "/v1/challenge" in r.url else None)
    page.clock.fast_forward("02:00")
    expect(box.locator("[role=status]")).to_have_text("Time ran out. Here is a new one.")
    assert len(fetched) == 1
    solve(box)


@pytest.fixture
def short_response_ttl(app_config: dict[str, object]) -> None:
    """Responses valid for two seconds only."""
    app_config["RESPONSE_TTL"] = 2


@pytest.mark.usefixtures("short_response_ttl")
def test_solved_response_expires(page: Page, embed: Embed) -> None:
    page.goto(embed.page(
        f'<div class="hedgerow-captcha" data-sitekey="{embed.sitekey}" '
        'data-callback="onSolved" data-expired-callback="onExpired"></div>'
    ))
    box = widget(page)
    solve(box)
    field = page.locator("input[name=hedgerow-response]")
    assert field.input_value()
    page.wait_for_function("() => events.length === 2", timeout=6000)
    assert page.evaluate("events.map(e => e[0])") == ["callback", "expired"]
    expect(field).to_have_value("")
    assert page.evaluate("hedgerow.getResponse()") == ""
    expect(box.locator("[role=status]")).to_have_text("Time ran out. Here is a new one.")
    solve(box)
    assert field.input_value()


def test_service_unreachable_shows_retry_and_fires_error_callback(
    page: Page, embed: Embed
) -> None:
    page.route("**/v1/challenge*", lambda route: route.abort())
    page.goto(embed.page(
        f'<div class="hedgerow-captcha" data-sitekey="{embed.sitekey}" '
        'data-error-callback="onError"></div>'
    ))
    box = widget(page)
    status = box.locator("[role=status]")
    expect(status).to_have_text("The check could not load.")
    assert page.evaluate("events") == [["error"]]
    retry = box.get_by_role("button", name="Try again")
    expect(retry).to_be_visible()
    page.unroute("**/v1/challenge*")
    retry.click()
    answer = rendered(box)
    expect(answer).to_be_focused()
    expect(status).to_have_text("")
    solve(box)


def test_explicit_render_api(page: Page, embed: Embed, watch: Watch) -> None:
    page.goto(embed.page('<div id="slot"></div>', query="?render=explicit&onload=onLoaded"))
    # The onload function named in the script URL runs once the API is ready.
    page.wait_for_function("() => events.length === 1")
    assert page.evaluate("events") == [["loaded", "function"]]
    expect(page.locator(".hr-w")).to_have_count(0)
    widget_id = page.evaluate(
        """key => hedgerow.render(document.getElementById('slot'), {
            sitekey: key, theme: 'dark', language: 'de',
            callback: t => events.push(['callback', t]),
            'expired-callback': () => events.push(['expired'])})""",
        embed.sitekey,
    )
    assert widget_id == 0
    box = widget(page, "#slot")
    expect(box).to_have_class(re.compile(r"\bhr-dark\b"))
    assert "ergibt" in (rendered(box).get_attribute("aria-label") or "")
    solve(box)
    token = page.evaluate("hedgerow.getResponse(0)")
    assert token
    assert page.evaluate("events.slice(1)") == [["callback", token]]
    page.evaluate("hedgerow.reset(0)")
    answer = rendered(box)
    expect(answer).to_have_value("")
    assert page.evaluate("hedgerow.getResponse(0)") == ""
    expect(page.locator("#slot input[name=hedgerow-response]")).to_have_value("")
    assert watch.errors == []


# How each language speaks the blank.
LANGUAGES = {
    "en": "what",
    "de": "wie viel",
    "fr": "combien",
    "es": "cuánto",
    "pt": "quanto",
    "it": "quanto",
    "nl": "hoeveel",
    "pl": "ile",
}


def test_languages(page: Page, embed: Embed) -> None:
    widgets = "".join(
        f'<div class="hedgerow-captcha" id="w-{code}" data-sitekey="{embed.sitekey}" '
        f'data-language="{code}"></div>'
        for code in LANGUAGES
    )
    # Without data-language the page's own language counts; an unknown one falls back to en.
    widgets += f'<div class="hedgerow-captcha" id="w-page" data-sitekey="{embed.sitekey}"></div>'
    widgets += (
        f'<div class="hedgerow-captcha" id="w-xx" data-sitekey="{embed.sitekey}" '
        'data-language="xx"></div>'
    )
    page.goto(embed.page(widgets, lang="de-AT"))
    for code, blank in LANGUAGES.items():
        label = rendered(widget(page, f"#w-{code}")).get_attribute("aria-label") or ""
        assert f" {blank} " in f" {label.strip('¿?').strip()} ", (code, label)
    german = widget(page, "#w-page")
    label = rendered(german).get_attribute("aria-label") or ""
    assert re.fullmatch(
        r"(\d+|wie viel) (plus|minus|mal) (\d+|wie viel) ergibt (\d+|wie viel)\?", label
    ), label
    expect(german.locator(".hr-t")).to_have_text("Ergänzen Sie die fehlende Zahl")
    expect(german.get_by_role("button")).to_have_text(["Prüfen", "Auf andere Weise prüfen"])
    assert SPOKEN.match(rendered(widget(page, "#w-xx")).get_attribute("aria-label") or "")
    spanish = rendered(widget(page, "#w-es")).get_attribute("aria-label") or ""
    assert spanish.startswith("¿") and spanish.endswith("?"), spanish


def test_german_wrong_answer_message(page: Page, embed: Embed) -> None:
    page.goto(embed.page(lang="de"))
    box = widget(page)
    rendered(box).fill(str(wrong_answer(box)))
    rendered(box).press("Enter")
    expect(box.locator("[role=status]")).to_have_text("Leider falsch. Hier ist eine neue Aufgabe.")


def _background(page: Page, selector: str) -> str:
    return str(widget(page, selector).evaluate("e => getComputedStyle(e).backgroundColor"))


def test_themes(page: Page, embed: Embed) -> None:
    widgets = "".join(
        f'<div class="hedgerow-captcha" id="t-{theme}" data-sitekey="{embed.sitekey}" '
        f'data-theme="{theme}"></div>'
        for theme in ("light", "dark", "auto")
    )
    page.emulate_media(color_scheme="light")
    page.goto(embed.page(widgets))
    for theme in ("light", "dark", "auto"):
        rendered(widget(page, f"#t-{theme}"))
    light, dark = _background(page, "#t-light"), _background(page, "#t-dark")
    assert light == "rgb(255, 255, 255)"
    assert dark != light
    assert _background(page, "#t-auto") == light
    page.emulate_media(color_scheme="dark")
    assert _background(page, "#t-auto") == dark
    assert _background(page, "#t-light") == light
