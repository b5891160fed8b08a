"""Saving and loading model artifacts: ``model.skops`` plus ``manifest.json`` beside it.

Loading never unpickles. The file's SHA-256 must match the manifest (a changed or swapped
file is refused), and :func:`skops.io.loads` gets an explicit list of the scikit-learn,
NumPy and SciPy types this project's pipeline is made of; anything else in the file is
refused before a single object is built.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import skops.io as sio
from sklearn.pipeline import Pipeline

from model.errors import ArtifactError

MODEL_FILE = "model.skops"
MANIFEST_FILE = "manifest.json"
CARD_FILE = "MODEL_CARD.md"
ARTIFACT_FORMAT = "hedgerow-spam-model"
FORMAT_VERSION = 1

# The types in a saved pipeline that skops does not already trust by default. Reviewed by
# hand: both are scikit-learn's plain holders of a fitted calibration; neither runs code on
# load. Everything else (Pipeline, ColumnTransformer, HashingVectorizer, StandardScaler,
# SGDClassifier, NumPy arrays) is on skops' own default list.
TRUSTED_TYPES: tuple[str, ...] = (
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
)


@dataclass(frozen=True)
class Artifact:
    """A loaded, verified model: the fitted pipeline, its manifest and where it lives."""

    pipeline: Pipeline
    manifest: dict[str, Any]
    directory: Path

    @property
    def version(self) -> str:
        """The version recorded in the manifest."""
        return str(self.manifest["version"])


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; artifacts are meant to be read
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def untrusted_types(data: bytes) -> list[str]:
    """The types in a skops payload that are neither skops defaults nor :data:`TRUSTED_TYPES`."""
    try:
        found = sio.get_untrusted_types(data=data)
    except (zipfile.BadZipFile, KeyError, ValueError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"{MODEL_FILE} is not a skops file ({exc})") from None
    return sorted(set(found) - set(TRUSTED_TYPES))


def save_artifact(directory: Path | str, pipeline: Pipeline, manifest: dict[str, Any]) -> Path:
    """Write ``model.skops`` and ``manifest.json`` (with the model's SHA-256) to ``directory``.

    Returns the manifest path. Refuses to save a pipeline containing types that
    :func:`load_artifact` would not trust, so every saved artifact can be loaded.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    payload = sio.dumps(pipeline, compression=zipfile.ZIP_DEFLATED, compresslevel=6)
    foreign = untrusted_types(payload)
    if foreign:
        raise ArtifactError(
            "the pipeline holds types the loader does not trust: " + ", ".join(foreign)
            + "; build it with model.pipeline.build_pipeline"
        )
    _write_atomic(directory / MODEL_FILE, payload)
    manifest = dict(manifest)
    manifest["format"] = ARTIFACT_FORMAT
    manifest["format_version"] = FORMAT_VERSION
    manifest["model_file"] = MODEL_FILE
    manifest["model_sha256"] = sha256_bytes(payload)
    manifest["model_bytes"] = len(payload)
    manifest_path = directory / MANIFEST_FILE
    _write_atomic(manifest_path, (json.dumps(manifest, indent=2, sort_keys=False) + "\n").encode())
    return manifest_path


def artifact_dir(path: Path | str) -> Path:
    """The artifact directory for ``path``, which may name the directory or its model.skops."""
    path = Path(path)
    return path.parent if path.name == MODEL_FILE or path.suffix == ".skops" else path


def read_manifest(directory: Path | str) -> dict[str, Any]:
    """Read and sanity-check an artifact's ``manifest.json``."""
    directory = artifact_dir(directory)
    manifest_path = directory / MANIFEST_FILE
    if not directory.exists():
        raise ArtifactError(f"no model at {directory}", path=directory)
    if not manifest_path.is_file():
        raise ArtifactError(
            f"{directory} has no {MANIFEST_FILE}; it is not a Hedgerow model artifact "
            "(train one with `hedgerow train`)",
            path=directory,
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"{manifest_path} is not valid JSON ({exc})", path=directory) from None
    if not isinstance(manifest, dict) or manifest.get("format") != ARTIFACT_FORMAT:
        raise ArtifactError(f"{manifest_path} is not a Hedgerow model manifest", path=directory)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ArtifactError(
            f"{directory} uses artifact format {manifest.get('format_version')!r}; this Hedgerow "
            f"reads format {FORMAT_VERSION}. Retrain it with `hedgerow train`",
            path=directory,
        )
    for key in ("version", "model_sha256", "thresholds"):
        if key not in manifest:
            raise ArtifactError(f"{manifest_path} lacks {key!r}", path=directory)
    return manifest


def load_artifact(path: Path | str) -> Artifact:
    """Load a verified artifact from its directory (or its ``model.skops`` path).

    Raises :class:`ArtifactError` when the manifest is missing or foreign, when the model
    file's SHA-256 differs from the manifest's, or when the file holds untrusted types.
    """
    directory = artifact_dir(path)
    manifest = read_manifest(directory)
    model_path = directory / str(manifest.get("model_file", MODEL_FILE))
    if not model_path.is_file():
        raise ArtifactError(f"{directory} has a manifest but no {model_path.name}", path=directory)
    # Read once and verify those very bytes, so the file cannot change between check and load.
    payload = model_path.read_bytes()
    if not hmac.compare_digest(sha256_bytes(payload), str(manifest["model_sha256"])):
        raise ArtifactError(
            f"{model_path} does not match the SHA-256 in its manifest; refusing to load a "
            "modified model. Restore the file or retrain with `hedgerow train`",
            path=directory,
        )
    foreign = untrusted_types(payload)
    if foreign:
        raise ArtifactError(
            f"{model_path} contains types Hedgerow does not trust ({', '.join(foreign)}); "
            "refusing to load it",
            path=directory,
        )
    try:
        pipeline = sio.loads(payload, trusted=list(TRUSTED_TYPES))
    except Exception as exc:  # skops raises many types for malformed payloads
        raise ArtifactError(f"{model_path} could not be loaded ({exc})", path=directory) from None
    if not isinstance(pipeline, Pipeline) or [n for n, _ in pipeline.steps] != [
        "features", "classifier"
    ]:
        raise ArtifactError(f"{model_path} is not a Hedgerow spam pipeline", path=directory)
    return Artifact(pipeline=pipeline, manifest=manifest, directory=directory)
