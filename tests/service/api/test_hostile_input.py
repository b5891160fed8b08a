"""Every route, sent hostile requests over real HTTP: never a 500, never a traceback.

The routes come from the app's URL map, so a new route is attacked without anyone
listing it; a route the suite cannot build a request for (a path argument without a
sample value, a POST endpoint without a base body) fails ``test_every_route_is_covered``.

Each answer must be below 500; an error must be the standard JSON error (``error-codes``
and ``message``), or Akismet's ``invalid`` with ``X-akismet-debug-help`` on ``/1.x``
routes; and the log must hold no traceback, and at most one short line of the service's
own for a refused request.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import secrets
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_from_bytes

import pytest
import redis
import requests
from flask import Flask

from service import create_app
from service.config import DEMO_SITE_FILE
from service.sites.registry import Site
from service.web.request_data import MAX_FIELDS
from service.web.state import AppState
from tests.conftest import SITE_ORIGIN
from tests.support.live_server import LiveServer, based_session
from tests.support.processes import ServeProcess, clean_env, run_cli
from tests.support.redis_server import RedisServer, free_port

# An exhaustive sweep of every route (hundreds of requests, one server a test): the full
# suite and CI run it; the quick lane keeps the targeted cases in test_bad_input.py.
pytestmark = pytest.mark.slow

MAX_BODY_BYTES = 64 * 1024
BLOG = SITE_ORIGIN + "/"
WORD_32K = "spam" * (32 * 1024 // 4)
# Values for the path arguments of rules like /static/<path:filename>.
SAMPLE_ARGUMENTS = {"filename": "widget.js"}
HAM = {
    "comment_content": "Thanks for the clear explanation, the second example helped.",
    "comment_author": "Grace",
    "comment_author_email": "grace@example.org",
    "comment_author_url": "https://grace.example.org",
    "user_ip": "198.51.100.4",
    "user_agent": "Mozilla/5.0",
    "referrer": "https://blog.example.com/",
    "permalink": "https://blog.example.com/post",
    "comment_type": "comment",
}
AKISMET_COMMENT = {
    "blog": BLOG, "user_ip": "198.51.100.4", "user_agent": "Mozilla/5.0",
    "comment_type": "comment", "comment_author": "Grace",
    "comment_content": "Thanks for the clear explanation.",
}


@dataclass
class Target:
    """The live app under attack and what a well-formed request to it needs."""

    app: Flask
    state: AppState
    http: requests.Session
    live: LiveServer
    site: Site
    secret: str


@dataclass(frozen=True)
class Route:
    """One URL and method the app answers."""

    url: str
    method: str
    endpoint: str

    @property
    def akismet(self) -> bool:
        """Whether the route answers in Akismet's text style rather than JSON."""
        return self.url.startswith(("/1.1/", "/1.2/"))

    def __str__(self) -> str:
        return f"{self.method} {self.url}"


def base_fields(target: Target, endpoint: str) -> dict[str, str] | None:
    """A well-formed body for ``endpoint``'s POST, or None for an unknown endpoint."""
    secret = target.secret
    bodies: dict[str, Callable[[], dict[str, str]]] = {
        "captcha.solve": lambda: {
            "token": target.state.captcha.issue(target.site, "127.0.0.1").to_json()["token"],
            "answer": "7", "pow": "0",
        },
        "siteverify.siteverify": lambda: {
            "secret": secret, "response": "r" * 40, "remoteip": "198.51.100.4",
            "idempotency_key": "k-1",
        },
        "comment_check.comment_check": lambda: dict(HAM),
        "comment_check.submit_feedback": lambda: {
            "comment_content": "Buy cheap pills", "label": "spam", "user_ip": "198.51.100.4",
        },
        "akismet.verify_key": lambda: {"key": secret, "blog": BLOG},
        "akismet.comment_check": lambda: {"api_key": secret, **AKISMET_COMMENT},
        "akismet.submit_spam": lambda: {"api_key": secret, **AKISMET_COMMENT},
        "akismet.submit_ham": lambda: {"api_key": secret, **AKISMET_COMMENT},
        "akismet.usage_limit": lambda: {"api_key": secret},
        "demo.demo_submit": lambda: {
            "author": "Grace", "comment": "Nice post", "hedgerow-response": "r" * 40,
        },
    }
    make = bodies.get(endpoint)
    return make() if make else None


