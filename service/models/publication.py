"""Model versions travel through Redis, so replicas on other machines can load them too.

The active version is a pointer in Redis that every worker and replica follows.
Promotion publishes the version's files (``model.skops`` and ``manifest.json``) to
Redis; a worker that does not have the version on its own disk fetches them into its
data directory before loading. Loading still checks the file's SHA-256 against the
manifest and the trusted types, so what comes out of Redis is held to the same rules as
a file trained on this machine.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from model.artifact import MANIFEST_FILE, MODEL_FILE
from service.store.redis_store import Store

SHARED_FILES = (MODEL_FILE, MANIFEST_FILE)


def publish(store: Store, version: str, directory: Path) -> None:
    """Copy a version's files into Redis."""
    store.put_artifact(version, {name: (directory / name).read_bytes() for name in SHARED_FILES})


def fetch(store: Store, version: str, root: Path) -> Path | None:
    """Write a published version into ``root/version``; None when Redis has no copy."""
    files = store.get_artifact(version)
    if files is None or set(files) != set(SHARED_FILES):
        return None
    root.mkdir(parents=True, exist_ok=True)
    target = root / version
    staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=root))
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        # A rename is atomic: other workers see the whole directory or none of it.
        os.rename(staging, target)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not (target / MANIFEST_FILE).is_file():
            raise
    return target


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
