"""A worker loads only signed models, whatever someone with write access to Redis puts there."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask

from model.artifact import MANIFEST_FILE, MODEL_FILE, manifest_signature, sha256_bytes
from model.errors import RegistryError
from model.numbers import SCORER_FILE
from model.registry import default_artifact_dir
from model.scorer import Scorer
from service import create_app
from service.models import publication
from service.signing import model_signing_keys
from service.web.state import AppState
from tests.service.models.conftest import artifact_files, publish_raw

OTHER_KEY = b"an attacker's key, not configured"
Forgery = Callable[[dict[str, Path], bytes], dict[str, bytes]]


def _key(state: AppState) -> bytes:
    return model_signing_keys(state.config["SECRET_KEY"])[0]


def _swapped_model(models: dict[str, Path], key: bytes) -> dict[str, bytes]:
    # The inverted model, its hash written into the honest model's signed manifest.
    files = artifact_files(models["honest"], key, version="v2")
    inverted = (models["inverted"] / MODEL_FILE).read_bytes()
    manifest = json.loads(files[MANIFEST_FILE])
    manifest["model_sha256"] = sha256_bytes(inverted)
    return {MODEL_FILE: inverted, MANIFEST_FILE: json.dumps(manifest).encode()}


def _swapped_file_only(models: dict[str, Path], key: bytes) -> dict[str, bytes]:
    files = artifact_files(models["honest"], key, version="v2")
    return {**files, MODEL_FILE: (models["inverted"] / MODEL_FILE).read_bytes()}


def _swapped_scorer_file(models: dict[str, Path], key: bytes) -> dict[str, bytes]:
    files = artifact_files(models["honest"], key, version="v2")
    return {**files, SCORER_FILE: (models["inverted"] / SCORER_FILE).read_bytes()}


def _scorer_file_left_out(models: dict[str, Path], key: bytes) -> dict[str, bytes]:
    files = artifact_files(models["honest"], key, version="v2")
    del files[SCORER_FILE]
    return files


def _scorer_file_not_named(models: dict[str, Path], key: bytes) -> dict[str, bytes]:
    # A signed manifest of a version without a scorer file, and one slipped in beside it.
    manifest = json.loads((models["honest"] / MANIFEST_FILE).read_text())
    for field in ("scorer_file", "scorer_sha256", "scorer_bytes"):
        del manifest[field]
    manifest.update(version="v2", parent="default")
    manifest["signature"] = manifest_signature(manifest, key)
    return {MODEL_FILE: (models["honest"] / MODEL_FILE).read_bytes(),
            MANIFEST_FILE: json.dumps(manifest).encode(),
            SCORER_FILE: (models["inverted"] / SCORER_FILE).read_bytes()}


def _thresholds_changed(models: dict[str, Path], key: bytes) -> dict[str, bytes]:
    files = artifact_files(models["honest"], key, version="v2")
    manifest = json.loads(files[MANIFEST_FILE])
    manifest["thresholds"] = {"hold": 1.0, "discard": 1.0}  # filtering off, in range
    return {**files, MANIFEST_FILE: json.dumps(manifest).encode()}


FORGERIES: dict[str, tuple[Forgery, str]] = {
    "unsigned": (lambda m, k: artifact_files(m["honest"], None, version="v2"),
                 "manifest is not signed"),
    "wrong key": (lambda m, k: artifact_files(m["inverted"], OTHER_KEY, version="v2"),
                  "signature does not match any configured key"),
    "thresholds changed": (_thresholds_changed, "signature does not match"),
    "thresholds of 2.0": (lambda m, k: artifact_files(
        m["honest"], k, version="v2", thresholds={"hold": 2.0, "discard": 2.0}),
        "thresholds must be probabilities"),
    "model swapped": (_swapped_model, "signature does not match"),
    "model file swapped": (_swapped_file_only, "does not match its signed manifest"),
    "scorer file swapped": (_swapped_scorer_file,
                            "published scorer file of v2 does not match its signed manifest"),
    "scorer file left out": (_scorer_file_left_out,
                             "published scorer file of v2 does not match its signed manifest"),
    "scorer file not named": (_scorer_file_not_named, "its signed manifest does not name"),
    "absolute model_file": (lambda m, k: artifact_files(
        m["honest"], k, version="v2", model_file="/etc/passwd"),
        "not a file name inside the artifact folder"),
    "another version's signed copy": (lambda m, k: artifact_files(m["honest"], k, version="v1"),
                                      "holds version 'v1', not 'v2'"),
    "junk": (lambda m, k: {MODEL_FILE: b"PK", MANIFEST_FILE: b"{not json"},
             "is not valid JSON"),
    "extra file": (lambda m, k: {**artifact_files(m["honest"], k, version="v2"),
                                 "run.sh": b"#!/bin/sh"}, "holds ['manifest.json'"),
}


def _refused_once(state: AppState, http: requests.Session, message: str) -> None:
    """The worker kept the shipped model, reported why, and counted the refusal once."""
    assert state.models.loaded_version == "default"
    assert state.models.current().version == "default"
    state.models.check_now()  # tried again: same refusal, not counted twice
    assert state.store.counters().get("model_refused") == 1
    assert "hedgerow_model_refused_total 1" in http.get("/metrics").text
    reports = state.store.worker_reports()
    assert len(reports) == 1 and message in reports[0]["error"], reports
    ready = http.get("/readyz").json()
    assert ready["model"] == "default"
    assert [w["worker"] for w in ready["models"]["failed"]] == [state.models.worker]


@pytest.mark.parametrize("forgery", FORGERIES, ids=list(FORGERIES))
def test_forged_published_model_is_refused_and_counted(
    state: AppState, http: requests.Session, trained: dict[str, Path], forgery: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    forge, message = FORGERIES[forgery]
    publish_raw(state.store, "v2", forge(trained, _key(state)))
    state.models.check_now()
    _refused_once(state, http, message)
    assert not (Path(state.config["DATA_DIR"]) / "models" / "v2").exists()
    refusals = [r for r in caplog.records if "refused model 'v2'" in r.getMessage()]
    assert len(refusals) == 1 and refusals[0].exc_info is None  # one line, no traceback


@pytest.mark.parametrize("name", ["../../escape", "/tmp/escape", "..", "v2/../../escape"])
def test_crafted_version_names_never_reach_a_path(
    state: AppState, http: requests.Session, trained: dict[str, Path], tmp_path: Path,
    name: str,
) -> None:
    publish_raw(state.store, name, artifact_files(trained["honest"], _key(state), version=name))
    state.models.check_now()
    _refused_once(state, http, "not a usable version name")
    assert list(tmp_path.iterdir()) == []  # nothing written, in the data directory or beside it
    assert not Path("/tmp/escape").exists()


def test_default_from_redis_is_refused_and_the_shipped_one_used(
    state: AppState, http: requests.Session, trained: dict[str, Path],
) -> None:
    files = artifact_files(trained["inverted"], _key(state), version="default")
    publish_raw(state.store, "default", files)
    state.models.check_now()
    model = state.models.current()
    shipped = json.loads((default_artifact_dir() / "manifest.json").read_text())
    assert model.version == "default"
    assert model.hold == shipped["thresholds"]["hold"]  # the package's thresholds
    with pytest.raises(RegistryError, match="'default' names the model shipped"):
        publication.fetch(state.store, "default", Path(state.config["DATA_DIR"]), [_key(state)])


def test_signed_model_loads_from_redis_and_the_old_key_still_verifies(
    app_config: dict[str, Any], secret_keys: list[str], trained: dict[str, Path],
    tmp_path: Path,
) -> None:
    new_keys = ["a new key, rotated in, at least 32 characters long", *secret_keys]
    app = create_app({**app_config, "SECRET_KEY": new_keys})
    state: AppState = app.extensions["hedgerow"]
    try:
        old_key = model_signing_keys(secret_keys)[0]
        publish_raw(state.store, "v2", artifact_files(trained["honest"], old_key, version="v2"))
        state.models.check_now()
        model = state.models.current()
        assert model.version == "v2"
        assert (tmp_path / "data" / "models" / "v2" / MODEL_FILE).is_file()
        assert (tmp_path / "data" / "models" / "v2" / SCORER_FILE).read_bytes() == (
            trained["honest"] / SCORER_FILE).read_bytes()
        # Scored from the published scorer file; the pipeline was never loaded.
        assert isinstance(model, Scorer)
        assert model.artifact.numbers is not None and model.artifact.fitted is None
        assert state.store.counters().get("model_refused") is None
        assert state.store.worker_reports()[0]["loaded"] == "v2"
    finally:
        state.close()
    assert state.store.client.smembers("hedgerow:{models}:workers") == set()


def test_a_worker_that_cannot_write_its_data_directory_still_switches(
    app_config: dict[str, Any], trained: dict[str, Path], tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    not_a_directory = tmp_path / "data-is-a-file"
    not_a_directory.write_text("")
    app: Flask = create_app({**app_config, "DATA_DIR": str(not_a_directory)})
    state: AppState = app.extensions["hedgerow"]
    try:
        publish_raw(state.store, "v2", artifact_files(trained["honest"], _key(state),
                                                      version="v2"))
        state.models.check_now()
        assert state.models.current().version == "v2"
        assert any("loading it from memory" in r.getMessage() for r in caplog.records)
    finally:
        state.close()


def test_a_signed_version_saved_without_a_scorer_file_still_loads_from_redis(
    state: AppState, trained: dict[str, Path],
) -> None:
    manifest = json.loads((trained["honest"] / MANIFEST_FILE).read_text())
    for field in ("scorer_file", "scorer_sha256", "scorer_bytes"):
        del manifest[field]
    manifest.update(version="v2", parent="default")
    manifest["signature"] = manifest_signature(manifest, _key(state))
    publish_raw(state.store, "v2", {MODEL_FILE: (trained["honest"] / MODEL_FILE).read_bytes(),
                                    MANIFEST_FILE: json.dumps(manifest).encode()})
    state.models.check_now()
    model = state.models.current()
    assert model.version == "v2" and isinstance(model, Scorer)
    assert model.artifact.numbers is None and model.artifact.fitted is not None
    assert state.store.counters().get("model_refused") is None
