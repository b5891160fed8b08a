"""The hot paths' way to Redis: each thread's own connection, one round trip per call.

A command through the redis-py client takes a connection from its pool and gives it back
every time: a lock twice, observability counters and several wrapper layers. For the few
calls every request makes, :class:`Lane` keeps one connection per thread instead, made
(and connected, with its handshake) by redis-py with the client's options, and sends and
reads on its socket directly: commands packed by hiredis, replies parsed by a hiredis
reader of the thread's own. As the pool does, it checks that the server has not closed a
connection before using it, but only one idle for a second or more: a restart within a
second of a request costs the thread's next request an error, as it costs any request in
flight. The connection's retry policy is redis-py's, as through the client; an error on
the socket, or bytes that are not Redis's protocol, drop the connection and make a new
one. A forked process starts with none of its parent's connections.

A plain TCP or Unix-socket connection keeps its timeout in the kernel (``SO_RCVTIMEO``
and ``SO_SNDTIMEO`` on a blocking socket) rather than in Python: a Python socket with a
timeout polls before every send and receive, and each poll lets go of the GIL, which
under load means handing it to another thread and waiting to win it back. A server that
stops answering still fails the call after the same time (as a connection error).
TLS connections keep Python's timeout.
"""

from __future__ import annotations

import builtins
import os
import socket
import struct
import threading
import time
import weakref
from collections.abc import Sequence
from typing import Any

import hiredis
from redis.commands.core import Script
from redis.connection import (
    AbstractConnection,
    Connection,
    ConnectionPool,
    UnixDomainSocketConnection,
)
from redis.exceptions import ConnectionError, NoScriptError, ResponseError, TimeoutError

# A connection used within this many seconds is taken to be open without asking the
# socket (a system call per request under load); one idle longer is checked first.
IDLE_CHECK_SECONDS = 1.0
# What a reader answers while a reply is incomplete (no reply is this object).
_INCOMPLETE = object()


def wait_in_kernel(sock: socket.socket, timeout: float | None) -> None:
    """Make ``sock`` blocking, its send and receive limited to ``timeout`` seconds by the
    kernel (no limit for None)."""
    sock.settimeout(None)
    if timeout is None:
        return
    seconds, fraction = divmod(timeout, 1)
    # A zero timeval means "no limit" to the kernel: the shortest real limit is 1 µs.
    micros = int(fraction * 1_000_000) or (0 if seconds else 1)
    limit = struct.pack("ll", int(seconds), micros)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, limit)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, limit)


class _KernelTimeouts(AbstractConnection):
    """A connection whose socket waits in the kernel (see the module's docstring)."""

    socket_timeout: float | None

    def _connect(self) -> socket.socket:
        sock: socket.socket = super()._connect()  # type: ignore[safe-super]
        wait_in_kernel(sock, self.socket_timeout)
        return sock

    def can_read(self, timeout: float = 0) -> bool:
        # The parser polls with a Python timeout and puts the connection's back after.
        try:
            return super().can_read(timeout)
        finally:
            sock = self._sock
            if sock is not None:
                sock.settimeout(None)


class _KernelTimeoutConnection(_KernelTimeouts, Connection):
    """A TCP connection waiting in the kernel."""


class _KernelTimeoutUnixConnection(_KernelTimeouts, UnixDomainSocketConnection):
    """A Unix-socket connection waiting in the kernel."""


def _waiting_in_kernel(kind: type[AbstractConnection]) -> type[AbstractConnection]:
    """The kind of connection to make for a pool making ``kind``: plain TCP and Unix
    sockets wait in the kernel; anything else (TLS, a subclass) is made as the pool does."""
    if kind is Connection:
        return _KernelTimeoutConnection
    if kind is UnixDomainSocketConnection:
        return _KernelTimeoutUnixConnection
    return kind


