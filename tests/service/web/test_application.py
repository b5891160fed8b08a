"""The service's Flask class: Flask's answers about hooks and views, worked out once."""

from __future__ import annotations

import gc
import io
import threading
from typing import Any, TypeVar

import pytest
from flask import Flask, session
from flask.sessions import NullSession
from werkzeug.exceptions import BadHost, SecurityError

from service.web.application import HedgerowFlask


def test_a_plain_function_is_called_as_it_is_and_asked_about_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    app = HedgerowFlask(__name__)
    asked: list[Any] = []
    plain_ensure_sync = Flask.ensure_sync

    def counting(self: Flask, func: Any) -> Any:
        asked.append(func)
        return plain_ensure_sync(self, func)

    monkeypatch.setattr(Flask, "ensure_sync", counting)

    def hook() -> None:
        return None

    assert all(app.ensure_sync(hook) is hook for _ in range(5))
    assert asked == [hook]


def test_a_coroutine_function_gets_what_flask_gives_it() -> None:
    app = HedgerowFlask(__name__)

    async def view() -> str:
        return "done"

    try:
        expected: Any = Flask(__name__).ensure_sync(view)
    except RuntimeError as refused:  # Flask without its async extra
        with pytest.raises(RuntimeError, match=str(refused)[:30]):
            app.ensure_sync(view)
        return
    assert _in_a_thread_of_its_own(app.ensure_sync(view)) == "done"
    assert _in_a_thread_of_its_own(expected) == "done"


def _in_a_thread_of_its_own(call: Any) -> Any:
    """``call()`` in a new thread: a wrapped coroutine refuses to run in one that has an
    event loop going, as the test runner's may."""
    results: list[Any] = []
    thread = threading.Thread(target=lambda: results.append(call()))
    thread.start()
    thread.join()
    return results[0]


def test_functions_made_per_request_are_not_kept_past_the_limit() -> None:
    app = HedgerowFlask(__name__)
    made = [lambda: None for _ in range(2000)]
    for func in made:
        assert app.ensure_sync(func) is func
    assert len(app._sync) <= 512


AnyFlask = TypeVar("AnyFlask", bound=Flask)


def _environ(**overrides: Any) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": "/healthz",
        "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "127.0.0.1:8000",
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
    }
    environ.update(overrides)
    return {name: value for name, value in environ.items() if value is not None}


def _bound(app: Flask, environ: dict[str, Any]) -> tuple[Any, ...]:
    """What a request's URL adapter is bound to, and the host the request was given."""
    request = app.request_class(environ)
    adapter = app.create_url_adapter(request)
    assert adapter is not None
    return (adapter.server_name, adapter.script_name, adapter.subdomain, adapter.url_scheme,
            adapter.path_info, adapter.default_method, adapter.query_args,
            adapter.websocket, request.host)


# WSGI strings carry UTF-8 bytes as Latin-1 (PEP 3333).
_UTF8_PATH = "/v1/challenge/ünïcode".encode().decode("latin1")
BINDINGS: dict[str, dict[str, Any]] = {
    "plain": {},
    "default port": {"HTTP_HOST": "Blog.Example:80"},
    "https on 443": {"HTTP_HOST": "blog.example:443", "wsgi.url_scheme": "https"},
    "no Host header": {"HTTP_HOST": None},
    "no Host, port 80": {"HTTP_HOST": None, "SERVER_PORT": "80"},
    "international host": {"HTTP_HOST": "bücher.example"},
    "odd host": {"HTTP_HOST": "\xff\xfe.example:99999"},
    "mounted under a path": {"SCRIPT_NAME": "/hedgerow", "PATH_INFO": "/v1/solve",
                             "REQUEST_METHOD": "POST"},
    "no path": {"PATH_INFO": None},
    "UTF-8 path and query": {"PATH_INFO": _UTF8_PATH, "QUERY_STRING": "q=\xc3\xa9&x"},
    "invalid UTF-8 path": {"PATH_INFO": "/\xff\xfe", "QUERY_STRING": None},
    "websocket upgrade": {"HTTP_UPGRADE": "websocket", "HTTP_CONNECTION": "Upgrade"},
}


@pytest.mark.parametrize("name", sorted(BINDINGS))
def test_each_request_is_bound_as_flask_binds_it(name: str) -> None:
    plain, remembering = Flask(__name__), HedgerowFlask(__name__)
    environ = _environ(**BINDINGS[name])
    expected = _bound(plain, environ)
    # The first request of a host works the host out; the next ones remember it.
    assert [_bound(remembering, environ) for _ in range(3)] == [expected] * 3
    # Another path and method on the same host: only the host part is remembered.
    other = {**environ, "PATH_INFO": "/v1/siteverify", "REQUEST_METHOD": "POST",
             "QUERY_STRING": "a=1"}
    assert _bound(remembering, other) == _bound(plain, other)


def test_a_host_idna_cannot_encode_counts_as_none() -> None:
    plain, remembering = Flask(__name__), HedgerowFlask(__name__)
    mounted = {"SCRIPT_NAME": "/hedgerow", "PATH_INFO": "/v1/solve"}
    unencodable = _environ(HTTP_HOST="a" * 64 + ".example", **mounted)  # a label too long
    with pytest.raises(BadHost):
        plain.create_url_adapter(plain.request_class(unencodable))
    # As werkzeug binds a Host with characters a host cannot have.
    expected = _bound(plain, _environ(HTTP_HOST="bad host", **mounted))
    assert expected[0] == "" and expected[-1] == ""
    assert [_bound(remembering, unencodable) for _ in range(2)] == [expected] * 2
    assert remembering._hosts == {}


