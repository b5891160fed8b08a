"""The Akismet API, byte for byte, and a real Akismet client pointed at Hedgerow."""

from __future__ import annotations

import uuid
from typing import Any

import akismet
import httpx
import pytest
import requests

from service.sites.registry import Site
from service.web.state import AppState
from tests.conftest import SITE_ORIGIN
from tests.support.live_server import LiveServer

BLOG = SITE_ORIGIN + "/"
THANKS = "Thanks for making the web a better place."
HAM: dict[str, Any] = {
    "comment_content": "Thanks for the clear explanation, the second example helped a lot.",
    "comment_author": "Grace",
    "user_ip": "198.51.100.4",
    "user_agent": "Mozilla/5.0",
    "comment_type": "comment",
}


def _post(http: requests.Session, path: str, **fields: str) -> requests.Response:
    return http.post(path, data=fields)


def _assert_text(reply: requests.Response, body: str) -> None:
    assert reply.status_code == 200
    assert reply.content == body.encode()
    assert reply.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_verify_key(http: requests.Session, site: tuple[Site, str]) -> None:
    _assert_text(_post(http, "/1.1/verify-key", key=site[1], blog=BLOG), "valid")
    _assert_text(_post(http, "/1.1/verify-key", api_key=site[1], blog=BLOG), "valid")
    bad = _post(http, "/1.1/verify-key", key="nope", blog=BLOG)
    _assert_text(bad, "invalid")
    assert bad.headers["X-akismet-debug-help"]
    other_blog = _post(http, "/1.1/verify-key", key=site[1], blog="https://elsewhere.example")
    _assert_text(other_blog, "invalid")
    assert "not registered" in other_blog.headers["X-akismet-debug-help"]


@pytest.mark.parametrize(("blog", "help_text"), [
    (BLOG + "2026/11/a-post?x=1", None),
    (SITE_ORIGIN.upper(), None),  # as stored or spelled another way, the same origin
    ("  " + SITE_ORIGIN + "  ", None),
    ("https://elsewhere.example/blog", "The blog https://elsewhere.example is not registered"),
    ("ftp:/" + SITE_ORIGIN, 'Invalid "blog" value'),
    ("https://" + "\ufdfa" * 300, 'Invalid "blog" value'),
])
def test_the_blog_names_one_of_the_sites_origins(http: requests.Session,
                                                 site: tuple[Site, str], blog: str,
                                                 help_text: str | None) -> None:
    reply = _post(http, "/1.1/verify-key", key=site[1], blog=blog)
    _assert_text(reply, "valid" if help_text is None else "invalid")
    if help_text is not None:
        assert reply.headers["X-akismet-debug-help"].startswith(help_text)


def test_comment_check_bodies_and_headers(http: requests.Session, site: tuple[Site, str]) -> None:
    ham = _post(http, "/1.1/comment-check", api_key=site[1], blog=BLOG, **HAM)
    _assert_text(ham, "false")
    uuid.UUID(ham.headers["X-akismet-guid"])
    assert "X-akismet-pro-tip" not in ham.headers
    spam = _post(http, "/1.1/comment-check", api_key=site[1], blog=BLOG,
                 **{**HAM, "comment_author": "akismet-guaranteed-spam"})
    _assert_text(spam, "true")
    assert spam.headers["X-akismet-pro-tip"] == "discard"
    admin = _post(http, "/1.1/comment-check", api_key=site[1], blog=BLOG,
                  **{**HAM, "comment_content": "BUY CHEAP PILLS http://x.biz", "user_role":
                     "administrator"})
    _assert_text(admin, "false")


def test_comment_check_scores_real_spam(http: requests.Session, site: tuple[Site, str]) -> None:
    reply = _post(http, "/1.1/comment-check", api_key=site[1], blog=BLOG, **{
        **HAM, "comment_content": "Check out my channel http://bit.ly/abc subscribe!!! "
                                  "free money at www.win-cash-now.com", "comment_author": "Win"})
    _assert_text(reply, "true")


@pytest.mark.parametrize(
    "fields,help_text",
    [
        ({"blog": BLOG, **HAM}, 'Empty "api_key" value'),
        ({"api_key": "KEY", **HAM}, 'Empty "blog" value'),
        ({"api_key": "KEY", "blog": BLOG, "comment_content": "hi"}, 'Empty "user_ip" value'),
    ],
)
def test_comment_check_errors_are_invalid_with_debug_help(
    http: requests.Session, site: tuple[Site, str], fields: dict[str, str], help_text: str
) -> None:
    fields = {k: (site[1] if v == "KEY" else v) for k, v in fields.items()}
    reply = _post(http, "/1.1/comment-check", **fields)
    _assert_text(reply, "invalid")
    assert reply.headers["X-akismet-debug-help"] == help_text


def test_submit_spam_and_ham(
    http: requests.Session, site: tuple[Site, str], state: AppState
) -> None:
    _assert_text(_post(http, "/1.1/submit-spam", api_key=site[1], blog=BLOG, **HAM), THANKS)
    _assert_text(_post(http, "/1.1/submit-ham", api_key=site[1], blog=BLOG, **HAM), THANKS)
    assert state.store.feedback_count() == 2
    _assert_text(_post(http, "/1.1/submit-spam", api_key=site[1], blog=BLOG, is_test="1", **HAM),
                 THANKS)
    assert state.store.feedback_count() == 2  # is_test stores nothing