class Wire:
    """One thread's connection, and the reader of the replies on its current socket."""

    def __init__(self, connection: AbstractConnection) -> None:
        self.connection = connection
        self.used = 0.0
        self._sock: socket.socket | None = None
        self._reader: Any = None
        self._buffer = bytearray(65536)

    def exchange(self, packed: bytes, count: int) -> list[Any]:
        """Send ``packed`` (``count`` commands) and read their ``count`` replies; error
        replies come back as :class:`hiredis.ReplyError` values, not raised."""
        connection = self.connection
        # The socket redis-py connected and greeted (AUTH, SELECT, the client's name);
        # only the I/O of each call goes past its layers.
        sock: socket.socket | None = connection._sock
        if sock is None:
            connection.connect()
            sock = connection._sock
            assert sock is not None
        if sock is not self._sock:  # a new socket: a fresh reader, nothing half read
            encoder = connection.encoder
            self._sock, self._reader = sock, hiredis.Reader(
                notEnoughData=_INCOMPLETE,
                **({"encoding": encoder.encoding, "errors": encoder.encoding_errors}
                   if encoder.decode_responses else {}))
        reader, buffer = self._reader, self._buffer
        replies: list[Any] = []
        try:
            sock.sendall(packed)
            while len(replies) < count:
                reply = reader.gets()
                if reply is not _INCOMPLETE:
                    replies.append(reply)
                    continue
                size = sock.recv_into(buffer)
                if not size:
                    raise ConnectionError("Connection closed by server.")
                reader.feed(buffer, 0, size)
        except builtins.TimeoutError as error:  # socket.timeout: a TLS socket's own limit
            raise TimeoutError(f"Timeout talking to Redis: {error}") from error
        except OSError as error:
            raise ConnectionError(f"Error talking to Redis: {error}") from error
        except hiredis.ProtocolError as error:  # not Redis speaking: start afresh
            raise ConnectionError(f"Unreadable reply from Redis: {error}") from error
        return replies


def _raised(reply: hiredis.ReplyError) -> ResponseError:
    """The redis-py error for an error reply (a script the server lacks, or any other)."""
    message = str(reply)
    if message.startswith("NOSCRIPT"):
        return NoScriptError(message)
    return ResponseError(message)


class Lane:
    """Commands, pipelines and scripts on the calling thread's own connection."""

    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool
        self._connection_class = _waiting_in_kernel(pool.connection_class)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[AbstractConnection] = []
        # A forked child must not share its parent's sockets: it forgets them (without
        # closing what the parent still uses) and makes its own.
        forget = weakref.WeakMethod(self._forget)
        os.register_at_fork(after_in_child=lambda: (method := forget()) and method())

    def _wire(self) -> Wire:
        local = self._local
        wire: Wire | None = getattr(local, "wire", None)
        if wire is None:
            connection = self._connection_class(**self._pool.connection_kwargs)
            with self._lock:
                self._connections.append(connection)
            wire = local.wire = Wire(connection)
        connection = wire.connection
        now = time.monotonic()
        if now - wire.used > IDLE_CHECK_SECONDS:
            try:
                # As the pool does before lending a connection: one the server closed while
                # it was idle (a restart, its idle timeout) is made again before it is used.
                if connection.can_read():
                    raise ConnectionError("Connection has data")
            except (ConnectionError, TimeoutError, OSError):
                connection.disconnect()
                connection.connect()
        wire.used = now
        return wire

    def _forget(self) -> None:
        self._lock = threading.Lock()
        self._connections = []
        self._local = threading.local()

    def pipeline(self, commands: Sequence[tuple[Any, ...]]) -> list[Any]:
        """Send ``commands`` together and return their replies, in order.

        A reply that is an error raises it, after every reply has been read (so the
        connection stays in step).
        """
        wire = self._wire()
        connection = wire.connection
        packed = b"".join([hiredis.pack_command(tuple(command)) for command in commands])
        replies: list[Any] = connection.retry.call_with_retry(
            lambda: wire.exchange(packed, len(commands)),
            lambda error: connection.disconnect())
        for reply in replies:
            if isinstance(reply, hiredis.ReplyError):
                raise _raised(reply)
        return replies

    def script(self, script: Script, keys: Sequence[Any], args: Sequence[Any]) -> Any:
        """Run a registered script (loading it first if this server does not have it)."""
        command = ("EVALSHA", script.sha, len(keys), *keys, *args)
        try:
            return self.pipeline([command])[0]
        except NoScriptError:
            script.sha = self.pipeline([("SCRIPT", "LOAD", script.script)])[0]
            return self.pipeline([("EVALSHA", script.sha, len(keys), *keys, *args)])[0]

    def close(self) -> None:
        """Close every connection this lane made."""
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            connection.disconnect()
        self._local = threading.local()