def all_routes(app: Flask) -> list[Route]:
    """Every URL and method in the app's URL map (HEAD aside: it is GET without a body)."""
    routes: dict[tuple[str, str], Route] = {}
    for rule in app.url_map.iter_rules():
        missing = rule.arguments - SAMPLE_ARGUMENTS.keys()
        assert not missing, f"{rule.rule}: add a value for {missing} to SAMPLE_ARGUMENTS"
        built = rule.build({name: SAMPLE_ARGUMENTS[name] for name in rule.arguments})
        assert built is not None, rule.rule
        for method in sorted((rule.methods or set()) - {"HEAD"}):
            routes.setdefault((built[1], method), Route(built[1], method, rule.endpoint))
    return list(routes.values())


@pytest.fixture(scope="module")
def target(
    redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Target]:
    """One live app for the whole module: demo mode on, one trusted proxy hop, one site."""
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    data_dir = tmp_path_factory.mktemp("hostile") / "data"
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("HEDGEROW_"):
                patch.delenv(name)
        app = create_app({
            "SECRET_KEY": [secrets.token_urlsafe(48)],
            "REDIS_URL": redis_server.url,
            "DATA_DIR": str(data_dir),
            "RATELIMIT_ENABLED": False,
            "DEMO": True,
            "TRUSTED_PROXIES": 1,
        })
    state: AppState = app.extensions["hedgerow"]
    site, secret = state.sites.add("Blog", [SITE_ORIGIN])
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / DEMO_SITE_FILE).write_text(
        json.dumps({"sitekey": site.sitekey, "secret": secret}), encoding="utf-8"
    )
    live = LiveServer(app).start()
    with based_session(live.url) as session:
        yield Target(app, state, session, live, site, secret)
    live.stop()


@pytest.fixture
def routes(target: Target) -> list[Route]:
    """Every route of the app under attack."""
    return all_routes(target.app)


@pytest.fixture
def post_routes(routes: list[Route]) -> list[Route]:
    """The routes that take a body."""
    return [route for route in routes if route.method == "POST"]


class Checker:
    """Sends requests and collects every way an answer falls short."""

    def __init__(self, target: Target, caplog: pytest.LogCaptureFixture) -> None:
        self.target = target
        self.caplog = caplog
        self.failures: list[str] = []
        self.sent = 0

    def send(self, route: Route, label: str, **kwargs: Any) -> None:
        """Send one request to ``route`` over HTTP and check the answer."""
        headers = {"Authorization": f"Bearer {self.target.secret}", **kwargs.pop("headers", {})}
        start = len(self.caplog.records)
        try:
            reply = self.target.http.request(
                route.method, route.url + kwargs.pop("query", ""), headers=headers,
                allow_redirects=False, timeout=30, **kwargs,
            )
        except requests.RequestException as error:
            self.failures.append(f"{route} [{label}]: no answer ({error.__class__.__name__})")
            return
        self.check(route, label, reply.status_code, reply.headers, reply.content, start)

    def send_raw(self, route: Route, label: str, header_lines: list[bytes]) -> None:
        """Send a request written byte by byte (for headers no client library sends)."""
        live = self.target.live.server
        start = len(self.caplog.records)
        request = b"\r\n".join([
            f"{route.method} {route.url} HTTP/1.1".encode(),
            f"Host: 127.0.0.1:{live.server_port}".encode(),
            b"Content-Length: 0",
            b"Connection: close",
            *header_lines,
            b"", b"",
        ])
        with socket.create_connection(("127.0.0.1", live.server_port), timeout=30) as sock:
            sock.sendall(request)
            reply = http.client.HTTPResponse(sock)
            try:
                reply.begin()
                body = reply.read()
            except (http.client.HTTPException, OSError) as error:
                self.failures.append(f"{route} [{label}]: broken answer ({error!r})")
                return
        self.check(route, label, reply.status, reply.headers, body, start)

    def check(self, route: Route, label: str, status: int, headers: Any, body: bytes,
              start: int) -> None:
        """Record what is wrong with one answer, if anything."""
        self.sent += 1
        where = f"{route} [{label}] -> {status}"
        if status >= 500:
            self.failures.append(f"{where}: {body[:200]!r}")
        elif route.akismet and (status >= 400 or body == b"invalid"):
            if body != b"invalid" or not headers.get("X-akismet-debug-help"):
                self.failures.append(f"{where}: not Akismet's invalid: {body[:200]!r}")
        elif status >= 400 and not _is_json_error(body):
            self.failures.append(f"{where}: not a JSON error with a message: {body[:200]!r}")
        for name, value in headers.items():
            if "\r" in value or "\n" in value:
                self.failures.append(f"{where}: header {name} spans lines")
        records = self.caplog.records[start:]
        for record in records:
            if record.exc_info or "Traceback" in record.getMessage() or record.levelno >= 40:
                logged = record.getMessage()[:200]
                self.failures.append(f"{where}: logged {record.levelname} {logged!r}")
        own = [r for r in records if r.name.startswith("service")]
        if 400 <= status < 500 and (len(own) > 1 or any(len(r.getMessage()) > 200 for r in own)):
            self.failures.append(f"{where}: logged {len(own)} lines for a client error")

    def assert_clean(self) -> None:
        """Fail with every shortfall at once."""
        assert self.sent, "no request was checked"
        assert not self.failures, f"{len(self.failures)} of {self.sent}:\n" + "\n".join(
            self.failures[:40]
        )


