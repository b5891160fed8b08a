"""Artifacts load only when intact and made of trusted types."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
import skops.io as sio

from model.artifact import (
    MANIFEST_FILE,
    MODEL_FILE,
    Artifact,
    load_artifact,
    save_artifact,
    sha256_bytes,
)
from model.errors import ArtifactError


class Gadget:
    """A type no loader should trust."""

    def __init__(self) -> None:
        self.value = 1


def _copy(artifact: Artifact, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(artifact.directory, target)
    return target


def test_round_trip_keeps_predictions(tiny_artifact: Artifact, tmp_path: Path) -> None:
    copy = _copy(tiny_artifact, tmp_path)
    again = load_artifact(copy / MODEL_FILE)
    assert again.version == tiny_artifact.version
    assert again.manifest["model_sha256"] == sha256_bytes((copy / MODEL_FILE).read_bytes())


def test_tampered_model_is_refused(tiny_artifact: Artifact, tmp_path: Path) -> None:
    copy = _copy(tiny_artifact, tmp_path)
    payload = bytearray((copy / MODEL_FILE).read_bytes())
    payload[len(payload) // 2] ^= 0xFF
    (copy / MODEL_FILE).write_bytes(bytes(payload))
    with pytest.raises(ArtifactError, match="does not match the SHA-256 in its manifest"):
        load_artifact(copy)


def test_foreign_types_are_refused_even_with_a_matching_hash(
        tiny_artifact: Artifact, tmp_path: Path) -> None:
    copy = _copy(tiny_artifact, tmp_path)
    payload = sio.dumps({"gadget": Gadget()}, compression=zipfile.ZIP_DEFLATED)
    (copy / MODEL_FILE).write_bytes(payload)
    manifest = json.loads((copy / MANIFEST_FILE).read_text())
    manifest["model_sha256"] = sha256_bytes(payload)
    (copy / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match="types Hedgerow does not trust.*Gadget"):
        load_artifact(copy)


def test_saving_refuses_what_loading_would_refuse(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="does not trust"):
        save_artifact(tmp_path, Gadget(), {"version": "x", "thresholds": {}})


def test_directory_without_manifest_is_not_an_artifact(tmp_path: Path) -> None:
    (tmp_path / MODEL_FILE).write_bytes(b"PK")
    with pytest.raises(ArtifactError, match="no manifest.json"):
        load_artifact(tmp_path)


def test_foreign_manifest_is_refused(tiny_artifact: Artifact, tmp_path: Path) -> None:
    copy = _copy(tiny_artifact, tmp_path)
    (copy / MANIFEST_FILE).write_text(json.dumps({"version": "1"}))
    with pytest.raises(ArtifactError, match="not a Hedgerow model manifest"):
        load_artifact(copy)
