"""Running the app under gunicorn: N worker processes behind one port.

The master is handed a socket already bound (so a port in use is an error before anything
is announced) and the validated settings (workers inherit them by fork; nothing is passed
through the environment). SIGTERM is gunicorn's graceful stop: workers finish the requests
they hold, up to ``GRACEFUL_TIMEOUT`` seconds, then exit.
"""

from __future__ import annotations

import gc
import getpass
import os
import shutil
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

from service.config import Settings
from service.web import metrics
from service.web.worker import HedgerowWorker

GRACEFUL_TIMEOUT = 20
# The connections one worker holds at once (in requests and kept alive). Clients that
# keep their connections open (a proxy's pool of upstream connections, a load tester)
# open them in a burst, and one worker's accept loop can win all of them, leaving the
# other workers idle for as long as the connections live; a worker that holds this many
# stops accepting, so the others take the rest. Beyond it, connections wait in the
# listen queue (of 2,048) until one is answered or its keep-alive ends.
WORKER_CONNECTIONS = 16
METRICS_DIR_PREFIX = "hedgerow-metrics-"


class HedgerowServer(BaseApplication):
    """Gunicorn, configured in code, building the app in each worker."""

    def __init__(self, options: dict[str, Any], config: Settings) -> None:
        self.options = options
        self.settings = config
        super().__init__()

    def load_config(self) -> None:
        """Apply our options to gunicorn's settings."""
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        """Build the app (runs in each worker after fork, so Redis pools are per process)."""
        from service import create_app

        app = create_app(config=self.settings)
        # Load the spam model before taking traffic, so no request pays for it.
        models = app.extensions["hedgerow"].models
        models.current()
        metrics.metrics_of(app).note_model(models.loaded_version)
        settle()
        return app


def _worker_exit(server: Any, worker: Any) -> None:
    """Stop the worker's model watcher, withdrawing its report from `models status`."""
    app = getattr(worker, "wsgi", None)
    app_state = getattr(app, "extensions", {}).get("hedgerow")
    if app_state is not None:
        app_state.models.close()


def _child_exit(server: Any, worker: Any) -> None:
    """Drop a dead worker's live gauges from the shared metrics."""
    metrics.worker_gone(worker.pid)


def fresh_metrics_dir() -> str:
    """A new directory for this server's metrics files, named for its pid; those left by
    servers that died without cleaning up (``kill -9``) are removed first."""
    base = Path(tempfile.gettempdir())
    for old in base.glob(f"{METRICS_DIR_PREFIX}*"):
        pid = old.name.removeprefix(METRICS_DIR_PREFIX).split("-", 1)[0]
        if pid.isdigit() and old.owner() == getpass.getuser() and not _running(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    return tempfile.mkdtemp(prefix=f"{METRICS_DIR_PREFIX}{os.getpid()}-")


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def preload() -> None:
    """Import, in the master, what every worker imports, so that the forked workers share
    those pages instead of each building its own copy of NumPy, the scorer and the app."""
    import model.scorer  # noqa: F401  (NumPy; scikit-learn only if a model needs it)
    import service.api.akismet  # noqa: F401
    import service.api.captcha  # noqa: F401
    import service.api.comments  # noqa: F401
    import service.api.demo  # noqa: F401
    import service.api.health  # noqa: F401
    import service.api.openapi  # noqa: F401
    import service.api.siteverify  # noqa: F401
    import service.api.widget  # noqa: F401

    settle()


def settle() -> None:
    """Set aside, for the garbage collector, every object made so far.

    What the master imports and a worker builds before it serves (modules, the app, the
    model) lives as long as the process. Left to the collector, each of its full passes
    walks all of it, a pause in which the worker answers nothing, and writes to every
    page it reads, which in a worker unshares the pages the master's imports left it.
    Frozen, they are never walked. Objects that become unreachable are still freed when
    nothing refers to them: a model replaced by a new version holds no reference cycle
    (``tests/service/web/test_server.py``).
    """
    gc.collect()
    gc.freeze()


def run(
    config: Settings,
    listener: socket.socket,
    workers: int,
    threads: int,
    on_ready: Callable[[], None] | None = None,
) -> None:
    """Serve on ``listener`` until stopped (SIGTERM: gracefully; SIGINT: at once)."""
    metrics_dir = fresh_metrics_dir()
    preload()
    metrics.use_multiprocess_dir(metrics_dir)
    try:
        HedgerowServer(
            {
                "bind": f"fd://{listener.fileno()}",
                "workers": workers,
                "worker_class": HedgerowWorker,
                "threads": threads,
                "worker_connections": WORKER_CONNECTIONS,
                "timeout": 30,
                "graceful_timeout": GRACEFUL_TIMEOUT,
                "keepalive": 5,
                "limit_request_line": 8190,
                "limit_request_fields": 100,
                "loglevel": "warning",
                "errorlog": "-",
                "worker_exit": _worker_exit,
                "child_exit": _child_exit,
                "when_ready": lambda server: on_ready() if on_ready else None,
            },
            config,
        ).run()
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)
