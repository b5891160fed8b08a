"""The multi-worker server's housekeeping."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from service.web.server import METRICS_DIR_PREFIX, fresh_metrics_dir


def test_metrics_left_by_a_dead_server_are_removed_and_a_live_ones_kept() -> None:
    base = Path(tempfile.gettempdir())
    dead = Path(tempfile.mkdtemp(prefix=f"{METRICS_DIR_PREFIX}999999999-"))
    live = Path(tempfile.mkdtemp(prefix=f"{METRICS_DIR_PREFIX}{os.getppid()}-"))
    (dead / "counter_1.db").write_bytes(b"x")
    try:
        fresh = Path(fresh_metrics_dir())
        assert fresh.parent == base and fresh.name.startswith(f"{METRICS_DIR_PREFIX}{os.getpid()}-")
        assert not dead.exists() and live.exists() and fresh.is_dir()
    finally:
        for path in (live, fresh):
            path.rmdir()
