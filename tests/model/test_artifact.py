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
    sign_artifact,
)
from model.errors import ArtifactError

OLD_KEY, NEW_KEY, OTHER_KEY = b"o" * 32, b"n" * 32, b"x" * 32


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


def _edit_manifest(directory: Path, **changes: object) -> None:
    manifest = json.loads((directory / MANIFEST_FILE).read_text())
    manifest.update(changes)
    (directory / MANIFEST_FILE).write_text(json.dumps(manifest))


def test_signed_manifests_verify_under_any_configured_key(tiny_artifact: Artifact,
                                                          tmp_path: Path) -> None:
    copy = _copy(tiny_artifact, tmp_path)
    with pytest.raises(ArtifactError, match="not signed"):
        load_artifact(copy, signing_keys=[NEW_KEY])
    signed = sign_artifact(copy, OLD_KEY, parent="default")
    assert signed["parent"] == "default" and signed["signature"].startswith("hmac-sha256:")
    # Rotation: the new key signs, the old one still verifies.
    assert load_artifact(copy, signing_keys=[NEW_KEY, OLD_KEY]).version == tiny_artifact.version
    with pytest.raises(ArtifactError, match="signature does not match any configured key"):
        load_artifact(copy, signing_keys=[OTHER_KEY])
    with pytest.raises(ArtifactError, match="holds version"):
        load_artifact(copy, signing_keys=[OLD_KEY], version="someone-else")
    assert load_artifact(copy).version == tiny_artifact.version  # no keys: hash and types only


@pytest.mark.parametrize("change", [
    {"thresholds": {"hold": 0.99, "discard": 1.0}},
    {"version": "renamed"},
    {"parent": "something-else"},
    {"created": "2000-01-01T00:00:00+00:00"},
    {"model_sha256": "0" * 64},
    {"signature": "hmac-sha256:" + "0" * 64},
])
def test_any_change_after_signing_is_refused(tiny_artifact: Artifact, tmp_path: Path,
                                             change: dict[str, object]) -> None:
    copy = _copy(tiny_artifact, tmp_path)
    sign_artifact(copy, NEW_KEY, parent=None)
    _edit_manifest(copy, **change)
    with pytest.raises(ArtifactError, match="signature does not match"):
        load_artifact(copy, signing_keys=[NEW_KEY])


def test_a_new_model_file_voids_the_signature(tiny_artifact: Artifact, tmp_path: Path) -> None:
    copy = _copy(tiny_artifact, tmp_path)
    sign_artifact(copy, NEW_KEY)
    save_artifact(copy, tiny_artifact.pipeline, json.loads((copy / MANIFEST_FILE).read_text()))
    with pytest.raises(ArtifactError, match="not signed"):
        load_artifact(copy, signing_keys=[NEW_KEY])


@pytest.mark.parametrize(("change", "message"), [
    ({"model_file": "/etc/passwd"}, "not a file name inside the artifact folder"),
    ({"model_file": "../other/model.skops"}, "not a file name inside the artifact folder"),
    ({"model_file": "sub/model.skops"}, "not a file name inside the artifact folder"),
    ({"model_file": ".."}, "not a file name inside the artifact folder"),
    ({"version": "../../escape"}, "not a usable version name"),
    ({"thresholds": {"hold": 2.0, "discard": 2.0}}, "thresholds must be probabilities"),
    ({"thresholds": {"hold": 0.9, "discard": 0.5}}, "thresholds must be probabilities"),
    ({"thresholds": {"hold": True, "discard": 0.5}}, "thresholds must be probabilities"),
])
def test_manifests_are_refused_for_paths_names_and_thresholds_even_when_signed(
        tiny_artifact: Artifact, tmp_path: Path, change: dict[str, object],
        message: str) -> None:
    copy = _copy(tiny_artifact, tmp_path)
    _edit_manifest(copy, **change)
    with pytest.raises(ArtifactError, match=message):
        load_artifact(copy)
    with pytest.raises(ArtifactError, match=message):
        sign_artifact(copy, NEW_KEY)