def _is_json_error(body: bytes) -> bool:
    try:
        error = json.loads(body)
    except ValueError:
        return False
    if not isinstance(error, dict):
        return False
    codes, message = error.get("error-codes"), error.get("message")
    return (isinstance(codes, list) and bool(codes) and all(isinstance(c, str) for c in codes)
            and isinstance(message, str) and bool(message))


@pytest.fixture
def checker(target: Target, caplog: pytest.LogCaptureFixture) -> Iterator[Checker]:
    """A checker whose log capture includes INFO lines."""
    caplog.set_level(logging.INFO)
    yield Checker(target, caplog)


def test_every_route_is_covered(target: Target, routes: list[Route]) -> None:
    assert {route.endpoint for route in routes} >= {
        "captcha.solve", "siteverify.siteverify", "comment_check.comment_check",
        "akismet.comment_check", "akismet.usage_limit", "health.metrics", "demo.demo_submit",
        "widget.widget_js", "static",
    }
    unknown = sorted({r.endpoint for r in routes
                      if r.method == "POST" and base_fields(target, r.endpoint) is None})
    assert not unknown, f"add a well-formed body for {unknown} to base_fields()"
    rules = {rule.rule for rule in target.app.url_map.iter_rules()}
    assert len(rules) == len({r.url.split("?")[0] for r in routes})


# --- Whole bodies, sent to every route --------------------------------------------------

JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _multipart(parts: list[tuple[str, bytes, str | None]]) -> tuple[bytes, dict[str, str]]:
    boundary = "hedgerowboundary"
    chunks = []
    for name, value, filename in parts:
        disposition = f'form-data; name="{name}"' + (
            f'; filename="{filename}"' if filename else ""
        )
        chunks.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
                      + value + b"\r\n")
    body = b"".join(chunks) + f"--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def _chunks(total: int) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        piece = min(8192, total - sent)
        sent += piece
        yield b"a" * piece


