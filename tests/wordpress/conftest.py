"""Fixtures: Debian's WordPress on MariaDB and PHP's built-in server, the plugin
activated and configured through its settings page in Chromium, and the real Hedgerow
service on real HTTP with a real Redis."""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect
from werkzeug.serving import BaseWSGIServer, make_server

from service import create_app
from service.web.state import AppState
from tests.support.chromium import VISITOR_USER_AGENT
from tests.support.redis_server import RedisServer, free_port
from tests.support.unavailable import unavailable
from tests.wordpress.site import ADMIN, PACKAGES, MariaDB, WordPress, missing_tools

# Set to a directory (docs/img) to save the documentation's screenshots while testing.
SCREENSHOTS = os.environ.get("HEDGEROW_WORDPRESS_SCREENSHOTS", "")


def screenshot(target: Page | Locator, name: str, **options: Any) -> None:
    """Save ``docs/img/wordpress-NAME.png`` when screenshots were asked for."""
    if SCREENSHOTS:
        target.screenshot(path=str(Path(SCREENSHOTS) / f"wordpress-{name}.png"), **options)


@pytest.fixture(scope="module")
def wordpress_tools() -> None:
    """PHP, MariaDB and WordPress: missing fails under CI and skips (saying why) elsewhere."""
    missing = missing_tools()
    if missing:
        reason = (f"not installed: {', '.join(missing)} (Debian: apt-get install {PACKAGES}, "
                  "which `scripts/bootstrap --test` does)")
        unavailable(reason)


@dataclass
class Hedgerow:
    """The real app on a fixed loopback port, which can be stopped and started again."""

    config: dict[str, Any]
    port: int
    app: Flask | None = None
    server: BaseWSGIServer | None = None
    thread: threading.Thread | None = None
    sitekey: str = ""
    secret: str = ""

    @property
    def url(self) -> str:
        """Base URL of the service."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def state(self) -> AppState:
        """The running app's resources."""
        assert self.app is not None, "Hedgerow is stopped"
        return self.app.extensions["hedgerow"]

    def start(self) -> Hedgerow:
        """Serve a fresh app (same Redis, same keys) on the same port."""
        self.app = create_app(self.config)
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()
        # Ready means a model is loaded: the first check would otherwise pay for loading it.
        reply = requests.get(self.url + "/readyz", timeout=60)
        assert reply.status_code == 200, reply.text
        return self

    def stop(self) -> None:
        """Stop serving: the port refuses connections until :meth:`start`."""
        if self.server is None or self.thread is None or self.app is None:
            return
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
        self.app.extensions["hedgerow"].close()
        self.app = self.server = self.thread = None


@dataclass
class Site:
    """Everything one test module drives."""

    wordpress: WordPress
    hedgerow: Hedgerow
    admin: BrowserContext
    saved_settings_html: str = ""
    connection_notice: str = ""


@pytest.fixture(scope="module")
def hedgerow(
    wordpress_tools: None, redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Hedgerow, int]]:
    """Hedgerow with the WordPress site (on a port chosen now) registered."""
    wordpress_port = free_port()
    config = {
        "SECRET_KEY": [secrets.token_urlsafe(48)],
        "REDIS_URL": redis_server.url,
        "KEY_PREFIX": "wordpress-" + secrets.token_hex(4),
        "DATA_DIR": str(tmp_path_factory.mktemp("hedgerow-data")),
        "RATELIMIT_ENABLED": False,
    }
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("HEDGEROW_"):
                patch.delenv(name)
        service = Hedgerow(config, free_port()).start()
        site, secret = service.state.sites.add(
            "WordPress", [f"http://127.0.0.1:{wordpress_port}"]
        )
        service.sitekey, service.secret = site.sitekey, secret
        try:
            yield service, wordpress_port
        finally:
            service.stop()


def login_form_settled(page: Page) -> None:
    """Wait out wp-login.php's autofocus: 200 ms after the page loads it focuses and
    selects the name field (or the password field, emptying it, when the name is known),
    so what is typed before then can end up replacing the name or be wiped."""
    page.wait_for_function(
        "document.activeElement && ['user_login', 'user_pass'].includes(document.activeElement.id)")


def log_in(context: BrowserContext, url: str) -> None:
    """Log the context in as the site's administrator through wp-login.php."""
    page = context.new_page()
    page.goto(url + "/wp-login.php")
    login_form_settled(page)
    page.fill("#user_login", ADMIN[0])
    page.fill("#user_pass", ADMIN[1])
    page.click("#wp-submit")
    expect(page.locator("#wpadminbar")).to_be_attached()
    page.close()


@pytest.fixture(scope="module")
def site(
    hedgerow: tuple[Hedgerow, int], browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """WordPress running with the plugin configured through its settings page."""
    service, port = hedgerow
    directory = tmp_path_factory.mktemp("wordpress")
    (directory / "db").mkdir()
    database = MariaDB(directory / "db")
    wordpress: WordPress | None = None
    admin: BrowserContext | None = None
    try:
        database.wait_ready()
        wordpress = WordPress(directory, port, database).wait_ready()
        admin = browser.new_context(viewport={"width": 1280, "height": 900})
        admin.set_default_timeout(15_000)
        log_in(admin, wordpress.url)
        result = Site(wordpress, service, admin)
        configure(result)
        yield result
    finally:
        if admin is not None:
            admin.close()
        if wordpress is not None:
            wordpress.stop()
        database.stop()


def configure(site: Site) -> None:
    """Fill in the settings page as a site owner would, then test the connection."""
    page = site.admin.new_page()
    page.goto(site.wordpress.url + "/wp-admin/options-general.php?page=hedgerow")
    page.fill("#hedgerow-url", site.hedgerow.url)
    page.fill("#hedgerow-sitekey", site.hedgerow.sitekey)
    page.fill("#hedgerow-secret", site.hedgerow.secret)
    page.click("#submit")
    expect(page.locator("#setting-error-settings_updated")).to_be_visible()
    site.saved_settings_html = page.content()
    page.click("#hedgerow-test")
    notice = page.locator(".hedgerow-test-result")
    expect(notice).to_be_visible()
    site.connection_notice = notice.inner_text()
    screenshot(page, "settings", full_page=True)
    page.close()


@pytest.fixture
def visitor(browser: Browser) -> Iterator[Page]:
    """A fresh anonymous visitor's page."""
    context = browser.new_context(viewport={"width": 1100, "height": 1400},
                                  user_agent=VISITOR_USER_AGENT)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()
