"""Saving and loading model artifacts: ``model.skops`` plus ``manifest.json`` beside it.

Loading never unpickles. The file's SHA-256 must match the manifest (a changed or swapped
file is refused), and :func:`skops.io.loads` gets an explicit list of the scikit-learn,
NumPy and SciPy types this project's pipeline is made of; anything else in the file is
refused before a single object is built.

The hash only ties the file to its manifest. What ties the manifest to the operator is
its signature: an HMAC-SHA-256 over the whole manifest (file hash, thresholds, version,
parent, created, …) with a key only the operator holds. A caller that passes
``signing_keys`` gets an artifact only if one of those keys signed it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import skops.io as sio
from sklearn.pipeline import Pipeline

from model.errors import ArtifactError, RegistryError
from model.versions import check_file_name, check_version_name, shown

MODEL_FILE = "model.skops"
MANIFEST_FILE = "manifest.json"
CARD_FILE = "MODEL_CARD.md"
ARTIFACT_FORMAT = "hedgerow-spam-model"
FORMAT_VERSION = 1
SIGNATURE_FIELD = "signature"
SIGNATURE_SCHEME = "hmac-sha256"

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


def signed_bytes(manifest: dict[str, Any]) -> bytes:
    """The bytes a manifest's signature covers: all of it but the signature, canonical JSON."""
    body = {k: v for k, v in manifest.items() if k != SIGNATURE_FIELD}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def manifest_signature(manifest: dict[str, Any], key: bytes) -> str:
    """The signature of ``manifest`` under ``key``."""
    digest = hmac.new(key, signed_bytes(manifest), hashlib.sha256).hexdigest()
    return f"{SIGNATURE_SCHEME}:{digest}"


def is_signed(manifest: dict[str, Any]) -> bool:
    """True when the manifest carries a signature (checked or not)."""
    return SIGNATURE_FIELD in manifest


def signature_matches(manifest: dict[str, Any], keys: Sequence[bytes]) -> bool:
    """True when one of ``keys`` made the manifest's signature (constant time per key)."""
    claimed = manifest.get(SIGNATURE_FIELD)
    if not isinstance(claimed, str):
        return False
    matched = False
    for key in keys:
        # Every key is tried, so the time taken does not tell which one matched.
        matched |= hmac.compare_digest(manifest_signature(manifest, key), claimed)
    return matched


def verify_signature(manifest: dict[str, Any], keys: Sequence[bytes], where: object) -> None:
    """Raise :class:`ArtifactError` unless one of ``keys`` signed ``manifest``."""
    if not is_signed(manifest):
        raise ArtifactError(f"{where}: the manifest is not signed; refusing it "
                            "(`hedgerow models promote` signs a model)")
    if not keys or not signature_matches(manifest, keys):
        raise ArtifactError(f"{where}: the manifest's signature does not match any configured "
                            "key; refusing it")


def sign_artifact(directory: Path | str, key: bytes, **fields: Any) -> dict[str, Any]:
    """Set ``fields`` in an artifact's manifest, sign it with ``key`` and save it.

    Returns the signed manifest. The model file itself is not rewritten: its SHA-256 in
    the manifest is what the signature vouches for.
    """
    directory = artifact_dir(directory)
    manifest = read_manifest(directory)
    manifest.update(fields)
    check_version_name(manifest["version"])  # the shipped default is never signed
    manifest.pop(SIGNATURE_FIELD, None)
    manifest[SIGNATURE_FIELD] = manifest_signature(manifest, key)
    _write_atomic(directory / MANIFEST_FILE, _manifest_json(manifest))
    return manifest


def _manifest_json(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, indent=2, sort_keys=False) + "\n").encode()


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
    manifest.pop(SIGNATURE_FIELD, None)  # a new model file: any earlier signature is void
    manifest_path = directory / MANIFEST_FILE
    _write_atomic(manifest_path, _manifest_json(manifest))
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
    return parse_manifest(manifest_path.read_bytes(), manifest_path)