BODIES: dict[str, Callable[[], dict[str, Any]]] = {
    "json-object-5000-deep": lambda: {
        "data": b'{"a":' * 5000 + b"1" + b"}" * 5000, "headers": JSON},
    "json-array-30000-deep": lambda: {"data": b"[" * 30000 + b"]" * 30000, "headers": JSON},
    "json-unclosed-60000-deep": lambda: {"data": b"[" * 60000, "headers": JSON},
    "json-deep-inside-a-field": lambda: {
        "data": b'{"token": ' + b"[" * 20000 + b"]" * 20000 + b"}", "headers": JSON},
    "json-deep-mixed-with-strings": lambda: {
        "data": b'{"a":["\\"]",' * 3000 + b"1" + b"]}" * 3000, "headers": JSON},
    "json-surrogate-escapes": lambda: {
        "data": b'{"token": "\\ud800", "secret": "\\udfff", "api_key": "\\ud800x",'
                b' "comment_content": "a\\udc00b"}', "headers": JSON},
    "json-raw-surrogate-bytes": lambda: {
        "data": b'{"token": "\xed\xa0\x80", "comment_content": "\xed\xb0\x80"}', "headers": JSON},
    "json-invalid-utf8": lambda: {
        "data": b'{"token": "\xff\xfe", "comment_content": "\xc0\xaf\x80"}', "headers": JSON},
    "json-utf16": lambda: {"data": '{"token": "x"}'.encode("utf-16"), "headers": JSON},
    "json-bom": lambda: {"data": b'\xef\xbb\xbf{"token": "x"}', "headers": JSON},
    "json-null": lambda: {"data": b"null", "headers": JSON},
    "json-array": lambda: {"data": b"[1, 2, 3]", "headers": JSON},
    "json-string": lambda: {"data": b'"token"', "headers": JSON},
    "json-empty": lambda: {"data": b"", "headers": JSON},
    "json-truncated": lambda: {"data": b'{"token": "abc', "headers": JSON},
    "json-huge-numbers": lambda: {
        "data": b'{"answer": 1e999999, "token": ' + b"9" * 20000 + b', "pow": -0.0e-99999}',
        "headers": JSON},
    "json-nan-and-infinity": lambda: {
        "data": b'{"answer": NaN, "token": Infinity, "pow": -Infinity}', "headers": JSON},
    "json-arrays-and-objects-as-values": lambda: {
        "json": {"token": ["a", "b"], "answer": {"x": 1}, "comment_content": [], "api_key": {}}},
    "json-duplicate-keys": lambda: {
        "data": b'{"token": "a", "token": "b", "api_key": "x", "api_key": "y"}', "headers": JSON},
    "json-too-many-fields": lambda: {"json": {f"f{i}": "x" for i in range(MAX_FIELDS * 4)}},
    "json-plus-suffix-type": lambda: {
        "data": b"[" * 10000, "headers": {"Content-Type": "application/vnd.api+json"}},
    "form-surrogate-escaped": lambda: {
        "data": b"token=%ED%A0%80&api_key=%ED%B0%80&comment_content=a%ED%A0%80b", "headers": FORM},
    "form-surrogate-raw": lambda: {
        "data": b"token=\xed\xa0\x80&comment_content=\xed\xa0\x80", "headers": FORM},
    "form-invalid-utf8-escaped": lambda: {
        "data": b"token=%FF%FE&comment_content=%C0%AF", "headers": FORM},
    "form-invalid-utf8-raw": lambda: {"data": b"token=\xff\xfe&blog=\xc0\xaf", "headers": FORM},
    "form-duplicate-keys": lambda: {"data": b"token=a&token=b&api_key=x&api_key=y",
                                    "headers": FORM},
    "form-too-many-fields": lambda: {
        "data": "&".join(f"f{i}=x" for i in range(MAX_FIELDS * 20)).encode(), "headers": FORM},
    "form-php-arrays": lambda: {"data": b"token[]=a&token[]=b&api_key[x]=y", "headers": FORM},
    "form-without-content-type": lambda: {"data": b"token=%ED%A0%80", "headers": {}},
    "multipart-invalid-utf8": lambda: dict(zip(
        ("data", "headers"), _multipart([("token", b"\xed\xa0\x80", None)]), strict=True)),
    "multipart-file": lambda: dict(zip(
        ("data", "headers"), _multipart([("token", b"\x00\xff" * 100, "x.bin")]), strict=True)),
    "multipart-without-boundary": lambda: {
        "data": b"--x\r\n\r\n", "headers": {"Content-Type": "multipart/form-data"}},
    "multipart-non-ascii-name": lambda: dict(zip(
        ("data", "headers"), _multipart([("tökén\x00", b"x", None)]), strict=True)),
    "text-plain": lambda: {"data": b"token=x", "headers": {"Content-Type": "text/plain"}},
    "text-xml": lambda: {"data": b"<token>x</token>", "headers": {"Content-Type": "text/xml"}},
    "octet-stream": lambda: {"data": b"\x00\xff" * 100,
                             "headers": {"Content-Type": "application/octet-stream"}},
    "json-labelled-form": lambda: {"data": b"token=x&answer=1", "headers": JSON},
    "form-labelled-json": lambda: {"data": b'{"token": "x"}', "headers": FORM},
    "garbage-content-type": lambda: {"data": b"token=x",
                                     "headers": {"Content-Type": "\x01/\x7f; charset=\x02"}},
    "json-odd-charset": lambda: {"data": b'{"token": "x"}',
                                 "headers": {"Content-Type": "application/json; charset=ebcdic"}},
    "just-over-max-body": lambda: {"data": b"a" * (MAX_BODY_BYTES + 1), "headers": FORM},
    "just-over-max-body-json": lambda: {
        "data": b'{"comment_content": "' + b"a" * MAX_BODY_BYTES + b'"}', "headers": JSON},
    "just-over-max-body-chunked": lambda: {"data": _chunks(MAX_BODY_BYTES + 1), "headers": FORM},
    "word-32k-every-field": lambda: {"data": "&".join(
        f"{name}={WORD_32K[:32 * 1024 // 8]}" for name in
        ("token", "answer", "secret", "response", "api_key", "blog", "comment_content", "label")
    ).encode(), "headers": FORM},
}


