"""Running the app under gunicorn: N worker processes behind one port."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


class HedgerowServer(BaseApplication):
    """Gunicorn, configured in code, building the app in each worker."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        """Apply our options to gunicorn's settings."""
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        """Build the app (runs in each worker after fork, so Redis pools are per process)."""
        from service import create_app

        app = create_app()
        # Load the spam model before taking traffic, so no request pays for it.
        app.extensions["hedgerow"].models.current()
        return app


def _worker_exit(server: Any, worker: Any) -> None:
    """Stop the worker's model watcher, withdrawing its report from `models status`."""
    app = getattr(worker, "wsgi", None)
    app_state = getattr(app, "extensions", {}).get("hedgerow")
    if app_state is not None:
        app_state.models.close()


def run(host: str, port: int, workers: int, threads: int = 4) -> None:
    """Serve until interrupted."""
    HedgerowServer(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": threads,
            "timeout": 30,
            "graceful_timeout": 10,
            "keepalive": 5,
            "limit_request_line": 8190,
            "limit_request_fields": 100,
            "loglevel": "warning",
            "errorlog": "-",
            "worker_exit": _worker_exit,
        }
    ).run()