def parse_manifest(raw: bytes, where: Path | str) -> dict[str, Any]:
    """Parse and sanity-check a manifest's bytes (``where`` names it in messages).

    Checks the format, the version's name, that ``model_file`` is a bare file name and
    that the thresholds are probabilities in order; not the signature.
    """
    path = Path(where)
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"{where} is not valid JSON ({exc})", path=path.parent) from None
    if not isinstance(manifest, dict) or manifest.get("format") != ARTIFACT_FORMAT:
        raise ArtifactError(f"{where} is not a Hedgerow model manifest", path=path.parent)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ArtifactError(
            f"{path.parent} uses artifact format {manifest.get('format_version')!r}; this "
            f"Hedgerow reads format {FORMAT_VERSION}. Retrain it with `hedgerow train`",
            path=path.parent,
        )
    for key in ("version", "model_file", "model_sha256", "thresholds"):
        if key not in manifest:
            raise ArtifactError(f"{where} lacks {key!r}", path=path.parent)
    try:
        check_version_name(manifest["version"], allow_default=True)
        check_file_name(manifest["model_file"])
    except (ArtifactError, RegistryError) as exc:
        raise ArtifactError(f"{where}: {exc}", path=path.parent) from None
    _check_thresholds(manifest["thresholds"], where)
    return manifest


def _check_thresholds(thresholds: object, where: object) -> None:
    bounds = []
    if isinstance(thresholds, dict):
        for name in ("hold", "discard"):
            value = thresholds.get(name)
            if isinstance(value, int | float) and not isinstance(value, bool) \
                    and math.isfinite(value):
                bounds.append(float(value))
    if len(bounds) != 2 or not 0.0 <= bounds[0] <= bounds[1] <= 1.0:
        raise ArtifactError(f"{where}: thresholds must be probabilities with "
                            f"0 <= hold <= discard <= 1, not {shown(thresholds)}")


def load_artifact(path: Path | str, *, signing_keys: Sequence[bytes] | None = None,
                  version: str | None = None) -> Artifact:
    """Load a verified artifact from its directory (or its ``model.skops`` path).

    Raises :class:`ArtifactError` when the manifest is missing or foreign, when the model
    file's SHA-256 differs from the manifest's, or when the file holds untrusted types.
    With ``signing_keys``, the manifest must be signed by one of them; with ``version``,
    it must be that version's.
    """
    directory = artifact_dir(path)
    manifest = read_manifest(directory)
    model_path = directory / manifest["model_file"]
    if not model_path.is_file():
        raise ArtifactError(f"{directory} has a manifest but no {model_path.name}", path=directory)
    # Read once and verify those very bytes, so the file cannot change between check and load.
    payload = model_path.read_bytes()
    return artifact_from_bytes(manifest, payload, directory, signing_keys=signing_keys,
                               version=version)


def check_manifest(manifest: dict[str, Any], where: object, *,
                   signing_keys: Sequence[bytes] | None = None,
                   version: str | None = None) -> None:
    """The checks that need no model file: signature (with keys) and version (if given)."""
    if signing_keys is not None:
        verify_signature(manifest, signing_keys, where)
    if version is not None and manifest["version"] != version:
        raise ArtifactError(f"{where} holds version {shown(manifest['version'])}, not "
                            f"{version!r}; refusing it")


def artifact_from_bytes(manifest: dict[str, Any], payload: bytes, directory: Path, *,
                        signing_keys: Sequence[bytes] | None = None,
                        version: str | None = None) -> Artifact:
    """Verify a parsed manifest and the model file's bytes, then load the pipeline.

    ``directory`` is where the artifact is (or would be) kept; it only names it in
    messages and in the returned :class:`Artifact`.
    """
    model_path = directory / manifest["model_file"]
    check_manifest(manifest, directory / MANIFEST_FILE, signing_keys=signing_keys,
                   version=version)
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
