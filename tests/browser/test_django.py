"""django-recaptcha with ``RECAPTCHA_DOMAIN`` pointed at Hedgerow, as docs/widget.md says:
it loads ``https://DOMAIN/recaptcha/api.js`` and verifies at
``https://DOMAIN/recaptcha/api/siteverify``, so Hedgerow is served over TLS here."""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import django
import pytest
from flask import Flask
from playwright.sync_api import Browser, expect

from service.web.state import AppState
from tests.browser.helpers import solve, widget
from tests.support.live_server import LiveServer, serving

pytestmark = pytest.mark.browser

FORM_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Comments</title></head><body><main><form method="post" action="/comment/">
{{ form.as_p }}<button type="submit" id="send">Post</button></form></main></body></html>"""


def self_signed(directory: Path) -> tuple[str, str]:
    """A certificate for localhost and 127.0.0.1, made with openssl; its and its key's paths."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return str(cert), str(key)


def django_site() -> Any:
    """A Django project of one view: a comment form with django-recaptcha's field."""
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DEBUG=False, SECRET_KEY=secrets.token_hex(16), ALLOWED_HOSTS=["*"],
            ROOT_URLCONF=__name__, MIDDLEWARE=[], INSTALLED_APPS=["django_recaptcha"],
            TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates",
                        "APP_DIRS": True}],
            SILENCED_SYSTEM_CHECKS=["django_recaptcha.recaptcha_test_key_error"],
        )
        django.setup()
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def comment(request: Any) -> Any:
    """The site's comment view: publish only what passes django-recaptcha's check."""
    from django import forms
    from django.http import HttpResponse
    from django.template import engines
    from django_recaptcha.fields import ReCaptchaField

    class CommentForm(forms.Form):
        comment = forms.CharField(widget=forms.Textarea)
        captcha = ReCaptchaField()

    form = CommentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return HttpResponse('<!doctype html><title>Thanks</title><h1 id="posted">Published</h1>')
    page = engines["django"].from_string(FORM_PAGE)
    return HttpResponse(page.render({"form": form}, request))


def favicon(request: Any) -> Any:
    """No icon."""
    from django.http import HttpResponse

    return HttpResponse(status=204)


def _urls() -> list[Any]:
    from django.urls import path

    return [path("comment/", comment), path("favicon.ico", favicon)]


def __getattr__(name: str) -> Any:
    # Django reads ``urlpatterns`` from ROOT_URLCONF, this module, on the first request.
    if name == "urlpatterns":
        return _urls()
    raise AttributeError(name)


@pytest.fixture
def hedgerow_tls(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                 ) -> Iterator[LiveServer]:
    """The service over HTTPS, with a certificate the site's backend is told to trust."""
    cert, key = self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", cert)
    server = LiveServer(app, tls=(cert, key)).start()
    yield server
    server.stop()


def test_django_recaptcha_with_recaptcha_domain(
    browser: Browser, hedgerow_tls: LiveServer, state: AppState
) -> None:
    from django.conf import settings

    with serving(django_site()) as port:
        site_origin = f"http://localhost:{port}"
        site, secret = state.sites.add("Django site", [site_origin])
        settings.RECAPTCHA_DOMAIN = f"localhost:{hedgerow_tls.server.server_port}"
        settings.RECAPTCHA_PUBLIC_KEY = site.sitekey
        settings.RECAPTCHA_PRIVATE_KEY = secret
        # The browser does not know the test certificate; the backend is told to trust it.
        context = browser.new_context(ignore_https_errors=True)
        try:
            page = context.new_page()
            page.goto(site_origin + "/comment/")
            page.locator("textarea[name=comment]").fill("Lovely post")
            solve(widget(page, ".g-recaptcha"))
            page.locator("#send").click()
            expect(page.locator("#posted")).to_have_text("Published")
            # Without an answer the same form is refused by django-recaptcha's own check.
            page.goto(site_origin + "/comment/")
            expect(widget(page, ".g-recaptcha").locator("input.hr-i")).to_be_visible()
            page.locator("textarea[name=comment]").fill("Lovely post")
            page.locator("#send").click()
            expect(page.locator("ul.errorlist")).to_be_visible()
            expect(page.locator("#posted")).to_have_count(0)
        finally:
            context.close()
