"""The hot paths' way to Redis: each thread's own connection, one round trip per call.

A command through the redis-py client takes a connection from its pool and gives it back
every time: a lock twice, observability counters and several wrapper layers. For the few
calls every request makes, :class:`Lane` keeps one connection per thread instead, made by
the pool with the client's options, and sends on it directly. As the pool does, it checks
that the server has not closed a connection before using it, but only one idle for a
second or more: a restart within a second of a request costs the thread's next request an
error, as it costs any request in flight. The connection's own retry policy, health check
and error handling are redis-py's, as they are through the client. A forked process
starts with none of its parent's connections.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Sequence
from typing import Any

from redis.commands.core import Script
from redis.connection import AbstractConnection, ConnectionPool
from redis.exceptions import ConnectionError, NoScriptError, ResponseError, TimeoutError

# A connection used within this many seconds is taken to be open without asking the
# socket (a system call per request under load); one idle longer is checked first.
IDLE_CHECK_SECONDS = 1.0


class Lane:
    """Commands, pipelines and scripts on the calling thread's own connection."""

    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[AbstractConnection] = []
        # A forked child must not share its parent's sockets: it forgets them (without
        # closing what the parent still uses) and makes its own.
        forget = weakref.WeakMethod(self._forget)
        os.register_at_fork(after_in_child=lambda: (method := forget()) and method())

    def _connection(self) -> AbstractConnection:
        local = self._local
        connection: AbstractConnection | None = getattr(local, "connection", None)
        if connection is None:
            connection = self._pool.connection_class(**self._pool.connection_kwargs)
            with self._lock:
                self._connections.append(connection)
            local.connection = connection
            local.used = 0.0
        now = time.monotonic()
        if now - local.used > IDLE_CHECK_SECONDS:
            try:
                # As the pool does before lending a connection: one the server closed while
                # it was idle (a restart, its idle timeout) is made again before it is used.
                if connection.can_read():
                    raise ConnectionError("Connection has data")
            except (ConnectionError, TimeoutError, OSError):
                connection.disconnect()
                connection.connect()
        local.used = now
        return connection

    def _forget(self) -> None:
        self._lock = threading.Lock()
        self._connections = []
        self._local = threading.local()

    def pipeline(self, commands: Sequence[tuple[Any, ...]]) -> list[Any]:
        """Send ``commands`` together and return their replies, in order.

        A reply that is an error raises it, after every reply has been read (so the
        connection stays in step).
        """
        connection = self._connection()
        packed = connection.pack_commands(commands)

        def send_and_read() -> list[Any]:
            connection.send_packed_command(packed)
            replies: list[Any] = []
            for _ in commands:
                try:
                    replies.append(connection.read_response())
                except ResponseError as error:
                    replies.append(error)
            return replies

        replies = connection.retry.call_with_retry(
            send_and_read, lambda error: connection.disconnect())
        for reply in replies:
            if isinstance(reply, ResponseError):
                raise reply
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
