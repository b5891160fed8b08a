"""Two small trained models (one honest, one inverted) and ways to put copies in Redis."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from model.artifact import MANIFEST_FILE, MODEL_FILE, manifest_signature
from model.numbers import SCORER_FILE
from model.train import train, write_artifact
from service.store.redis_store import Store
from tests.model.conftest import tiny_rows, write_csv


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Unsigned artifacts: ``honest`` learns the tiny data, ``inverted`` its opposite."""
    root = tmp_path_factory.mktemp("service-models")
    honest = write_csv(root / "tiny.csv", tiny_rows())
    inverted = write_csv(root / "inverted.csv", [(t, 1 - y) for t, y in tiny_rows()])
    write_artifact(train([honest], version="honest"), root / "honest")
    write_artifact(train([inverted], version="inverted"), root / "inverted")
    return {"honest": root / "honest", "inverted": root / "inverted"}


def artifact_files(source: Path, key: bytes | None, **changes: object) -> dict[str, bytes]:
    """The files of ``source`` (its scorer file too, when it has one) with manifest
    ``changes``, signed with ``key`` (None: unsigned).

    The signature is computed by hand, so a manifest the artifact module would refuse to
    sign (an absolute ``model_file``, a crafted version) can still carry a valid one.
    """
    manifest = json.loads((source / MANIFEST_FILE).read_text())
    manifest.update({"parent": "default", **changes})
    if key is not None:
        manifest["signature"] = manifest_signature(manifest, key)
    files = {MODEL_FILE: (source / MODEL_FILE).read_bytes(),
             MANIFEST_FILE: json.dumps(manifest).encode()}
    if "scorer_file" in manifest:
        files[SCORER_FILE] = (source / SCORER_FILE).read_bytes()
    return files


def publish_raw(store: Store, version: str, files: dict[str, bytes]) -> None:
    """Write a version into Redis and make it active, as an attacker with Redis access could."""
    store.put_artifact(version, files)
    store.set_active_model(version)


def copy_into(data_dir: Path, source: Path, version: str) -> Path:
    """A copy of ``source`` registered as ``version`` in a data directory."""
    target = data_dir / "models" / version
    shutil.copytree(source, target)
    return target