def test_usage_limit(http: requests.Session, site: tuple[Site, str]) -> None:
    _post(http, "/1.1/comment-check", api_key=site[1], blog=BLOG, **HAM)
    bearer = {"Authorization": f"Bearer {site[1]}"}
    # A GET takes the key from the query string: Akismet documents the call that way and
    # its clients send it so (see the real client below).
    for reply in (http.get("/1.2/usage-limit", params={"api_key": site[1]}),
                  http.post("/1.2/usage-limit", data={"api_key": site[1]}),
                  http.post("/1.2/usage-limit", json={"key": site[1]}),
                  http.get("/1.2/usage-limit", headers=bearer),
                  http.post("/1.2/usage-limit", headers=bearer)):
        assert reply.status_code == 200, reply.headers.get("X-akismet-debug-help")
        assert reply.json() == {"limit": "none", "usage": 1, "percentage": "0.00",
                                "throttled": False}


@pytest.mark.parametrize("path", ["/1.2/usage-limit", "/1.1/verify-key", "/1.1/comment-check"])
def test_a_key_in_a_posts_url_is_refused(
    http: requests.Session, site: tuple[Site, str], path: str
) -> None:
    reply = http.post(path, params={"api_key": site[1]}, data={"blog": BLOG, **HAM})
    _assert_text(reply, "invalid")
    assert "POST body" in reply.headers["X-akismet-debug-help"]


@pytest.mark.parametrize(
    "blog",
    ["https://blog.example.com\r\nX-Injected: 1", "https://evil.example\r\n\r\n<h1>x",
     "https://名前.example/",
     "https://b\u00fccher.example/\u2028", "https://\x00.example/"],
)
@pytest.mark.parametrize("path", ["/1.1/verify-key", "/1.1/comment-check", "/1.1/submit-spam"])
def test_hostile_blog_values_are_invalid_with_a_one_line_help(
    http: requests.Session, site: tuple[Site, str], path: str, blog: str
) -> None:
    reply = _post(http, path, api_key=site[1], blog=blog, **HAM)
    _assert_text(reply, "invalid")
    help_text = reply.headers["X-akismet-debug-help"]
    assert help_text.isascii() and help_text.isprintable(), help_text
    assert "X-Injected" not in reply.headers


@pytest.mark.parametrize(
    "data,content_type",
    [
        (b'{"api_key": ' + b"[" * 5000 + b"]" * 5000 + b"}", "application/json"),
        (b'{"api_key": "\\ud800", "blog": "x"}', "application/json"),
        (b"api_key=%ED%A0%80&blog=x", "application/x-www-form-urlencoded"),
        (b"api_key=x&api_key=y", "application/x-www-form-urlencoded"),
        (b"<xml/>", "application/xml"),
    ],
)
def test_malformed_bodies_are_invalid_not_server_errors(
    http: requests.Session, data: bytes, content_type: str
) -> None:
    reply = http.post("/1.1/comment-check", data=data, headers={"Content-Type": content_type})
    assert 400 <= reply.status_code < 500
    assert reply.content == b"invalid" and reply.headers["X-akismet-debug-help"]


def test_unknown_extra_fields_are_ignored_as_akismet_does(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    reply = _post(http, "/1.1/comment-check", api_key=site[1], blog=BLOG, REQUEST_URI="/x",
                  HTTP_HOST="blog.example.com", **HAM)
    _assert_text(reply, "false")


class _ToLocal(httpx.BaseTransport):
    """Sends the client's requests for rest.akismet.com to the test server instead."""

    def __init__(self, base: str) -> None:
        self.base = httpx.URL(base)
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(
            scheme=self.base.scheme, host=self.base.host, port=self.base.port
        )
        request.headers["Host"] = f"{self.base.host}:{self.base.port}"
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def test_the_akismet_python_client_works_unchanged(
    live: LiveServer, site: tuple[Site, str], state: AppState
) -> None:
    http_client = httpx.Client(transport=_ToLocal(live.url))
    config = akismet.Config(key=site[1], url=BLOG)
    with akismet.SyncClient.validated_client(config=config, http_client=http_client) as client:
        assert client.verify_key(site[1], BLOG) is True
        assert client.comment_check(**HAM) == akismet.CheckResponse.HAM
        assert client.comment_check(
            **{**HAM, "comment_author": "akismet-guaranteed-spam"}
        ) == akismet.CheckResponse.DISCARD
        assert client.submit_spam(**HAM) is True
        assert client.submit_ham(**HAM) is True
        assert client.usage_limit()["usage"] == 2
    assert state.store.feedback_count() == 2
    with pytest.raises(akismet.APIKeyError):
        akismet.SyncClient.validated_client(
            config=akismet.Config(key="wrong", url=BLOG),
            http_client=httpx.Client(transport=_ToLocal(live.url)),
        )
