"""The current request, its ``g`` and its app, read without Flask's proxies: always what
the proxies would give, and nothing once the request is over."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask, current_app, g, request

from service.web import current
from service.web.application import HedgerowFlask


def _app(name: str = "one") -> HedgerowFlask:
    app = HedgerowFlask(__name__)
    app.extensions["probe"] = name
    return app


def _as_flask_sees_it() -> tuple[Any, Any, Any]:
    return (request._get_current_object(), g._get_current_object(),  # type: ignore[attr-defined]
            current_app.extensions["probe"])


def _as_current_sees_it() -> tuple[Any, Any, Any]:
    return current.request(), current.g(), current.extension("probe")


def test_a_request_of_the_app_is_what_flask_says_it_is_in_its_view_hooks_and_teardown(
        ) -> None:
    app = _app()
    seen: dict[str, tuple[tuple[Any, ...], tuple[Any, ...]]] = {}

    @app.before_request
    def before() -> None:
        seen["before"] = (_as_current_sees_it(), _as_flask_sees_it())

    @app.get("/")
    def view() -> str:
        seen["view"] = (_as_current_sees_it(), _as_flask_sees_it())
        return "ok"

    @app.after_request
    def after(response: Any) -> Any:
        seen["after"] = (_as_current_sees_it(), _as_flask_sees_it())
        return response

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        seen["teardown"] = (_as_current_sees_it(), _as_flask_sees_it())

    assert app.test_client().get("/?a=1").status_code == 200
    assert set(seen) == {"before", "view", "after", "teardown"}
    requests = set()
    for place, (ours, flasks) in seen.items():
        assert all(a is b for a, b in zip(ours, flasks, strict=True)), place
        requests.add(id(ours[0]))
        assert ours[0].args["a"] == "1"
    assert len(requests) == 1


def test_outside_a_request_it_says_so_as_flask_does() -> None:
    app = _app()
    with app.test_request_context("/"):
        pass
    with pytest.raises(RuntimeError, match="request context"):
        current.request()
    with pytest.raises(RuntimeError, match="application context"):
        current.g()
    with pytest.raises(RuntimeError, match="application context"):
        current.extension("probe")
    with app.app_context():  # the app's state is there for commands, without a request
        assert current.extension("probe") == "one"


def test_a_request_pushed_inside_another_is_current_until_it_is_popped() -> None:
    outer, inner = _app("outer"), _app("inner")
    with outer.test_request_context("/outer"):
        outer_request = current.request()
        with inner.test_request_context("/inner"):
            assert current.request().path == "/inner"
            assert current.extension("probe") == "inner"
            assert current.g() is g._get_current_object()
        assert current.request() is outer_request
        assert current.extension("probe") == "outer"


def test_a_context_pushed_twice_stays_current_until_its_last_pop() -> None:
    app = _app()
    ctx = app.test_request_context("/twice")
    ctx.push()
    ctx.push()
    ctx.pop()
    assert current.request().path == "/twice"
    ctx.pop()
    with pytest.raises(RuntimeError):
        current.request()


def test_each_thread_sees_its_own_request() -> None:
    app = _app()
    paths: dict[str, str] = {}
    started = threading.Barrier(2)

    def serve(path: str) -> None:
        with app.test_request_context(path):
            started.wait(timeout=5)  # both requests are open at once
            paths[path] = current.request().path

    threads = [threading.Thread(target=serve, args=(p,)) for p in ("/a", "/b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert paths == {"/a": "/a", "/b": "/b"}


def test_a_plain_flask_app_is_served_through_the_proxies() -> None:
    app = Flask(__name__)
    app.extensions["probe"] = "plain"
    with app.test_request_context("/plain"):
        assert current.request().path == "/plain"
        assert current.extension("probe") == "plain"
        assert current.g() is g._get_current_object()


def test_a_request_of_the_app_is_read_without_the_proxies(
        monkeypatch: pytest.MonkeyPatch) -> None:
    class Gone:
        def _get_current_object(self) -> Any:
            raise AssertionError("looked up through a proxy")

    monkeypatch.setattr(current, "flask_request", Gone())
    monkeypatch.setattr(current, "flask_g", Gone())
    monkeypatch.setattr(current, "current_app", Gone())
    app = _app()
    with app.test_request_context("/fast"):
        assert current.request().path == "/fast"
        assert current.g() is g._get_current_object()
        assert current.extension("probe") == "one"
