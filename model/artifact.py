"""Saving and loading model artifacts: ``model.skops``, ``scorer.npz`` and ``manifest.json``.

Loading never unpickles. Each file's SHA-256 must match the manifest (a changed or swapped
file is refused), and :func:`skops.io.loads` gets an explicit list of the scikit-learn,
NumPy and SciPy types this project's pipeline is made of; anything else in the file is
refused before a single object is built.

``scorer.npz`` holds the numbers the scorer needs (see :mod:`model.numbers`), so a process
that only scores loads that file and never imports skops, scikit-learn or SciPy: it
passes ``pipeline=False`` and the pipeline is read from ``model.skops`` (its hash checked
again) only if something asks for it. Artifacts saved before ``scorer.npz`` existed load
their pipeline, and the scorer takes its numbers from it.

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model import numbers
from model.errors import ArtifactError, RegistryError
from model.numbers import SCORER_FILE, ScorerNumbers
from model.versions import check_file_name, check_version_name, shown

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

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
    """A loaded, verified model: its manifest, where it lives, the scorer's numbers (from
    ``scorer.npz``, when the artifact has one) and the fitted pipeline.

    ``fitted`` is None until the pipeline is loaded; :attr:`pipeline` loads it on first use.
    """

    manifest: dict[str, Any]
    directory: Path
    numbers: ScorerNumbers | None = field(default=None, repr=False, compare=False)
    fitted: Pipeline | None = field(default=None, repr=False, compare=False)

    @property
    def version(self) -> str:
        """The version recorded in the manifest."""
        return str(self.manifest["version"])

    @property
    def pipeline(self) -> Pipeline:
        """The fitted pipeline, read from the model file the first time it is asked for
        when the artifact was loaded without it (its SHA-256 and types checked then)."""
        fitted = self.fitted
        if fitted is None:
            model_path = self.directory / self.manifest["model_file"]
            try:
                payload = model_path.read_bytes()
            except OSError as exc:
                raise ArtifactError(f"cannot read {model_path} ({exc})",
                                    path=self.directory) from None
            _check_sha(payload, self.manifest["model_sha256"], model_path, self.directory)
            fitted = _load_pipeline(payload, model_path, self.directory)
            # Frozen for callers; filling the cache once is this property's own business.
            object.__setattr__(self, "fitted", fitted)
        return fitted


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
    import skops.io as sio  # here: a process that only scores never needs skops

    try:
        found = sio.get_untrusted_types(data=data)
    except (zipfile.BadZipFile, KeyError, ValueError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"{MODEL_FILE} is not a skops file ({exc})") from None
    return sorted(set(found) - set(TRUSTED_TYPES))


def save_artifact(directory: Path | str, pipeline: Pipeline, manifest: dict[str, Any]) -> Path:
    """Write ``model.skops``, ``scorer.npz`` and ``manifest.json`` (with both files'
    SHA-256) to ``directory``.

    Returns the manifest path. Refuses to save a pipeline containing types that
    :func:`load_artifact` would not trust, or whose numbers :mod:`model.numbers` cannot
    write, so every saved artifact can be loaded, with or without scikit-learn.
    """
    import skops.io as sio

    directory = Path(directory)
    payload = sio.dumps(pipeline, compression=zipfile.ZIP_DEFLATED, compresslevel=6)
    foreign = untrusted_types(payload)
    if foreign:
        raise ArtifactError(
            "the pipeline holds types the loader does not trust: " + ", ".join(foreign)
            + "; build it with model.pipeline.build_pipeline"
        )
    scorer = scorer_bytes(pipeline)
    directory.mkdir(parents=True, exist_ok=True)
    _write_atomic(directory / MODEL_FILE, payload)
    _write_atomic(directory / SCORER_FILE, scorer)
    manifest = dict(manifest)
    manifest["format"] = ARTIFACT_FORMAT
    manifest["format_version"] = FORMAT_VERSION
    manifest["model_file"] = MODEL_FILE
    manifest["model_sha256"] = sha256_bytes(payload)
    manifest["model_bytes"] = len(payload)
    manifest.update(_scorer_fields(scorer))
    manifest.pop(SIGNATURE_FIELD, None)  # a new model file: any earlier signature is void
    manifest_path = directory / MANIFEST_FILE
    _write_atomic(manifest_path, _manifest_json(manifest))
    return manifest_path


def scorer_bytes(pipeline: Any) -> bytes:
    """``scorer.npz``'s bytes for a fitted pipeline; :class:`ArtifactError` if it cannot
    be written (a pipeline not built by :func:`model.pipeline.build_pipeline`)."""
    try:
        return numbers.to_bytes(numbers.from_pipeline(pipeline))
    except (AttributeError, KeyError, IndexError, TypeError, ValueError, ArtifactError) as exc:
        raise ArtifactError(f"cannot write {SCORER_FILE} for this pipeline ({exc}); build it "
                            "with model.pipeline.build_pipeline") from None


def _scorer_fields(scorer: bytes) -> dict[str, Any]:
    return {"scorer_file": SCORER_FILE, "scorer_sha256": sha256_bytes(scorer),
            "scorer_bytes": len(scorer)}


def add_scorer_file(directory: Path | str) -> dict[str, Any]:
    """Write ``scorer.npz`` into an artifact saved without one, from its verified pipeline,
    and record it in the manifest; returns the manifest.

    The model file is untouched. A signature is dropped, since the manifest changes: sign
    the version again (``hedgerow models promote`` does). Writing it again gives the same
    bytes.
    """
    directory = artifact_dir(directory)
    artifact = load_artifact(directory)
    scorer = scorer_bytes(artifact.pipeline)
    _write_atomic(directory / SCORER_FILE, scorer)
    manifest = dict(artifact.manifest)
    manifest.update(_scorer_fields(scorer))
    manifest.pop(SIGNATURE_FIELD, None)
    _write_atomic(directory / MANIFEST_FILE, _manifest_json(manifest))
    return manifest


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

    Checks the format, the version's name, that ``model_file`` (and ``scorer_file``, when
    there is one, with its SHA-256) is a bare file name and that the thresholds are
    probabilities in order; not the signature.
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
        if "scorer_file" in manifest:
            check_file_name(manifest["scorer_file"])
            if manifest["scorer_file"] == manifest["model_file"] \
                    or not isinstance(manifest.get("scorer_sha256"), str):
                raise ArtifactError("'scorer_file' needs a file of its own and 'scorer_sha256'")
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
                  version: str | None = None, pipeline: bool = True) -> Artifact:
    """Load a verified artifact from its directory (or its ``model.skops`` path).

    Raises :class:`ArtifactError` when the manifest is missing or foreign, when a file's
    SHA-256 differs from the manifest's, when ``scorer.npz`` is malformed or when the
    model file holds untrusted types. With ``signing_keys``, the manifest must be signed
    by one of them; with ``version``, it must be that version's. With ``pipeline=False``
    and a ``scorer.npz``, the pipeline is not loaded (nor skops imported) until asked for.
    """
    directory = artifact_dir(path)
    manifest = read_manifest(directory)
    files = [manifest["model_file"]] + ([manifest["scorer_file"]]
                                        if "scorer_file" in manifest else [])
    for name in files:
        if not (directory / name).is_file():
            raise ArtifactError(f"{directory} has a manifest but no {name}", path=directory)
    # Read once and verify those very bytes, so a file cannot change between check and load.
    payload = (directory / manifest["model_file"]).read_bytes()
    scorer = (directory / manifest["scorer_file"]).read_bytes() if len(files) > 1 else None
    return artifact_from_bytes(manifest, payload, directory, scorer=scorer,
                               signing_keys=signing_keys, version=version, pipeline=pipeline)


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
                        scorer: bytes | None = None,
                        signing_keys: Sequence[bytes] | None = None,
                        version: str | None = None, pipeline: bool = True) -> Artifact:
    """Verify a parsed manifest and the bytes of its model file and ``scorer.npz``, then
    read the scorer's numbers and (with ``pipeline``, or without a ``scorer.npz``) load
    the pipeline.

    ``scorer`` must be given exactly when the manifest names a scorer file. ``directory``
    is where the artifact is (or would be) kept; it names it in messages, and the
    pipeline is read from there if it is asked for later.
    """
    model_path = directory / manifest["model_file"]
    check_manifest(manifest, directory / MANIFEST_FILE, signing_keys=signing_keys,
                   version=version)
    _check_sha(payload, manifest["model_sha256"], model_path, directory)
    found = None
    if "scorer_file" in manifest:
        scorer_path = directory / manifest["scorer_file"]
        if scorer is None:
            raise ArtifactError(f"{directory} has a manifest but no {scorer_path.name}",
                                path=directory)
        _check_sha(scorer, manifest["scorer_sha256"], scorer_path, directory)
        found = numbers.from_bytes(scorer, scorer_path)
    elif scorer is not None:
        raise ArtifactError(f"{directory}: a scorer file its manifest does not name; "
                            "refusing it", path=directory)
    fitted = _load_pipeline(payload, model_path, directory) if pipeline or found is None \
        else None
    return Artifact(manifest=manifest, directory=directory, numbers=found, fitted=fitted)


def _check_sha(data: bytes, expected: object, path: Path, directory: Path) -> None:
    if not hmac.compare_digest(sha256_bytes(data), str(expected)):
        raise ArtifactError(
            f"{path} does not match the SHA-256 in its manifest; refusing to load a "
            "modified model. Restore the file or retrain with `hedgerow train`",
            path=directory,
        )


def _load_pipeline(payload: bytes, model_path: Path, directory: Path) -> Pipeline:
    """The pipeline in verified model-file bytes, if they hold only trusted types."""
    import sklearn.pipeline
    import skops.io as sio

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
    if not isinstance(pipeline, sklearn.pipeline.Pipeline) \
            or [n for n, _ in pipeline.steps] != ["features", "classifier"]:
        raise ArtifactError(f"{model_path} is not a Hedgerow spam pipeline", path=directory)
    return pipeline
