"""Waiting for something that becomes true a moment later (another process, a cache)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(check: Callable[[], T], timeout: float = 15) -> T:
    """Poll ``check`` until it returns something truthy, or ``timeout`` seconds pass;
    its last answer either way."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)
