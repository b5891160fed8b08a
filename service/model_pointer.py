"""The active model version, kept in Redis so that every worker and replica follows it."""

from __future__ import annotations

from service.store import Store


class RedisPointer:
    """An ``ActivePointer`` (see :mod:`model.registry`) stored in Redis."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self) -> str | None:
        """The active version, or None when nothing was promoted."""
        return self.store.active_model()

    def set(self, version: str) -> None:
        """Make ``version`` active, remembering the one it replaces."""
        self.store.set_active_model(version)

    def rollback(self) -> str | None:
        """Reactivate the previous version and return it (None: nothing to go back to)."""
        return self.store.rollback_model()

    def history(self) -> list[str]:
        """Versions active before the current one, most recent first."""
        return self.store.model_history()