@pytest.mark.parametrize("setting", [{"SERVER_NAME": "blog.example"},
                                     {"TRUSTED_HOSTS": ["127.0.0.1"]}])
def test_server_name_and_trusted_hosts_bind_as_flask_does(setting: dict[str, Any]) -> None:
    plain, remembering = Flask(__name__), HedgerowFlask(__name__)
    for app in (plain, remembering):
        app.config.update(setting)
    environ = _environ()
    assert _bound(remembering, environ) == _bound(plain, environ)
    assert remembering._hosts == {}
    refused = _environ(HTTP_HOST="elsewhere.example")
    if "TRUSTED_HOSTS" in setting:
        with pytest.raises(SecurityError):
            remembering.create_url_adapter(remembering.request_class(refused))


def test_made_up_hosts_do_not_grow_the_memory_past_its_limit() -> None:
    app = HedgerowFlask(__name__)
    for n in range(1000):
        environ = _environ(HTTP_HOST=f"host-{n}.example")
        assert _bound(app, environ)[-1] == f"host-{n}.example"
    assert 0 < len(app._hosts) <= 64


def _with_routes(app: AnyFlask) -> AnyFlask:
    """``app`` with rules of every kind a match can meet."""
    app.add_url_rule("/plain", "plain", lambda: "")
    app.add_url_rule("/post-only", "post_only", lambda: "", methods=["POST"])
    app.add_url_rule("/folder/", "folder", lambda: "")  # /folder redirects here
    app.add_url_rule("/item/<int:number>", "item", lambda number: "")
    app.add_url_rule("/defaulted", "defaulted", lambda page: "", defaults={"page": 1})
    app.add_url_rule("/moved", "moved", redirect_to="/plain")
    app.add_url_rule("/ünïcode", "unicode", lambda: "")
    return app


def _matched(app: Flask, environ: dict[str, Any]) -> Any:
    """What matching the request gives Flask: the rule and arguments, or the error."""
    adapter = app.create_url_adapter(app.request_class(environ))
    assert adapter is not None
    try:
        rule, arguments = adapter.match(return_rule=True)
    except Exception as refused:  # a redirect, a 404, a 405
        return type(refused).__name__, getattr(refused, "new_url", None), sorted(
            getattr(refused, "valid_methods", None) or [])
    return rule.rule, rule.endpoint, dict(arguments)


ROUTES = [("GET", "/plain"), ("HEAD", "/plain"), ("OPTIONS", "/plain"), ("POST", "/plain"),
          ("POST", "/post-only"), ("GET", "/post-only"), ("GET", "/folder"),
          ("GET", "/folder/"), ("GET", "/item/7"), ("GET", "/item/8"), ("GET", "/item/x"),
          ("GET", "/defaulted"), ("GET", "/moved"), ("GET", "/nowhere"), ("GET", "/"),
          ("GET", "/ünïcode".encode().decode("latin1")), ("GET", "//plain"),
          ("GET", "/plain/")]


def test_each_request_is_matched_as_werkzeug_matches_it() -> None:
    plain, remembering = _with_routes(Flask(__name__)), _with_routes(HedgerowFlask(__name__))
    for host in ("127.0.0.1:8000", "blog.example"):
        for method, path in ROUTES:
            environ = _environ(REQUEST_METHOD=method, PATH_INFO=path, HTTP_HOST=host)
            expected = _matched(plain, environ)
            # The first match works it out; the next ones may remember it.
            assert [_matched(remembering, environ) for _ in range(3)] == [expected] * 3, (
                method, path)
    # Only the rules without arguments that matched are remembered.
    assert {rule.rule for rule in remembering._routes.values()} == {
        "/plain", "/post-only", "/folder/", "/ünïcode"}


def test_remembered_routes_do_not_grow_past_their_limit() -> None:
    app = _with_routes(HedgerowFlask(__name__))
    for n in range(1500):
        for path in ("/plain", "/folder/"):  # a host's first request binds it, as Flask does
            for _ in range(2):
                assert _matched(app, _environ(PATH_INFO=path, HTTP_HOST=f"h{n % 60}.example",
                                              SCRIPT_NAME=f"/m{n}"))[0] == path
    assert 0 < len(app._routes) <= 1024


def test_a_request_leaves_no_reference_cycle_behind() -> None:
    app = _with_routes(HedgerowFlask(__name__))
    environ = _environ(PATH_INFO="/plain")
    for _ in range(2):  # the host bound, then the route remembered
        _matched(app, environ)
    gc.collect()
    gc.disable()
    try:
        for _ in range(50):
            _matched(app, environ)
        # With the collector off, anything left in a reference cycle waits for it.
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_no_request_builds_a_session_and_none_can_be_written() -> None:
    app = HedgerowFlask(__name__)
    seen: list[object] = []

    @app.get("/write")
    def write() -> str:
        seen.append(session._get_current_object())  # type: ignore[attr-defined]
        session["user"] = "x"
        return "written"

    client = app.test_client()
    for _ in range(2):
        reply = client.get("/write")
        assert reply.status_code == 500  # Flask refuses the write, as without a secret key
        assert "Set-Cookie" not in reply.headers
    assert len(seen) == 2 and seen[0] is seen[1] and isinstance(seen[0], NullSession)
    assert dict(seen[0]) == {}
