"""Browser fixtures: a fresh context per test of the one headless Chromium per run
(``browser``, in tests/conftest.py), and a second HTTP server on another origin that
plays the site embedding the widget."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from service.sites.registry import Site
from service.web.state import AppState
from tests.support.live_server import LiveServer

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

# Callbacks the host pages name in data-*-callback; they record what the widget did.
HOST_JS = """
window.events = [];
function onSolved(token) { events.push(['callback', token]); }
function onExpired() { events.push(['expired']); }
function onError() { events.push(['error']); }
function onLoaded() { events.push(['loaded', typeof hedgerow.render]); }
"""

# Stands in for Google's api.js having loaded first.
REAL_RECAPTCHA_JS = "window.grecaptcha = {real: true};"

# Records securitypolicyviolation events; init scripts run outside the page's CSP.
WATCH_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


@dataclass
class HostSite:
    """A site on its own origin that serves pages embedding the widget."""

    server: BaseWSGIServer
    pages: dict[str, tuple[str, str]] = field(default_factory=dict)
    posts: list[dict[str, str]] = field(default_factory=list)
    proxied: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """Origin of the site (``localhost``, so host and port differ from the service)."""
        return f"http://localhost:{self.server.server_port}"

    def proxy(self, prefix: str, upstream: str) -> str:
        """Pass ``prefix``/… on to ``upstream``/… as a reverse proxy would; returns its URL."""
        self.proxied[prefix.rstrip("/") + "/"] = upstream
        return self.url + prefix.rstrip("/")

    def add(self, path: str, html: str, csp: str) -> str:
        """Serve ``html`` at ``path`` under the given CSP; returns its full URL."""
        self.pages[path] = (html, csp)
        return self.url + path


# Headers a proxy does not pass on: they describe one connection, not the message.
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "host",
               "content-length", "proxy-connection"}


def _forward(request: Request, upstream: str, path: str) -> Response:
    """``request`` sent on to ``upstream`` + ``path``, its answer passed back unchanged."""
    headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
    reply = requests.request(
        request.method, upstream + path, params=list(request.args.items(multi=True)),
        data=request.get_data(),
        headers=headers, stream=True, allow_redirects=False, timeout=10,
    )
    body = reply.raw.read(decode_content=False)
    response = Response(body, status=reply.status_code)
    for name, value in reply.raw.headers.items():
        if name.lower() not in _HOP_BY_HOP:
            response.headers.add(name, value)
    return response


def _host_app(
    pages: dict[str, tuple[str, str]], posts: list[dict[str, str]], proxied: dict[str, str]
) -> Callable[..., Any]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        prefix = next((p for p in proxied if request.path.startswith(p)), None)
        if prefix is not None:
            response = _forward(request, proxied[prefix], request.path[len(prefix) - 1:])
        elif request.path == "/favicon.ico":
            response = Response(status=204)
        elif request.path == "/host.js":
            response = Response(HOST_JS, content_type="text/javascript")
        elif request.path == "/real-recaptcha.js":
            response = Response(REAL_RECAPTCHA_JS, content_type="text/javascript")
        elif request.method == "POST":
            posts.append(dict(request.form))
            response = Response(
                "<!doctype html><title>Posted</title><h1 id=posted>Posted</h1>",
                content_type="text/html",
            )
        elif request.path in pages:
            html, csp = pages[request.path]
            response = Response(html, content_type="text/html; charset=utf-8")
            if csp:
                response.headers["Content-Security-Policy"] = csp
        else:
            response = Response("not found", status=404)
        return response(environ, start_response)

    return app


@pytest.fixture
def host() -> Iterator[HostSite]:
    """The embedding site, served on another origin than the service."""
    pages: dict[str, tuple[str, str]] = {}
    posts: list[dict[str, str]] = []
    proxied: dict[str, str] = {}
    server = make_server("127.0.0.1", 0, _host_app(pages, posts, proxied), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    yield HostSite(server, pages, posts, proxied)
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def host_site(state: AppState, host: HostSite) -> tuple[Site, str]:
    """The embedding site registered with the service: its Site and secret."""
    return state.sites.add("Host", [host.url])


def strict_csp(service: str) -> str:
    """The strictest CSP a page can have and still use the widget."""
    return (
        f"default-src 'none'; script-src {service}; style-src {service}; "
        f"connect-src {service}; form-action 'self'"
    )


def host_csp(service: str) -> str:
    """Strict CSP that also lets the page run its own script (the test callbacks)."""
    return (
        f"default-src 'none'; script-src 'self' {service}; style-src {service}; "
        f"connect-src {service}; form-action 'self'"
    )


def page_html(
    widget: str, *, script: str, lang: str = "en", head: str = "", own_js: bool = True
) -> str:
    """A well-formed host page: a comment form around ``widget``."""
    own = '<script src="/host.js"></script>' if own_js else ""
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>Host page</title>{head}{own}
<script src="{script}" async defer></script></head>
<body><main><h1>Comments</h1>
<form method="post" action="/submit" id="form">
<label for="comment">Comment</label> <input id="comment" name="comment" value="Hello">
{widget}
<button type="submit" id="send">Send</button>
</form></main></body></html>"""


