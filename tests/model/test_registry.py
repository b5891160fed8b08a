"""The registry and its file-backed active pointer."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from model.artifact import Artifact
from model.errors import RegistryError
from model.registry import DEFAULT_VERSION, FilePointer, Registry


def test_file_pointer_keeps_history(tmp_path: Path) -> None:
    pointer = FilePointer(tmp_path / "active.json")
    assert pointer.get() is None
    pointer.set("v1")
    pointer.set("v2")
    pointer.set("v2")  # promoting the active version again adds no history
    assert pointer.get() == "v2"
    assert pointer.history() == ["v1", DEFAULT_VERSION]
    assert pointer.rollback() == "v1"
    assert pointer.rollback() == DEFAULT_VERSION
    assert pointer.rollback() is None
    assert FilePointer(tmp_path / "active.json").get() == DEFAULT_VERSION


def test_promote_refuses_a_broken_artifact(tiny_artifact: Artifact, tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    shutil.copytree(tiny_artifact.directory, tmp_path / "v1")
    (tmp_path / "v1" / "model.skops").write_bytes(b"not a model")
    with pytest.raises(Exception, match="does not match the SHA-256"):
        registry.promote("v1")
    assert registry.active_version() == DEFAULT_VERSION


def test_paths_and_names(tiny_artifact: Artifact, tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    shutil.copytree(tiny_artifact.directory, tmp_path / "v1")
    assert registry.promote("v1") == tmp_path / "v1"
    assert registry.active_path() == tmp_path / "v1"
    assert [v.version for v in registry.versions() if v.active] == ["v1"]
    with pytest.raises(RegistryError, match="not a usable version name"):
        registry.new_version_dir("../escape")
    with pytest.raises(RegistryError, match="no model version"):
        registry.path_of("../v1")
