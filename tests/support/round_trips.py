"""Counting the round trips one thread makes to Redis, whichever client makes them.

Every request redis-py sends, a lone command or a whole pipeline, leaves through one
``send_packed_command`` of a connection, and every request of the hot paths' lane through
one ``exchange`` of its wire; the counter wraps both methods and passes each call on
unchanged, so Redis answers as it always does. Only the thread that opened the
counter is counted: background threads (the model watcher) keep their own pace.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from redis.connection import AbstractConnection

from service.store.lane import Wire


class RoundTrips:
    """How many requests went to Redis since the counter was made or last reset."""

    def __init__(self) -> None:
        self.count = 0

    def reset(self) -> None:
        """Start counting again from zero."""
        self.count = 0


@contextmanager
def counting_round_trips() -> Iterator[RoundTrips]:
    """Count every round trip to Redis this thread makes while the block runs."""
    counter = RoundTrips()
    original = AbstractConnection.send_packed_command
    original_exchange = Wire.exchange
    thread = threading.get_ident()

    def counted(self: AbstractConnection, command: Any, check_health: bool = True) -> None:
        if threading.get_ident() == thread:
            counter.count += 1
        original(self, command, check_health)

    def counted_exchange(self: Wire, packed: bytes, count: int) -> list[Any]:
        if threading.get_ident() == thread:
            counter.count += 1
        return original_exchange(self, packed, count)

    AbstractConnection.send_packed_command = counted  # type: ignore[method-assign]
    Wire.exchange = counted_exchange  # type: ignore[method-assign]
    try:
        yield counter
    finally:
        AbstractConnection.send_packed_command = original  # type: ignore[method-assign]
        Wire.exchange = original_exchange  # type: ignore[method-assign]