@dataclass
class Embed:
    """Helpers for one test: the service, the host site and its registered key."""

    live: LiveServer
    host: HostSite
    sitekey: str
    secret: str

    def siteverify(self, response: str, path: str = "/v1/siteverify") -> dict[str, Any]:
        """What the site's backend gets from siteverify for a widget ``response``."""
        reply = requests.post(
            self.live.url + path, data={"secret": self.secret, "response": response}, timeout=10
        )
        return dict(reply.json())

    def page(
        self,
        widget: str | None = None,
        *,
        query: str = "",
        lang: str = "en",
        csp: str | None = None,
        path: str = "/page",
        own_js: bool = True,
        head: str = "",
        service: str | None = None,
        script: str = "/widget.js",
    ) -> str:
        """Serve a host page with the widget; returns its URL.

        ``service`` is where the page finds Hedgerow (the live server unless given) and
        ``script`` the path of the widget there.
        """
        if widget is None:
            widget = f'<div class="hedgerow-captcha" data-sitekey="{self.sitekey}"></div>'
        service = service or self.live.url
        source = urlsplit(service)
        allowed = f"{source.scheme}://{source.netloc}"
        policy = csp if csp is not None else (host_csp(allowed) if own_js else strict_csp(allowed))
        html = page_html(
            widget, script=f"{service}{script}{query}", lang=lang, own_js=own_js, head=head
        )
        return self.host.add(path, html, policy)


@pytest.fixture
def embed(live: LiveServer, host: HostSite, host_site: tuple[Site, str]) -> Embed:
    """The service and a registered host site, ready to serve pages."""
    site, secret = host_site
    return Embed(live, host, site.sitekey, secret)


@dataclass
class Watch:
    """Console errors, page errors and CSP violations seen by one page."""

    errors: list[str] = field(default_factory=list)

    def csp(self, page: Page) -> list[str]:
        """CSP violations reported inside the page so far."""
        return list(page.evaluate("window.__csp || []"))


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser context (no shared cookies, cache or storage) per test."""
    ctx = browser.new_context()
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def watch() -> Watch:
    """Where the ``page`` fixture records errors."""
    return Watch()


@pytest.fixture
def page(context: BrowserContext, watch: Watch) -> Page:
    """A page that records console errors, page errors and CSP violations."""
    new = context.new_page()
    new.add_init_script(WATCH_CSP)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            watch.errors.append(message.text)

    new.on("console", on_console)
    new.on("pageerror", lambda error: watch.errors.append(str(error)))
    return new


@pytest.fixture
def axe_path() -> Path:
    """axe-core from node_modules (``npm install``; scripts/bootstrap --test runs it)."""
    assert AXE.is_file(), f"{AXE} is missing: run `npm install` at the repository root"
    return AXE
