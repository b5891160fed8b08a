"""The active model version, kept in Redis where every worker of every replica reads it."""

from __future__ import annotations

from model.versions import DEFAULT_VERSION, check_version_name
from service.store.redis_store import Store


class RedisPointer:
    """An ``ActivePointer`` (see :mod:`model.registry`) stored in Redis.

    Names read back are checked, so a crafted pointer fails here rather than in a path.
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self) -> str | None:
        """The active version, or None when nothing was promoted."""
        value = self.store.active_model()
        return None if value is None else check_version_name(value, allow_default=True)

    def set(self, version: str) -> None:
        """Make ``version`` active, remembering the one it replaces."""
        self.store.set_active_model(check_version_name(version, allow_default=True),
                                    DEFAULT_VERSION)

    def rollback(self) -> str | None:
        """Reactivate the previous version and return it (None: nothing to go back to)."""
        version = self.store.rollback_model()
        return None if version is None else check_version_name(version, allow_default=True)

    def history(self) -> list[str]:
        """Versions active before the current one, most recent first."""
        return [check_version_name(v, allow_default=True) for v in self.store.model_history()]
