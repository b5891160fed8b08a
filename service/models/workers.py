"""Which model each worker runs, as the workers report it to Redis.

Every worker writes a short report (its loaded version, the version it was told to load,
any error loading it) each time it checks the active version; a report lapses a few
intervals after its worker stops. :func:`fleet_status` compares the reports with the
active pointer, for ``hedgerow models status`` and ``/readyz``.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from typing import Any

from model.versions import DEFAULT_VERSION
from service.store.redis_store import Store

# How long a worker may take to switch before it counts as lagging, by default.
DEFAULT_MAX_LAG = 10.0


def worker_id() -> str:
    """This process's name in the reports: ``hostname:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def report_ttl(check_interval: float) -> float:
    """How long a report outlives its worker's last check: three missed checks, plus 5 s."""
    return 3 * check_interval + 5


@dataclass(frozen=True)
class WorkerState:
    """One worker, judged against the active version."""

    worker: str
    loaded: str
    state: str  # "ok", "switching", "lagging" or "failed"
    behind: float | None = None  # seconds since the active version changed, if not on it
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {"worker": self.worker, "model": self.loaded, "state": self.state,
                "behind_seconds": None if self.behind is None else round(self.behind, 1),
                "error": self.error}


@dataclass(frozen=True)
class Fleet:
    """The active version and every live worker's state."""

    active: str
    active_since: float | None
    workers: list[WorkerState] = field(default_factory=list)

    def having(self, state: str) -> list[WorkerState]:
        """The workers in ``state``."""
        return [w for w in self.workers if w.state == state]

    @property
    def healthy(self) -> bool:
        """No worker is lagging or failed."""
        return not (self.having("lagging") or self.having("failed"))


def fleet_status(store: Store, max_lag: float = DEFAULT_MAX_LAG) -> Fleet:
    """Compare each live worker's report with the active version (Redis errors propagate).

    A worker on another version is ``failed`` when it reported an error loading the active
    one, ``lagging`` when the active version changed more than ``max_lag`` seconds ago,
    else ``switching``.
    """
    active = store.active_model() or DEFAULT_VERSION
    since = store.active_model_since()
    now = store.server_time()
    workers = []
    for report in store.worker_reports():
        loaded, error = str(report.get("loaded") or "?"), str(report.get("error") or "")
        if loaded == active:
            workers.append(WorkerState(report["worker"], loaded, "ok"))
            continue
        behind = None if since is None else max(0.0, now - since)
        if error and report.get("wanted") == active:
            state = "failed"
        elif behind is None or behind > max_lag:
            state = "lagging"
        else:
            state = "switching"
        workers.append(WorkerState(report["worker"], loaded, state, behind, error))
    return Fleet(active, since, workers)
