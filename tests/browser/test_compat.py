"""Pages written for reCAPTCHA or Turnstile work with only the script URL changed."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Embed, Watch
from tests.browser.helpers import rendered, solve, widget

pytestmark = pytest.mark.browser


def test_recaptcha_markup(page: Page, embed: Embed, watch: Watch) -> None:
    # The markup Flask-WTF's RecaptchaField and django-recaptcha render.
    page.goto(embed.page(
        f'<div class="g-recaptcha" data-sitekey="{embed.sitekey}" data-callback="onSolved"></div>'
    ))
    box = widget(page, ".g-recaptcha")
    assert page.evaluate("grecaptcha.getResponse()") == ""
    solve(box)
    field = page.locator("textarea#g-recaptcha-response[name=g-recaptcha-response]")
    expect(field).to_be_hidden()
    token = field.input_value()
    assert token
    assert page.evaluate("grecaptcha.getResponse()") == token
    assert page.evaluate("grecaptcha.getResponse(0)") == token
    assert page.evaluate("events") == [["callback", token]]
    expect(page.locator("[name=hedgerow-response]")).to_have_count(0)
    page.locator("#send").click()
    expect(page.locator("#posted")).to_be_visible()
    posted = embed.host.posts[-1]["g-recaptcha-response"]
    assert embed.siteverify(posted, "/siteverify")["success"] is True
    assert watch.errors == []


def test_recaptcha_explicit_render(page: Page, embed: Embed) -> None:
    page.goto(embed.page('<div id="slot"></div>', query="?onload=onLoaded&render=explicit"))
    page.wait_for_function("() => events.length === 1")
    widget_id = page.evaluate(
        """key => grecaptcha.render('slot', {sitekey: key,
            callback: t => events.push(['callback', t])})""",
        embed.sitekey,
    )
    box = widget(page, "#slot")
    rendered(box)
    # No invisible mode: execute() points the visitor at the challenge and resolves to ''.
    assert page.evaluate("grecaptcha.execute(0)") == ""
    expect(box.locator("input.hr-i")).to_be_focused()
    solve(box)
    token = page.evaluate(f"grecaptcha.getResponse({widget_id})")
    assert token
    assert page.evaluate("grecaptcha.execute(0)") == token
    assert page.locator("#slot textarea[name=g-recaptcha-response]").input_value() == token
    assert page.evaluate("new Promise(r => grecaptcha.ready(() => r('ready')))") == "ready"
    page.evaluate("grecaptcha.reset()")
    expect(box.locator("input.hr-i")).to_be_visible()
    assert page.evaluate("grecaptcha.getResponse()") == ""


def test_a_real_recaptcha_is_left_alone(page: Page, embed: Embed) -> None:
    page.goto(embed.page(
        f'<div class="g-recaptcha" data-sitekey="{embed.sitekey}"></div>'
        f'<div class="hedgerow-captcha" data-sitekey="{embed.sitekey}"></div>',
        head='<script src="/real-recaptcha.js"></script>',
    ))
    rendered(widget(page, ".hedgerow-captcha"))
    assert page.evaluate("grecaptcha.real") is True
    expect(page.locator(".g-recaptcha .hr-w")).to_have_count(0)


def test_turnstile_markup(page: Page, embed: Embed) -> None:
    page.goto(embed.page(
        f'<div class="cf-turnstile" data-sitekey="{embed.sitekey}" data-callback="onSolved"></div>'
    ))
    solve(widget(page, ".cf-turnstile"))
    token = page.locator("input[type=hidden][name=cf-turnstile-response]").input_value()
    assert token
    assert page.evaluate("turnstile.getResponse()") == token
    assert page.evaluate("events") == [["callback", token]]
    assert embed.siteverify(token, "/siteverify")["success"] is True
