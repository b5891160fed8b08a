"""Libraries site owners already use, pointed at Hedgerow with the settings docs/widget.md
gives, driven end to end in a real browser: the library's own widget markup and its own
verification call."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from flask import Flask, render_template_string
from flask_wtf import FlaskForm, RecaptchaField
from playwright.sync_api import Page, expect
from wtforms import TextAreaField

from service.web.state import AppState
from tests.browser.conftest import Watch
from tests.browser.helpers import solve, widget
from tests.support.live_server import LiveServer, serving

pytestmark = pytest.mark.browser

FORM_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Comments</title></head><body><main>
<form method="post" action="/comment">{{ form.csrf_token }}
<label for="comment">Comment</label> {{ form.comment() }}
{{ form.recaptcha }}
{% for error in form.recaptcha.errors %}<p id="captcha-error">{{ error }}</p>{% endfor %}
<button type="submit" id="send">Post</button></form></main></body></html>"""


class CommentForm(FlaskForm):
    """A comment form as a Flask site writes it."""

    comment = TextAreaField("Comment")
    recaptcha = RecaptchaField()


def flask_wtf_site(hedgerow: str, sitekey: str, secret: str) -> Flask:
    """A Flask site whose form has Flask-WTF's RecaptchaField, configured as documented."""
    app = Flask("flask_wtf_site")
    app.config.update(
        SECRET_KEY=secrets.token_hex(16),
        RECAPTCHA_SCRIPT=f"{hedgerow}/widget.js",
        RECAPTCHA_VERIFY_SERVER=f"{hedgerow}/siteverify",
        RECAPTCHA_PUBLIC_KEY=sitekey,
        RECAPTCHA_PRIVATE_KEY=secret,
    )

    @app.get("/favicon.ico")
    def favicon() -> tuple[str, int]:
        return "", 204

    @app.route("/comment", methods=["GET", "POST"])
    def comment() -> str:
        form = CommentForm()
        if form.validate_on_submit():
            return '<!doctype html><title>Thanks</title><h1 id="posted">Published</h1>'
        return render_template_string(FORM_PAGE, form=form)

    return app


@pytest.fixture
def flask_site(live: LiveServer, state: AppState) -> Iterator[str]:
    """The Flask-WTF site, running and registered with Hedgerow; yields its origin."""
    # The origin is known only once the port is, so the keys go in afterwards.
    app = flask_wtf_site(live.url, "", "")
    with serving(app) as port:
        origin = f"http://localhost:{port}"
        site, secret = state.sites.add("Flask site", [origin])
        app.config.update(RECAPTCHA_PUBLIC_KEY=site.sitekey, RECAPTCHA_PRIVATE_KEY=secret)
        yield origin


def test_flask_wtf_recaptcha_field_passes_with_a_solved_widget(
    page: Page, flask_site: str, watch: Watch
) -> None:
    page.goto(flask_site + "/comment")
    solve(widget(page, ".g-recaptcha"))
    page.locator("#send").click()
    expect(page.locator("#posted")).to_have_text("Published")
    assert watch.errors == []


def test_flask_wtf_recaptcha_field_refuses_an_unsolved_form(
    page: Page, flask_site: str
) -> None:
    page.goto(flask_site + "/comment")
    expect(widget(page, ".g-recaptcha").locator("input.hr-i")).to_be_visible()
    page.locator("#send").click()
    expect(page.locator("#captcha-error")).to_have_text("The response parameter is missing.")
    expect(page.locator("#posted")).to_have_count(0)


def test_flask_wtf_recaptcha_field_refuses_a_replayed_response(
    page: Page, flask_site: str
) -> None:
    page.goto(flask_site + "/comment")
    solve(widget(page, ".g-recaptcha"))
    token = page.locator("textarea[name=g-recaptcha-response]").input_value()
    page.locator("#send").click()
    expect(page.locator("#posted")).to_be_visible()
    # The same form sent again, with the same response: siteverify passes a response once.
    page.goto(flask_site + "/comment")
    expect(widget(page, ".g-recaptcha").locator("input.hr-i")).to_be_visible()
    page.evaluate("t => { document.querySelector('textarea[name=g-recaptcha-response]')"
                  ".value = t; }", token)
    page.locator("#send").click()
    expect(page.locator("#captcha-error")).to_be_visible()
