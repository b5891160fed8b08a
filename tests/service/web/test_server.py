"""The multi-worker server's housekeeping."""

from __future__ import annotations

import gc
import json
import os
import secrets
import subprocess
import sys
import tempfile
import weakref
from pathlib import Path

from service.web.server import METRICS_DIR_PREFIX, fresh_metrics_dir
from service.web.state import AppState


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


# Run in a process of its own: freezing the collector's objects is for the whole process.
_STARTUP = """
import gc, json, sys
from service import config
from service.web.server import HedgerowServer, preload

preload()
after_imports = gc.get_freeze_count()
server = HedgerowServer.__new__(HedgerowServer)  # its load() alone, as a worker runs it
server.settings = config.load(overrides={"REDIS_URL": sys.argv[1], "DATA_DIR": sys.argv[2],
                                         "SECRET_KEY": [sys.argv[3]]})
app = server.load()
print(json.dumps([after_imports, gc.get_freeze_count(), gc.isenabled()]))
app.extensions["hedgerow"].close()
"""


def test_what_the_master_imports_and_a_worker_builds_is_set_aside_for_the_collector(
        redis_url: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _STARTUP, redis_url, str(tmp_path), secrets.token_urlsafe(48)],
        capture_output=True, text=True, timeout=120, check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("HEDGEROW_")})
    assert done.returncode == 0, done.stderr[-2000:]
    after_imports, after_load, collecting = json.loads(done.stdout.splitlines()[-1])
    # The imports, then the app and its model, frozen; collection itself stays on.
    assert 10_000 < after_imports < after_load and collecting


def test_a_model_let_go_of_is_freed_without_the_collector(state: AppState) -> None:
    # A worker's first model is frozen with the rest of its startup objects, which the
    # collector never frees: when a new version replaces it, the old one must go by
    # reference counting alone, so it must hold no reference cycle.
    loaded = state.models.current()
    loaded.score({"comment_content": "Thanks, see https://example.org/hedges"})
    gone = weakref.ref(loaded)
    gc.collect()
    gc.disable()
    try:
        state.models._model = None
        del loaded
        assert gone() is None
    finally:
        gc.enable()
