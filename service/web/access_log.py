"""Request ids and one JSON access line per request.

A request keeps the ``X-Request-Id`` its client (or the proxy in front) sent when that is
a sane token, else gets a fresh one; either way the response carries it back, and the
access line names it. The line holds no secrets, no query string, no body and no client
address: the client appears as the keyed pseudonym of its network that rate limits use.

Lines are written as they come while a process is quiet; when they come faster than one
per :data:`GATHER_SECONDS`, the ones within that time leave together, in writes of whole
lines of at most ``PIPE_BUF`` bytes (:class:`LineWriter`): the kernel writes no more than
that to a pipe in one piece, and a container's or a service manager's stderr is a pipe
that every worker writes to, so a longer write could be cut by another worker's lines.
A ``write`` lets go of the GIL, and under load each release hands it to another thread
and waits to win it back: one per request was measurable. The cost is that a worker
killed outright (``SIGKILL``) loses at most that long's lines; an exit of any other kind
writes them first.
"""

from __future__ import annotations

import atexit
import functools
import json
import math
import os
import re
import select
import sys
import threading
import time
import weakref
from json.encoder import encode_basestring_ascii as _quoted
from typing import Any

from flask import Request, Response

from service import randomness

HEADER = "X-Request-Id"
# How long lines that come close together are gathered before they are written.
GATHER_SECONDS = 0.05
# Gathered lines past this many characters are written at once, without waiting.
GATHER_LIMIT = 64 * 1024
_SANE_ID = re.compile(r"[A-Za-z0-9._:+=/-]{8,128}")


def request_id_from(sent: str | None) -> str:
    """The id to use for a request whose client sent ``sent``: 32 random hex digits
    unless it sent a sane one."""
    if sent and _SANE_ID.fullmatch(sent):
        return sent
    return randomness.token_hex(16)


def write_line(line: str) -> None:
    """Write one line to whatever ``sys.stderr`` is now (it may be replaced), at once.

    One ``write`` per line, without the logging machinery: stderr is line-buffered, so the
    line leaves whole.
    """
    try:
        sys.stderr.write(line + "\n")
    except (OSError, ValueError):  # A closed or broken stream must not fail the request.
        pass


def pieces(lines: list[str], limit: int = select.PIPE_BUF) -> list[str]:
    """``lines`` joined into as few pieces as keep each, with its final newline, within
    ``limit`` bytes (a longer line is a piece alone). Access lines are ASCII."""
    found: list[str] = []
    piece: list[str] = []
    size = 0
    for line in lines:
        if piece and size + len(line) + 1 > limit:
            found.append("\n".join(piece))
            piece, size = [], 0
        piece.append(line)
        size += len(line) + 1
    if piece:
        found.append("\n".join(piece))
    return found


class LineWriter:
    """Writes lines to stderr at once when they are rare, gathered when they are not.

    A line that comes :data:`GATHER_SECONDS` or more after the last write is written at
    once. One that comes sooner joins the gathered lines, which a thread of this writer
    writes together (in order, in writes of whole lines within ``PIPE_BUF`` bytes) that
    long after the first of them, or
    at once when they pass :data:`GATHER_LIMIT` characters. Gathered lines are written
    before the process exits, and a forked child starts with none of its parent's.
    """

    def __init__(self, gather_seconds: float = GATHER_SECONDS,
                 gather_limit: int = GATHER_LIMIT) -> None:
        self.gather_seconds = gather_seconds
        self.gather_limit = gather_limit
        self._reset()
        reset, flush = weakref.WeakMethod(self._reset), weakref.WeakMethod(self.flush)
        os.register_at_fork(after_in_child=lambda: (method := reset()) and method())
        atexit.register(lambda: (method := flush()) and method())

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._lines: list[str] = []
        self._size = 0
        self._last_write = 0.0
        self._due = threading.Event()
        self._thread: threading.Thread | None = None

    def write(self, line: str) -> None:
        """Write ``line`` now, or gather it (see the class)."""
        now = time.monotonic()
        with self._lock:
            at_once = not self._lines and now - self._last_write >= self.gather_seconds
            if at_once:
                self._last_write = now
            else:
                self._lines.append(line)
                self._size += len(line)
                if len(self._lines) == 1:
                    self._wake()
            full = self._size >= self.gather_limit
        if at_once:
            write_line(line)
        elif full:
            self.flush()

    def flush(self) -> None:
        """Write the gathered lines now, in writes of at most ``PIPE_BUF`` bytes."""
        with self._lock:
            lines, self._lines, self._size = self._lines, [], 0
            self._last_write = time.monotonic()
        for piece in pieces(lines):
            write_line(piece)

    def _wake(self) -> None:
        """Have the gathering thread write the lines in a moment (called holding the lock)."""
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._gather, name="access-log",
                                            daemon=True)
            self._thread.start()
        self._due.set()

    def _gather(self) -> None:
        due = self._due
        while True:
            due.wait()
            due.clear()
            time.sleep(self.gather_seconds)
            self.flush()


@functools.cache
def writer() -> LineWriter:
    """This process's writer of access lines (made on first use: stderr is one stream)."""
    return LineWriter()


class Clock:
    """The access line's UTC timestamp, formatted once a second rather than per request,
    and the process id (read once: the app is built in the worker that serves it)."""

    def __init__(self) -> None:
        self._second = -1
        self._text = ""
        self.pid = os.getpid()

    def now(self) -> str:
        second = int(time.time())
        if second != self._second:
            self._text = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second))
            self._second = second
        return self._text


def line(clock: Clock, req: Request, ctx_globals: Any, response: Response,
         request_id: str, seconds: float | None) -> str:
    """The access line of one answered request, as one line of JSON."""
    rule = req.url_rule
    return render_line(
        clock.now(), request_id, req.method, req.path[:200],
        rule.rule if rule is not None else None, response.status_code,
        round(seconds * 1000, 2) if seconds is not None else None,
        response.calculate_content_length(), ctx_globals.get("hedgerow_client"),
        ctx_globals.get("hedgerow_sitekey"), clock.pid,
    )


def render_line(ts: str, request_id: str, method: str, path: str, endpoint: str | None,
                status: int, ms: float | None, size: int | None, client: Any, site: Any,
                pid: int) -> str:
    """The access line's JSON: the bytes ``json.dumps`` writes for the same object
    (compact, ASCII), put together directly rather than through an encoder."""
    return (f'{{"ts":{_quoted(ts)},"request_id":{_quoted(request_id)},'
            f'"method":{_quoted(method)},"path":{_quoted(path)},"endpoint":{_json(endpoint)},'
            f'"status":{_json(status)},"ms":{_json(ms)},"bytes":{_json(size)},'
            f'"client":{_json(client)},"site":{_json(site)},"pid":{_json(pid)}}}')


def _json(value: Any) -> str:
    """``value`` as ``json.dumps`` writes it."""
    if value is None:
        return "null"
    kind = type(value)
    if kind is str:
        return _quoted(value)
    if kind is int or (kind is float and math.isfinite(value)):
        return repr(value)
    return json.dumps(value, default=str)