@pytest.mark.parametrize("name", sorted(BODIES))
def test_hostile_bodies_on_every_route(
    checker: Checker, routes: list[Route], name: str
) -> None:
    for route in routes:
        checker.send(route, name, **BODIES[name]())
    checker.assert_clean()


# --- One field at a time, in each route's own well-formed body -------------------------

SURROGATE = "\ud800"
VALUES: dict[str, Any] = {
    "crlf": "x\r\nX-Injected: 1\r\n\r\n<h1>",
    "nul": "x\x00y",
    "c0-controls": "".join(chr(c) for c in range(32)) + "\x7f",
    "c1-and-separators": "\x85\u2028\u2029\u200b\ufeff",
    "lone-surrogate": SURROGATE,
    "non-latin1": "名前—…✓",
    "word-32k": WORD_32K,
    "word-32k-plus-one": WORD_32K + "s",
    "huge-number": 10 ** 4000,
    "huge-float": 1e308,
    "array": ["a", ["b"]],
    "object": {"a": {"b": "c"}},
    "null": None,
    "bool": True,
    "empty": "",
}


def _form_body(fields: dict[str, Any]) -> bytes:
    def encode(value: Any) -> bytes:
        if isinstance(value, str):
            return value.encode("utf-8", "surrogatepass")
        return json.dumps(value).encode()

    return b"&".join(
        quote_from_bytes(encode(name)).encode() + b"=" + quote_from_bytes(encode(value)).encode()
        for name, value in fields.items()
    )


def _json_body(fields: dict[str, Any]) -> bytes:
    # ensure_ascii writes a lone surrogate as the \ud800 escape a hostile client would send.
    return json.dumps(fields).encode()


@pytest.mark.parametrize("value_name", sorted(VALUES))
def test_hostile_values_in_every_field(
    checker: Checker, target: Target, post_routes: list[Route], value_name: str
) -> None:
    value = VALUES[value_name]
    for route in post_routes:
        fields = base_fields(target, route.endpoint)
        assert fields is not None
        for field in fields:
            hostile = {**fields, field: value}
            checker.send(route, f"{field}={value_name} json", data=_json_body(hostile),
                         headers=JSON)
            if isinstance(value, str):
                checker.send(route, f"{field}={value_name} form", data=_form_body(hostile),
                             headers=FORM)
    checker.assert_clean()


NAMES = {
    "non-ascii": "tökén",
    "cjk": "名前",
    "nul": "to\x00ken",
    "crlf": "a\r\nX-Injected: 1",
    "tab": "a\tb",
    "del": "a\x7fb",
    "lone-surrogate": "a" + SURROGATE,
    "empty": "",
    "long": "n" * 5000,
    "header-like": "X-akismet-debug-help",
}


