"""Model versions travel through Redis, so replicas on other machines can load them too.

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
from service.store import Store

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
