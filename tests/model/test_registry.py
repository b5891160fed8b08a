"""The registry and its file-backed active pointer."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from model.artifact import Artifact, sign_artifact
from model.errors import ArtifactError, RegistryError
from model.registry import DEFAULT_VERSION, FilePointer, Registry, check_version_name


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
    with pytest.raises(RegistryError, match="not a usable version name"):
        registry.path_of("../v1")
    with pytest.raises(RegistryError, match="no model version"):
        registry.path_of("v2")


@pytest.mark.parametrize("name", ["../v1", "/etc", "a/b", ".hidden", "..", "", "v" * 101,
                                  "v1\n", "v\x00", "ü", 7, None])
def test_bad_version_names_are_refused(name: object) -> None:
    with pytest.raises(RegistryError, match="not a usable version name"):
        check_version_name(name)


def test_default_is_refused_where_it_cannot_be_a_trained_model() -> None:
    assert check_version_name("20260101-000000-abcd") == "20260101-000000-abcd"
    assert check_version_name("default", allow_default=True) == "default"
    with pytest.raises(RegistryError, match="'default' names the model shipped"):
        check_version_name("default")


def test_a_registry_with_keys_loads_only_signed_versions(tiny_artifact: Artifact,
                                                         tmp_path: Path) -> None:
    key = b"k" * 32
    registry = Registry(tmp_path, signing_keys=[key])
    shutil.copytree(tiny_artifact.directory, tmp_path / "v1")
    with pytest.raises(ArtifactError, match="not signed"):
        registry.promote("v1")
    sign_artifact(tmp_path / "v1", key)
    with pytest.raises(ArtifactError, match="holds version"):
        registry.load("v1")  # the manifest names another version
    sign_artifact(tmp_path / "v1", key, version="v1")
    assert registry.promote("v1") == tmp_path / "v1"
    assert registry.load(DEFAULT_VERSION).version == DEFAULT_VERSION  # trusted by location


def test_delete_and_prune_spare_the_active_and_default(tiny_artifact: Artifact,
                                                      tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    for name in ("v1", "v2", "v3"):
        shutil.copytree(tiny_artifact.directory, tmp_path / name)
        (tmp_path / name / "model.skops").touch()  # copies of one model: newest by file time
    registry.promote("v1")
    with pytest.raises(RegistryError, match="is the active model"):
        registry.delete("v1")
    with pytest.raises(RegistryError, match="'default'"):
        registry.delete(DEFAULT_VERSION)
    assert registry.prune(1) == ["v2"]
    assert [v.version for v in registry.versions()] == ["v1", "v3", DEFAULT_VERSION]
    assert registry.delete("v3") == tmp_path / "v3"
    assert registry.prune(0) == []