@pytest.mark.parametrize("name_kind", sorted(NAMES))
def test_hostile_field_names(
    checker: Checker, target: Target, post_routes: list[Route], name_kind: str
) -> None:
    for route in post_routes:
        fields = {**(base_fields(target, route.endpoint) or {}), NAMES[name_kind]: "x"}
        checker.send(route, f"{name_kind} json", data=_json_body(fields), headers=JSON)
        checker.send(route, f"{name_kind} form", data=_form_body(fields), headers=FORM)
    checker.assert_clean()


# --- Query strings and headers, on every route -------------------------------------------

QUERIES = {
    "surrogate": "?sitekey=%ED%A0%80&api_key=%ED%A0%80",
    "invalid-utf8": "?sitekey=%FF%FE&theme=%C0%AF",
    "nul-and-crlf": "?sitekey=%00%0D%0AX-Injected:%201&lang=%0D%0A",
    "non-ascii-name": "?t%C3%B6k%C3%A9n=1",
    "control-name": "?%0D%0A=1&%00=2",
    "empty-name": "?=1",
    "duplicate-keys": "?sitekey=a&sitekey=b",
    "php-arrays": "?sitekey[]=a&sitekey[]=b&api_key[x]=1",
    "json-in-query": "?sitekey=" + "%5B" * 3000,
    "word-32k": "?sitekey=" + WORD_32K + "&api_key=" + "k" * 1000,
    "huge-number": "?sitekey=" + "9" * 5000 + "&worker=1e99999",
    "too-many": "?" + "&".join(f"p{i}=1" for i in range(MAX_FIELDS * 4)),
    "key-in-query": "?api_key=hs_wrong&key=hs_wrong&blog=https://blog.example.com",
    "theme-and-lang": "?theme=%3Cscript%3E&lang=%22%3E%3Cx",
    "bare-separators": "?&&&=&=%&%%%",
}


@pytest.mark.parametrize("query_kind", sorted(QUERIES))
def test_hostile_query_strings_on_every_route(
    checker: Checker, routes: list[Route], query_kind: str
) -> None:
    for route in routes:
        checker.send(route, query_kind, query=QUERIES[query_kind])
    checker.assert_clean()


HEADERS: dict[str, dict[str, str | bytes]] = {
    "origin-null": {"Origin": "null"},
    "origin-unknown": {"Origin": "https://evil.example"},
    "origin-surrogate-bytes": {"Origin": b"https://\xed\xa0\x80.example"},
    "origin-utf8": {"Origin": "https://bücher.example".encode()},
    "origin-latin1": {"Origin": b"https://b\xfccher.example"},
    "origin-long": {"Origin": "https://" + "a" * 8000 + ".example"},
    "authorization-bytes": {"Authorization": b"Bearer \xff\xfe\xed\xa0\x80"},
    "authorization-long": {"Authorization": "Bearer " + "x" * 8000},
    "authorization-basic": {"Authorization": "Basic Zm9vOmJhcg=="},
    "authorization-bare": {"Authorization": "Bearer"},
    "content-type-bytes": {"Content-Type": b"application/json; charset=\xff"},
    "user-agent-and-referer-bytes": {"User-Agent": b"\xed\xa0\x80\xff",
                                     "Referer": b"https://x/\xff\xfe"},
    "forwarded-for-garbage": {"X-Forwarded-For": b"\xff, not-an-ip, ::1, 127.0.0.1"},
    "forwarded-for-loopback-spoof": {"X-Forwarded-For": "127.0.0.1",
                                     "X-Forwarded-Proto": "gopher\xff"},
    "accept-encoding-garbage": {"Accept-Encoding": b"gzip;q=\xff, *;q=-1, br;q=nan"},
    "conditional-garbage": {"If-None-Match": b'"\xff", W/, *', "If-Modified-Since": "\x00",
                            "Range": "bytes=999999-0,-1,x"},
    "cookie-garbage": {"Cookie": b"a=\xff; b; =; \xed\xa0\x80=1"},
    "host-odd": {"Host": b"\xff\xfe.example:99999"},
    "host-unencodable": {"Host": b"a" * 64 + b".example"},  # a label IDNA refuses
}


@pytest.mark.parametrize("header_kind", sorted(HEADERS))
def test_hostile_headers_on_every_route(
    checker: Checker, target: Target, routes: list[Route], header_kind: str
) -> None:
    for route in routes:
        body = base_fields(target, route.endpoint) if route.method == "POST" else None
        checker.send(route, header_kind, headers=HEADERS[header_kind], data=body)
    checker.assert_clean()


