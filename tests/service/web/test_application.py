"""The service's Flask class: Flask's answers about hooks and views, worked out once."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask

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
