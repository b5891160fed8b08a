"""Model versions travel through Redis, so replicas on other machines can load them too.

The active version is a pointer in Redis that every worker and replica follows.
Promotion publishes the version's files (``model.skops``, ``scorer.npz`` when the
version has one, and ``manifest.json``) to Redis; a worker that does not have the version
on its own disk fetches them.

Whoever can write to Redis can write there too, so nothing from Redis is trusted for
being there: the version's name is checked before it is used in a path, and the
manifest's signature (made with a key derived from ``HEDGEROW_SECRET_KEY``, which Redis
never sees), its version and the SHA-256 of the model file and of ``scorer.npz`` are
checked before a byte is written to disk. Loading then checks ``scorer.npz``'s entries
(or, for a version without one, the model file's trusted types) as for any other file.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.artifact import (
    MANIFEST_FILE,
    MODEL_FILE,
    check_manifest,
    parse_manifest,
    sha256_bytes,
)
from model.errors import ArtifactError
from model.numbers import SCORER_FILE
from model.versions import check_version_name
from service.models.pointer import RedisPointer
from service.store.redis_store import Store

__all__ = ["PUBLISHED_KEEP", "Fetched", "RedisPointer", "fetch", "prune", "publish"]

log = logging.getLogger(__name__)

SHARED_FILES = (MODEL_FILE, MANIFEST_FILE)
# Published with the others when the manifest names it (versions saved before it existed
# have none).
SCORER_FILES = (SCORER_FILE,)
# Published copies kept in Redis after a promotion (besides the active one); older ones
# are dropped, and with them the chance to roll back to them. About 7.6 MB each.
PUBLISHED_KEEP = 5


@dataclass(frozen=True)
class Fetched:
    """A published version, verified: its manifest, the model file's bytes, where it went,
    and ``scorer.npz``'s bytes (None for a version without one)."""

    manifest: dict[str, Any]
    payload: bytes
    directory: Path
    written: bool
    scorer: bytes | None = None


def publish(store: Store, version: str, directory: Path, signing_keys: Sequence[bytes]) -> None:
    """Copy a signed version's files into Redis; an unsigned or altered one is refused."""
    check_version_name(version)
    manifest_raw = (directory / MANIFEST_FILE).read_bytes()
    manifest = parse_manifest(manifest_raw, directory / MANIFEST_FILE)
    check_manifest(manifest, directory / MANIFEST_FILE, signing_keys=signing_keys,
                   version=version)
    if manifest["model_file"] != MODEL_FILE:
        raise ArtifactError(f"{directory}: only artifacts whose model file is {MODEL_FILE} "
                            "can be published")
    files = {MODEL_FILE: (directory / MODEL_FILE).read_bytes(), MANIFEST_FILE: manifest_raw}
    if "scorer_file" in manifest:
        if manifest["scorer_file"] != SCORER_FILE:
            raise ArtifactError(f"{directory}: only artifacts whose scorer file is "
                                f"{SCORER_FILE} can be published")
        files[SCORER_FILE] = (directory / SCORER_FILE).read_bytes()
    for name, field in ((MODEL_FILE, "model_sha256"), (SCORER_FILE, "scorer_sha256")):
        if name in files and sha256_bytes(files[name]) != manifest[field]:
            raise ArtifactError(f"{directory / name} does not match the SHA-256 in its "
                                "manifest; refusing to publish it")
    store.put_artifact(version, files)


def fetch(store: Store, version: str, root: Path,
          signing_keys: Sequence[bytes]) -> Fetched | None:
    """Verify a published version and keep a copy in ``root/version``; None: not published.

    Raises :class:`ArtifactError` (or ``RegistryError`` for a bad name) when the copy
    cannot be trusted; nothing is written then. Failing to write the copy is not an
    error: the verified bytes are returned for loading from memory.
    """
    check_version_name(version)  # 'default' is the package's: never taken from Redis
    try:
        files = store.get_artifact(version)
    except ValueError:
        raise ArtifactError(f"the published copy of {version} is not base64") from None
    if files is None:
        return None
    where = Path(f"published:{version}") / MANIFEST_FILE
    if not set(SHARED_FILES) <= set(files) <= set(SHARED_FILES + SCORER_FILES):
        raise ArtifactError(f"the published copy of {version} holds {sorted(files)}, "
                            f"not {list(SHARED_FILES)} (and {SCORER_FILE}); refusing it")
    manifest = parse_manifest(files[MANIFEST_FILE], where)
    check_manifest(manifest, where, signing_keys=signing_keys, version=version)
    payload, scorer = files[MODEL_FILE], files.get(SCORER_FILE)
    if manifest["model_file"] != MODEL_FILE or sha256_bytes(payload) != manifest["model_sha256"]:
        raise ArtifactError(f"the published model file of {version} does not match its signed "
                            "manifest; refusing it")
    if "scorer_file" in manifest:
        if manifest["scorer_file"] != SCORER_FILE or scorer is None \
                or sha256_bytes(scorer) != manifest["scorer_sha256"]:
            raise ArtifactError(f"the published scorer file of {version} does not match its "
                                "signed manifest; refusing it")
    elif scorer is not None:
        raise ArtifactError(f"the published copy of {version} holds a {SCORER_FILE} its "
                            "signed manifest does not name; refusing it")
    target = root / version
    written = _write_copy(root, target, files)
    return Fetched(manifest, payload, target, written, scorer)


def _write_copy(root: Path, target: Path, files: dict[str, bytes]) -> bool:
    try:
        root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=root))
    except OSError as exc:
        log.warning("cannot keep a copy of model %s in %s (%s); loading it from memory",
                    target.name, root, exc)
        return False
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        # A rename is atomic: other workers see the whole directory or none of it.
        os.rename(staging, target)
        return True
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if not (target / MANIFEST_FILE).is_file():  # else another worker was first
            log.warning("cannot keep a copy of model %s in %s (%s); loading it from memory",
                        target.name, root, exc)
        return False


def prune(store: Store, keep: int, protect: Sequence[str] = ()) -> list[str]:
    """Drop published copies beyond the ``keep`` newest, except ``protect``; return them.

    A dropped version also leaves the rollback history, so a rollback never points
    workers at a copy that is gone.
    """
    doomed = [version for version, _ in store.published_models()[max(keep, 0):]
              if version not in protect]
    for version in doomed:
        store.delete_artifact(version)
    return doomed