RAW_HEADERS: dict[str, list[bytes]] = {
    "obs-fold-origin": [b"Origin: https://blog.example.com", b" evil"],
    "two-origins": [b"Origin: https://blog.example.com", b"Origin: https://evil.example"],
    "nul-and-del": [b"Origin: https://a\x00b", b"User-Agent: \x7f\x01"],
    "bare-cr": [b"Origin: https://blog.example.com\rX-Injected: 1"],
    "surrogate-bytes-everywhere": [b"Origin: \xed\xa0\x80", b"Authorization: Bearer \xed\xa0\x80",
                                   b"X-Forwarded-For: \xed\xa0\x80"],
    "odd-header-name": [b"X-\xff\xfe: 1", b"X\x00Y: 2"],
}


@pytest.mark.parametrize("raw_kind", sorted(RAW_HEADERS))
def test_raw_header_bytes_on_every_route(
    checker: Checker, routes: list[Route], raw_kind: str
) -> None:
    for route in routes:
        checker.send_raw(route, raw_kind, RAW_HEADERS[raw_kind])
    checker.assert_clean()


# --- The same attacks on `hedgerow serve`, reading the server's own log ------------------

# Not "garbage-content-type": control characters in a header value break HTTP itself, and
# gunicorn answers such a request with its own 400 (logging one warning line) before the
# app sees it.
SERVED_BODIES = ("json-object-5000-deep", "json-surrogate-escapes", "json-raw-surrogate-bytes",
                 "form-surrogate-escaped", "form-invalid-utf8-raw", "json-duplicate-keys",
                 "just-over-max-body", "multipart-file", "json-huge-numbers")


def test_hedgerow_serve_answers_and_logs_no_traceback(
    target: Target, routes: list[Route], redis_server: RedisServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Under gunicorn, as deployed: the original 500s, and a CR/LF in every field."""
    directory = tmp_path_factory.mktemp("served")
    env = clean_env(HEDGEROW_REDIS_URL=redis_server.url,
                    HEDGEROW_DATA_DIR=str(directory / "data"),
                    HEDGEROW_SECRET_KEY=secrets.token_urlsafe(48),
                    HEDGEROW_RATELIMIT_ENABLED="false")
    added = run_cli("sites", "add", "Served", "--origin", SITE_ORIGIN, env=env)
    assert added.returncode == 0, added.stderr
    secret = json.loads(added.stdout.strip().splitlines()[-1])["secret"]
    server = ServeProcess(free_port(), env, "--workers", "1", log=directory / "serve.log")
    failures: list[str] = []
    try:
        server.wait_ready()
        with based_session(server.url) as session:
            def send(route: Route, label: str, **kwargs: Any) -> None:
                # One connection per request: gunicorn drops a kept-alive connection whose
                # unread body (the 413s) exceeds what it drains, and the next request
                # sent on it would find it closed.
                headers = {"Authorization": f"Bearer {secret}", "Connection": "close",
                           **kwargs.pop("headers", {})}
                try:
                    reply = session.request(route.method, route.url, headers=headers,
                                            allow_redirects=False, timeout=30, **kwargs)
                except requests.RequestException as error:
                    failures.append(f"{route} [{label}]: no answer ({error!r})")
                    return
                if reply.status_code >= 500:
                    failures.append(f"{route} [{label}] -> {reply.status_code}")

            for route in routes:
                for name in SERVED_BODIES:
                    send(route, name, **BODIES[name]())
                if route.method == "POST":
                    fields = base_fields(target, route.endpoint) or {}
                    for field in fields:
                        hostile = {**fields, field: VALUES["crlf"], "b\u00e4d": "x"}
                        send(route, f"{field}=crlf", data=_form_body(hostile), headers=FORM)
                        send(route, f"{field}=crlf", data=_json_body(hostile), headers=JSON)
    finally:
        server.stop()
    log = (directory / "serve.log").read_text(encoding="utf-8", errors="replace")
    assert not failures, "\n".join(failures[:30]) + log[-3000:]
    assert "Traceback" not in log and "ERROR" not in log, log[-3000:]
