"""The widget finds the service from the URL it was loaded from, whatever that URL is:
``/widget.js`` or ``/recaptcha/api.js``, at the service's root or under a proxy's prefix."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from service.web.state import AppState
from tests.browser.conftest import Embed, Watch
from tests.browser.helpers import rendered, solve, widget

pytestmark = pytest.mark.browser

RECAPTCHA = '<div class="g-recaptcha" data-sitekey="{key}"></div>'


def _honeypot_is_out_of_sight(page: Page, trap: Locator) -> None:
    expect(trap).to_have_count(1)
    box = trap.bounding_box()
    assert box is not None
    viewport = page.viewport_size
    assert viewport is not None
    # Off screen, and no bigger than a pixel: nobody sees it or types into it.
    assert box["x"] + box["width"] <= 0 or box["x"] >= viewport["width"], box
    assert box["width"] <= 1 and box["height"] <= 1, box


def test_recaptcha_api_js_works_end_to_end(page: Page, embed: Embed, watch: Watch) -> None:
    # django-recaptcha with RECAPTCHA_DOMAIN pointed at Hedgerow builds exactly these URLs.
    page.goto(embed.page(RECAPTCHA.format(key=embed.sitekey), script="/recaptcha/api.js"))
    box = widget(page, ".g-recaptcha")
    solve(box)
    _honeypot_is_out_of_sight(page, page.locator("form input[name=hedgerow-hp]"))
    token = page.locator("textarea[name=g-recaptcha-response]").input_value()
    assert embed.siteverify(token, "/recaptcha/api/siteverify")["success"] is True
    assert watch.errors == []


@pytest.mark.parametrize("script", ["/recaptcha/api.js", "/widget.js"])
def test_the_widget_works_under_a_proxy_prefix(
    page: Page, embed: Embed, state: AppState, watch: Watch, script: str
) -> None:
    # The site's own server passes /captcha/… on to Hedgerow, which knows nothing of it.
    service = embed.host.proxy("/captcha", embed.live.url)
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    page.goto(embed.page(RECAPTCHA.format(key=embed.sitekey), service=service, script=script))
    box = widget(page, ".g-recaptcha")
    solve(box)
    _honeypot_is_out_of_sight(page, page.locator("form input[name=hedgerow-hp]"))
    expect(box).to_have_css("border-top-style", "solid")
    token = page.locator("textarea[name=g-recaptcha-response]").input_value()
    assert embed.siteverify(token)["success"] is True
    asked = {url.split("?")[0] for url in seen}
    assert service + "/v1/challenge" in asked
    assert service + "/v1/solve" in asked
    assert service + "/widget.css" in asked
    assert all(url.startswith(service + "/") or url.startswith(embed.host.url + "/page")
               or url.startswith(embed.host.url + "/host.js") for url in asked), asked
    assert watch.errors == []


def test_no_honeypot_without_the_stylesheet_that_hides_it(page: Page, embed: Embed) -> None:
    page.route("**/widget.css", lambda route: route.abort())
    page.goto(embed.page())
    rendered(widget(page))
    expect(page.locator("input[name=hedgerow-hp]")).to_have_count(0)
