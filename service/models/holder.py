"""The spam model each worker scores with, switched live when another is promoted.

The active version lives in Redis, so a promotion reaches every worker of every
replica. Each worker runs a watcher thread (started on first use, so after gunicorn's
fork) that reads the active version every ``check_interval`` seconds, loads a new one
while requests go on with the old one, swaps it in with one assignment, and reports
what it runs to Redis. Idle workers switch as fast as busy ones.

A version that cannot be loaded (unknown, unsigned, badly signed, damaged) is refused:
the worker keeps its model, logs one line, counts it (``model_refused`` on
``/metrics``), reports the error, and tries again after ``RETRY_AFTER_FAILURE``.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from redis.exceptions import RedisError

from model.errors import ModelError
from model.versions import DEFAULT_VERSION, check_version_name
from service.models.workers import report_ttl, worker_id
from service.spam.decision import SpamModel
from service.store.redis_store import Store

log = logging.getLogger(__name__)

RETRY_AFTER_FAILURE = 30.0
# The watcher never polls faster than this, whatever the configured interval.
MIN_INTERVAL = 0.2

Loader = Callable[[str], SpamModel]


class ModelHolder:
    """Holds the loaded model and follows the active version in Redis."""

    def __init__(self, store: Store, load: Loader, check_interval: float = 1.0) -> None:
        self.store = store
        self.load = load
        self.check_interval = max(float(check_interval), MIN_INTERVAL)
        self._model: SpamModel | None = None
        self._loaded = DEFAULT_VERSION
        self._loaded_at = 0.0
        self._lock = threading.Lock()
        self._failed: dict[str, float] = {}  # version → when to try it again
        self._errors: dict[str, str] = {}  # version → why it was refused
        self._stop = threading.Event()
        self._watcher_pid = 0
        self._watcher: threading.Thread | None = None
        self.worker = worker_id()

    @property
    def loaded_version(self) -> str:
        """The version this worker scores with."""
        return self._loaded

    def current(self) -> SpamModel:
        """The model to score with now (the first call loads one and starts the watcher)."""
        model = self._model
        if model is None:
            with self._lock:
                if self._model is None:
                    self._first_load()
            model = self._model
            assert model is not None
        self._ensure_watcher()
        return model

    def _first_load(self) -> None:
        """Load the active version, else the shipped one (whose failure is raised)."""
        wanted = self._wanted()
        if wanted is not None and wanted != DEFAULT_VERSION:
            try:
                self._set(self._load(wanted), wanted)
                return
            except Exception as exc:  # A bad artifact must never take scoring down with it.
                self._note_failure(wanted, exc)
        self._set(self.load(DEFAULT_VERSION), DEFAULT_VERSION)

    def _load(self, version: str) -> SpamModel:
        # The pointer is in Redis, which an attacker may write to: check the name first.
        return self.load(check_version_name(version, allow_default=True))

    def _set(self, model: SpamModel, version: str) -> None:
        self._model, self._loaded, self._loaded_at = model, version, time.time()
        self._failed.pop(version, None)
        self._errors.pop(version, None)

    def _wanted(self) -> str | None:
        """The active version as Redis has it (unchecked); None when Redis cannot say."""
        try:
            return self.store.active_model() or DEFAULT_VERSION
        except RedisError:
            return None  # Keep scoring with what we have; outages are reported elsewhere.

    def check_now(self) -> None:
        """Follow the active version once: swap in a newly promoted one, then report."""
        wanted = self._wanted()
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._first_load()
        elif (wanted is not None and wanted != self._loaded
              and time.monotonic() >= self._failed.get(wanted, 0.0)):
            try:
                model = self._load(wanted)
            except Exception as exc:  # A bad artifact must never take scoring down with it.
                self._note_failure(wanted, exc)
            else:
                with self._lock:
                    self._set(model, wanted)
                log.info("now scoring with model %s", wanted)
        self._report(wanted)

    def _note_failure(self, version: str, exc: Exception) -> None:
        """Remember, log once and count a refused version."""
        if len(self._errors) > 100:  # Crafted names, one after another: forget the old ones.
            self._errors.clear()
            self._failed.clear()
        self._failed[version] = time.monotonic() + RETRY_AFTER_FAILURE
        message = str(exc) if isinstance(exc, ModelError) else f"{type(exc).__name__}: {exc}"
        if self._errors.get(version) == message:
            return  # Retried and refused for the same reason: already logged and counted.
        self._errors[version] = message
        if isinstance(exc, ModelError):
            log.error("refused model %r, keeping %s: %s", version[:100], self._loaded, message)
        else:
            log.error("could not load model %r, keeping %s", version[:100], self._loaded,
                      exc_info=exc)
        try:
            self.store.count("model_refused" if isinstance(exc, ModelError)
                             else "model_load_failed")
        except RedisError:
            pass

    def _report(self, wanted: str | None) -> None:
        error = self._errors.get(wanted, "") if wanted and wanted != self._loaded else ""
        report = {"loaded": self._loaded, "wanted": wanted and wanted[:200], "error": error,
                  "loaded_at": round(self._loaded_at, 3), "reported_at": round(time.time(), 3),
                  "check_interval": self.check_interval}
        try:
            self.store.report_worker(self.worker, report, report_ttl(self.check_interval))
        except RedisError:
            pass

    def _ensure_watcher(self) -> None:
        pid = os.getpid()
        if self._watcher_pid == pid or self._stop.is_set():
            return
        with self._lock:
            if self._watcher_pid == pid:
                return
            # A forked child inherits the parent's object but not its thread: start its own.
            self._watcher_pid, self.worker = pid, worker_id()
            self._watcher = threading.Thread(target=self._watch, name="hedgerow-model-watcher",
                                             daemon=True)
            self._watcher.start()

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                self.check_now()
            except Exception:  # The watcher must outlive any surprise, or the worker lags.
                log.exception("model watcher: unexpected error")
            self._stop.wait(self.check_interval)

    def close(self) -> None:
        """Stop the watcher and withdraw this worker's report."""
        self._stop.set()
        watcher = self._watcher
        if watcher is not None and watcher.is_alive() and watcher is not threading.current_thread():
            watcher.join(timeout=5)
            try:
                self.store.drop_worker(self.worker)
            except RedisError:
                pass
