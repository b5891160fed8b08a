"""The request being answered, its ``g`` and its app, without Flask's proxies.

``flask.request``, ``flask.g`` and ``flask.current_app`` are proxies: every use looks the
context up again through werkzeug's ``LocalProxy`` (about 0.9 µs each), and a request
uses them a dozen times or more. :class:`~service.web.application.HedgerowFlask` records
the three once, as it pushes a request's context, in a context variable of its own, and
takes them off as it pops it; the functions here read them from there (about 0.1 µs).
Outside a request of a HedgerowFlask app they fall back to Flask's proxies, which then
say what is missing as they always do. A request of a plain Flask app pushed inside one
of a HedgerowFlask app is not seen (the outer one still is): the service's code runs only
in its own app.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any, NamedTuple

from flask import Flask, Request, current_app
from flask import g as flask_g
from flask import request as flask_request

if TYPE_CHECKING:
    from flask.ctx import _AppCtxGlobals


class Current(NamedTuple):
    """One request's context, as :class:`~service.web.application.HedgerowFlask` pushed it."""

    request: Request
    g: _AppCtxGlobals
    app: Flask


_CURRENT: ContextVar[Current | None] = ContextVar("hedgerow.current", default=None)


def enter(current: Current) -> Token[Current | None]:
    """Make ``current`` the request being answered, until :func:`leave` with the token."""
    return _CURRENT.set(current)


def leave(token: Token[Current | None]) -> None:
    """Go back to the request (or none) that was current before :func:`enter`."""
    _CURRENT.reset(token)


def request() -> Request:
    """The request being answered (as ``flask.request`` is)."""
    current = _CURRENT.get()
    if current is None:
        found: Request = flask_request._get_current_object()  # type: ignore[attr-defined]
        return found
    return current.request


def g() -> _AppCtxGlobals:
    """The request's ``g`` (as ``flask.g`` is)."""
    current = _CURRENT.get()
    if current is None:
        found: _AppCtxGlobals = flask_g._get_current_object()
        return found
    return current.g


def extension(name: str) -> Any:
    """``app.extensions[name]`` of the current app (in a request, or an app context)."""
    current = _CURRENT.get()
    app: Flask = current_app if current is None else current.app
    return app.extensions[name]
