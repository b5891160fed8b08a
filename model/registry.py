"""Model versions on disk and which one is active.

Trained artifacts live in ``<data_dir>/models/<version>/``. Which version is active is kept
behind :class:`ActivePointer`, so the service can swap the file-backed pointer for one in
Redis that every worker reads. Training never changes the active model; only
:meth:`Registry.promote` and :meth:`Registry.rollback` do. With nothing promoted, the model
shipped in the package (version ``"default"``) is active.

A registry given ``signing_keys`` loads a version only if one of those keys signed its
manifest; the shipped default is trusted for where it lives instead.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from model.artifact import MANIFEST_FILE, MODEL_FILE, Artifact, load_artifact, read_manifest
from model.errors import ArtifactError, RegistryError
from model.versions import DEFAULT_VERSION, check_version_name

__all__ = ["DEFAULT_VERSION", "ActivePointer", "FilePointer", "Registry", "VersionInfo",
           "check_version_name", "default_artifact_dir"]

POINTER_FILE = "active.json"


def default_artifact_dir() -> Path:
    """The model shipped inside the package."""
    return Path(__file__).resolve().parent / "default"


class ActivePointer(Protocol):
    """Where the active version's name is kept, with the history needed to roll back."""

    def get(self) -> str | None:
        """The active version, or ``None`` when nothing was promoted."""

    def set(self, version: str) -> None:
        """Make ``version`` active, remembering the one it replaces."""

    def rollback(self) -> str | None:
        """Make the previously active version active again and return it (``None``: none)."""

    def history(self) -> list[str]:
        """Versions active before the current one, most recent first."""


