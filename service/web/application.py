"""The Flask class the service runs on: Flask, less per-request work that never changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

_MAX_REMEMBERED = 512


class HedgerowFlask(Flask):
    """Flask, remembering which of its functions are coroutines.

    Flask asks :func:`inspect.iscoroutinefunction` of every hook and view it calls, on
    every request (four times for a challenge); the answer for a function never changes,
    so it is worked out once per function.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """``func`` as Flask would call it: itself, or run to completion when async."""
        try:
            return self._sync[func]
        except KeyError:
            made = super().ensure_sync(func)
            # Hooks and views are few; a function made per request (after_this_request)
            # is not kept once this many are.
            if len(self._sync) < _MAX_REMEMBERED:
                self._sync[func] = made
            return made
        except TypeError:  # a callable that cannot be a key is asked each time
            return super().ensure_sync(func)
