"""The spam model each worker scores with, switched live when another is promoted.

The active version lives in Redis, so a promotion reaches every worker of every
replica. Each worker looks at most once per ``check_interval`` seconds; a new version
is loaded in a background thread while requests go on with the old one, then swapped
in one assignment — no restart, no failed request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from redis.exceptions import RedisError

from service.spam.decision import SpamModel
from service.store.redis_store import Store

log = logging.getLogger(__name__)

RETRY_AFTER_FAILURE = 30.0
DEFAULT_VERSION = "default"

Loader = Callable[[str], SpamModel]


class ModelHolder:
    """Holds the loaded model and follows the active version in Redis."""

    def __init__(self, store: Store, load: Loader, check_interval: float = 1.0) -> None:
        self.store = store
        self.load = load
        self.check_interval = check_interval
        self._model: SpamModel | None = None
        self._loaded = DEFAULT_VERSION
        self._lock = threading.Lock()
        self._next_check = 0.0
        self._loading: str | None = None
        self._failed: dict[str, float] = {}

    @property
    def wanted_version(self) -> str:
        """The version Redis says is active (``default``: the shipped model)."""
        return self.store.active_model() or DEFAULT_VERSION

    def current(self) -> SpamModel:
        """The model to score with now; notices promotions within ``check_interval``."""
        now = time.monotonic()
        if now >= self._next_check:
            self._next_check = now + self.check_interval
            self._follow()
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self.load(self._loaded)
        return self._model

    def _follow(self) -> None:
        try:
            wanted = self.wanted_version
        except RedisError:
            return  # Keep scoring with what we have; Redis outages are reported elsewhere.
        if wanted == self._loaded or wanted == self._loading:
            return
        if time.monotonic() < self._failed.get(wanted, 0.0):
            return
        if self._model is None:
            self._swap_in(wanted)
            return
        self._loading = wanted
        threading.Thread(target=self._swap_in, args=(wanted,), daemon=True).start()

    def _swap_in(self, version: str) -> None:
        try:
            model = self.load(version)
        except Exception:  # A bad artifact must never take scoring down with it.
            log.exception("could not load model %s; keeping %s", version, self._loaded)
            self._failed[version] = time.monotonic() + RETRY_AFTER_FAILURE
            self._loading = None
            return
        with self._lock:
            self._model, self._loaded = model, version
        self._loading = None
        log.info("now scoring with model %s", model.version)
