"""The Flask class the service runs on: Flask, less per-request work that never changes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import Token
from typing import Any

from flask import Flask, Request, Response, g
from flask.ctx import RequestContext
from flask.sessions import NullSession, SessionInterface
from werkzeug.exceptions import BadHost
from werkzeug.routing import MapAdapter, Rule

from service.web import current

_MAX_REMEMBERED = 512
# Host names a worker is reached by: its own few, unless clients send made-up ones.
_MAX_HOSTS = 64
# Routes matched: the rules without arguments, by path, method and host part (a few per
# rule, unless clients send made-up hosts).
_MAX_ROUTES = 1024


class HedgerowFlask(Flask):
    """Flask, remembering what it would otherwise work out again on every request.

    Flask asks :func:`inspect.iscoroutinefunction` of every hook and view it calls (four
    times for a challenge); the answer for a function never changes, so it is worked out
    once per function. It binds its URL map to each request's host afresh (the
    ``Host`` header checked, its port split off, its name IDNA-encoded): the same few
    hosts every time, so each one's binding is worked out once. And it matches each
    request's path against every rule, for the same few paths (the matcher also leaves a
    reference cycle behind each time, for the garbage collector to find): a rule without
    arguments, once matched, is remembered for its path, method and host. And each
    request's context, as it is pushed, is recorded for :mod:`service.web.current`. The
    service keeps no sessions, so no request builds one (see :class:`_NoSessions`).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session_interface = _NoSessions()
        self._sync: dict[Callable[..., Any], Callable[..., Any]] = {}
        self._hosts: dict[tuple[Any, ...], tuple[str, str, str, str | None, str]] = {}
        self._routes: dict[tuple[Any, ...], Rule] = {}

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

    def request_context(self, environ: dict[str, Any]) -> RequestContext:
        """The context of the request ``environ`` describes (see :class:`_Context`)."""
        return _Context(self, environ)

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        """The URL map bound to ``request`` as Flask binds it, the host part remembered.

        Flask's own way is taken for anything but a plain request to an app with no
        ``SERVER_NAME``, ``TRUSTED_HOSTS``, host or subdomain matching: a WebSocket
        upgrade, and every request of a host seen for the first time. A ``Host`` that
        IDNA cannot encode (a label too long) counts as none, as werkzeug counts one with
        characters a host cannot have: the request is answered by its endpoint, in its
        protocol, rather than refused before routing.
        """
        if (request is None or self.config["SERVER_NAME"] is not None
                or self.config["TRUSTED_HOSTS"] is not None or self.url_map.host_matching
                or self.subdomain_matching):
            return super().create_url_adapter(request)
        environ = request.environ
        if "HTTP_UPGRADE" in environ:
            return super().create_url_adapter(request)
        # Everything werkzeug's get_host and Map.bind_to_environ read for the host part.
        key = (environ.get("HTTP_HOST"), environ.get("SERVER_NAME"),
               environ.get("SERVER_PORT"), environ["wsgi.url_scheme"],
               environ.get("SCRIPT_NAME"))
        try:
            host, server_name, script_name, subdomain, scheme = self._hosts[key]
        except (KeyError, TypeError):
            try:
                adapter = super().create_url_adapter(request)
            except BadHost:
                request.host = ""
                mount = environ.get("SCRIPT_NAME")
                return self._bound(environ, "", "/" if mount is None else _decoded(mount),
                                   self.url_map.default_subdomain or "",
                                   environ["wsgi.url_scheme"])
            if adapter is not None and all(isinstance(part, str | None) for part in key):
                if len(self._hosts) >= _MAX_HOSTS:
                    # Made-up hosts cost their senders Flask's own speed, not memory.
                    self._hosts.clear()
                self._hosts[key] = (request.host, adapter.server_name, adapter.script_name,
                                    adapter.subdomain, adapter.url_scheme)
            return adapter
        request.host = host  # as Flask sets it
        return self._bound(environ, server_name, script_name, subdomain, scheme)

    def _bound(self, environ: dict[str, Any], server_name: str, script_name: str,
               subdomain: str | None, scheme: str) -> MapAdapter:
        """The URL map bound to the host part given and the rest of ``environ``."""
        path_info = environ.get("PATH_INFO")
        query = environ.get("QUERY_STRING")
        return _RememberingAdapter(
            self._routes, self.url_map, server_name, script_name, subdomain, scheme,
            "/" if path_info is None else _decoded(path_info), environ["REQUEST_METHOD"],
            None if query is None else _decoded(query),
        )


class _NoSessions(SessionInterface):
    """No sessions: every answer depends on signed tokens and secrets, never a cookie.

    Flask's default, without a secret key, makes a new empty session for every request
    (a dict and a closure) to refuse writes to; this hands every request the same one,
    which refuses them as well.
    """

    def __init__(self) -> None:
        self._none = NullSession()

    def open_session(self, app: Flask, request: Request) -> NullSession:
        """The one empty, read-only session."""
        return self._none

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        """Nothing to save."""


class _Context(RequestContext):
    """Flask's request context, which records the request, its ``g`` and its app for
    :mod:`service.web.current` while it is pushed."""

    def __init__(self, app: Flask, environ: dict[str, Any]) -> None:
        super().__init__(app, environ)
        self._current_tokens: list[Token[current.Current | None]] = []

    def push(self) -> None:
        """Push the context as Flask does, then record it as the current one."""
        super().push()
        self._current_tokens.append(current.enter(current.Current(
            self.request, g._get_current_object(), self.app)))

    def pop(self, *args: Any, **kwargs: Any) -> None:
        """Pop the context as Flask does (its teardown still seeing it as current), then
        put back what was current before."""
        try:
            super().pop(*args, **kwargs)
        finally:
            if self._current_tokens:
                current.leave(self._current_tokens.pop())


class _RememberingAdapter(MapAdapter):
    """A URL adapter that answers Flask's match of its request from the routes matched
    before, when the rule matched has no arguments (and so the same answer every time)."""

    def __init__(self, routes: dict[tuple[Any, ...], Rule], *args: Any) -> None:
        super().__init__(*args)
        self._routes = routes

    def match(self, path_info: str | None = None, method: str | None = None,
              return_rule: bool = False, query_args: Any = None,
              websocket: bool | None = None,
              ) -> tuple[Any, Mapping[str, Any]]:
        """The rule (or endpoint) and arguments for the request, as werkzeug matches it."""
        if (not return_rule or path_info is not None or method is not None
                or query_args is not None or websocket is not None):
            return super().match(path_info, method, return_rule,  # type: ignore[call-overload]
                                 query_args, websocket)
        key = (self.path_info, self.default_method, self.server_name, self.subdomain,
               self.script_name, self.url_scheme, self.websocket)
        rule = self._routes.get(key)
        if rule is not None:
            return rule, {}
        rule, arguments = super().match(return_rule=True)
        if not arguments:  # a redirect, a 404 or a 405 raised and is not remembered
            if len(self._routes) >= _MAX_ROUTES:
                self._routes.clear()
            self._routes[key] = rule
        return rule, arguments


def _decoded(value: str) -> str:
    """A WSGI string (UTF-8 bytes carried as Latin-1) as text, as werkzeug reads it."""
    return value.encode("latin1").decode(errors="replace")