class FilePointer:
    """An :class:`ActivePointer` kept in a JSON file, updated atomically under a lock."""

    def __init__(self, path: Path | str):
        self.path = Path(path)

    def _read(self) -> dict[str, Any]:
        try:
            state = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"active": None, "history": []}
        except (OSError, ValueError) as exc:
            raise RegistryError(f"cannot read {self.path} ({exc}); fix or delete it") from None
        if not isinstance(state, dict):
            raise RegistryError(f"{self.path} is not a pointer file; fix or delete it")
        return {"active": state.get("active"), "history": list(state.get("history") or [])}

    def _write(self, state: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".active.", dir=self.path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(state, handle, indent=2)
        os.chmod(tmp, 0o644)
        os.replace(tmp, self.path)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def get(self) -> str | None:
        """The active version, or ``None`` when nothing was promoted."""
        active = self._read()["active"]
        return str(active) if active else None

    def set(self, version: str) -> None:
        """Make ``version`` active, remembering the one it replaces."""
        with self._locked():
            state = self._read()
            current = state["active"] or DEFAULT_VERSION
            if current != version:
                state["history"].insert(0, current)
            state["active"] = version
            self._write(state)

    def rollback(self) -> str | None:
        """Make the previously active version active again and return it (``None``: none)."""
        with self._locked():
            state = self._read()
            if not state["history"]:
                return None
            state["active"] = state["history"].pop(0)
            self._write(state)
            return str(state["active"])

    def history(self) -> list[str]:
        """Versions active before the current one, most recent first."""
        return [str(v) for v in self._read()["history"]]


@dataclass(frozen=True)
class VersionInfo:
    """One registered model, as ``hedgerow models list`` shows it."""

    version: str
    path: Path
    created: str
    f1: float | None
    active: bool


class Registry:
    """The models under ``root`` (normally ``<data_dir>/models``) plus the shipped default."""

    def __init__(self, root: Path | str, pointer: ActivePointer | None = None,
                 default_dir: Path | None = None,
                 signing_keys: Sequence[bytes] | None = None):
        self.root = Path(root)
        self.pointer: ActivePointer = pointer or FilePointer(self.root / POINTER_FILE)
        self.default_dir = default_dir or default_artifact_dir()
        self.signing_keys = signing_keys

    def new_version_dir(self, version: str) -> Path:
        """The directory a freshly trained ``version`` is written to (must not exist yet)."""
        path = self.root / check_version_name(version)
        if path.exists():
            raise RegistryError(f"version {version} already exists at {path}")
        return path

    def path_of(self, version: str) -> Path:
        """The artifact directory of ``version`` (``"default"`` is the shipped model)."""
        if check_version_name(version, allow_default=True) == DEFAULT_VERSION:
            return self.default_dir
        if not (self.root / version / MANIFEST_FILE).is_file():
            known = ", ".join(v.version for v in self.versions()) or "none"
            raise RegistryError(f"no model version {version!r} (known: {known}); "
                                "see `hedgerow models list`")
        return self.root / version

    def active_version(self) -> str:
        """The active version's name: the promoted one, else ``"default"``."""
        return self.pointer.get() or DEFAULT_VERSION

    def active_path(self) -> Path:
        """The artifact directory of the active version."""
        return self.path_of(self.active_version())

    def versions(self) -> list[VersionInfo]:
        """Every registered version, oldest first, then the shipped default."""
        active = self.active_version()
        found: list[VersionInfo] = []
        if self.root.is_dir():
            for child in sorted(self.root.iterdir()):
                if child.name == DEFAULT_VERSION or child.name.startswith(".") \
                        or not (child / MANIFEST_FILE).is_file():
                    continue
                found.append(self._info(child.name, child, active))
        if self.default_dir.is_dir() and (self.default_dir / MANIFEST_FILE).is_file():
            found.append(self._info(DEFAULT_VERSION, self.default_dir, active))
        return found

    def _info(self, version: str, path: Path, active: str) -> VersionInfo:
        try:
            manifest = read_manifest(path)
        except ArtifactError:
            return VersionInfo(version, path, "?", None, version == active)
        f1 = manifest.get("metrics", {}).get("f1")
        return VersionInfo(version, path, str(manifest.get("created", "?")),
                           None if f1 is None else float(f1), version == active)

    def load(self, version: str, *, pipeline: bool = True) -> Artifact:
        """Load and verify ``version``: its hashes and types, and its signature when keys are
        set (``pipeline=False``: see :func:`~model.artifact.load_artifact`).

        The shipped default needs no signature: it is trusted for where it lives. A signed
        manifest must also name ``version``, so a signed model cannot pass as another.
        """
        path = self.path_of(version)
        if version == DEFAULT_VERSION or self.signing_keys is None:
            return load_artifact(path, pipeline=pipeline)
        return load_artifact(path, signing_keys=self.signing_keys, version=version,
                             pipeline=pipeline)

    def promote(self, version: str) -> Path:
        """Make ``version`` active after checking that it loads; return its directory."""
        path = self.path_of(version)
        self.load(version)  # refuse to activate a model that would not load
        self.pointer.set(version)
        return path

    def delete(self, version: str) -> Path:
        """Remove a version's directory; the active one and ``default`` are refused."""
        check_version_name(version)
        if version == self.active_version():
            raise RegistryError(f"{version} is the active model; promote another one or roll "
                                "back before deleting it")
        path = self.path_of(version)
        shutil.rmtree(path)
        return path

    def prune(self, keep: int) -> list[str]:
        """Delete all but the ``keep`` newest versions (and the active one); return the deleted.

        Newest means latest ``created`` in the manifest (whole seconds), then latest model
        file. The shipped default is never touched.
        """
        if keep < 0:
            raise RegistryError("--keep must not be negative")
        active = self.active_version()
        found = [v for v in self.versions() if v.version != DEFAULT_VERSION]

        def age(info: VersionInfo) -> tuple[str, int, str]:
            model = info.path / MODEL_FILE
            return info.created, model.stat().st_mtime_ns if model.exists() else 0, info.version

        newest_first = sorted(found, key=age, reverse=True)
        doomed = [v for v in newest_first[keep:] if v.version != active]
        for info in doomed:
            shutil.rmtree(info.path)
        return [v.version for v in doomed]

    def rollback(self) -> str:
        """Reactivate the previously active version and return its name."""
        version = self.pointer.rollback()
        if version is None:
            raise RegistryError("nothing to roll back to: no model was promoted before this one")
        return version
