"""The numbers a :class:`~model.scorer.Scorer` needs, in a file read with NumPy alone.

The Scorer never calls scikit-learn: it needs the two hashing vectorizers' settings, the
linear model's weights and intercept, the structural signals' scale and the calibration's
``a`` and ``b``. Reading them out of ``model.skops`` means importing skops, scikit-learn
and SciPy, about 90 MiB of every worker's memory. So an artifact also holds
``scorer.npz``: those numbers and nothing else, written from the same fitted pipeline when
the artifact is saved, its SHA-256 recorded in the manifest beside the model file's (so a
signature covers both, and a swapped file is refused like a swapped model).

Why a file of our own rather than reading the arrays straight out of ``model.skops``
(its ``schema.json`` plus ``.npy`` entries) without skops: that schema is skops' private
serialisation of scikit-learn objects. Walking it by hand would be a second, partial
deserialiser of someone else's format, tied to the attribute names of both libraries and
to skops' protocol version, and it would have to judge on its own which object trees are
safe. This file's format is ours: five named entries with fixed types and shapes, checked
before use, and no object is ever built from it. It costs about 2 MB per artifact.
Artifacts saved before it existed still load, through skops, with scikit-learn imported
only then.

The file is a zip (an ``.npz``: ``np.load(..., allow_pickle=False)`` reads it too) of
``params.json`` and four float64 arrays, ``word.npy`` and ``char.npy`` (the linear
weights of the hashed columns), ``structural.npy`` (the weights of the structural
signals) and ``scale.npy`` (their max-abs scale). Its entries carry a fixed date, so the
same pipeline gives the same bytes.
"""

from __future__ import annotations

import io
import json
import math
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from model.errors import ArtifactError
from model.features import STRUCTURAL_FEATURES

SCORER_FILE = "scorer.npz"
NUMBERS_FORMAT = "hedgerow-scorer-numbers"
NUMBERS_FORMAT_VERSION = 1
PARAMS_ENTRY = "params.json"
ARRAY_ENTRIES = ("word", "char", "structural", "scale")
# Far above any pipeline this project builds (2**18 columns each), low enough that a
# crafted file cannot make a worker allocate gigabytes.
MAX_FEATURES = 2**24
MAX_PARAMS_BYTES = 64 * 1024
MAX_NGRAM = 16
# The largest header np.lib.format writes for a 1-d array is well under this.
_NPY_HEADER_SLACK = 4096
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_FLOAT = np.dtype("<f8")


@dataclass(frozen=True)
class HashingSettings:
    """One hashing vectorizer's settings, with the attributes :mod:`model.hashing` reads.

    Only settings the hashers re-implement are ever held (plain lower-casing, a pattern
    without groups, n-grams from length 1 up), so they never call :meth:`build_analyzer`'s
    result; it exists because the hashers take it from a vectorizer when they are built.
    """

    analyzer: str
    n_features: int
    ngram_range: tuple[int, int]
    token_pattern: str
    input: str = "content"
    lowercase: bool = True
    preprocessor: None = None
    strip_accents: None = None
    tokenizer: None = None
    stop_words: None = None

    def build_analyzer(self) -> Callable[[str], list[str]]:
        """An analyzer that refuses to run (the hashers split text themselves)."""
        def analyzer(text: str) -> list[str]:
            raise NotImplementedError("the hashers split text themselves for these settings")
        return analyzer

    def as_dict(self) -> dict[str, Any]:
        """The JSON-ready form kept in ``params.json``."""
        return {"analyzer": self.analyzer, "n_features": self.n_features,
                "ngram_range": list(self.ngram_range), "token_pattern": self.token_pattern,
                "lowercase": True, "binary": True, "norm": "l2", "alternate_sign": False}


@dataclass(frozen=True, eq=False)
class ScorerNumbers:
    """Everything the Scorer computes with.

    ``word`` and ``char`` are the hashing settings: a :class:`HashingSettings` when read
    from ``scorer.npz``, the fitted vectorizers themselves when taken from a pipeline.
    """

    word: Any
    char: Any
    word_weights: np.ndarray
    char_weights: np.ndarray
    structural_weights: np.ndarray
    structural_scale: np.ndarray
    intercept: float
    a: float
    b: float


def from_pipeline(pipeline: Any) -> ScorerNumbers:
    """The numbers of a fitted :func:`model.pipeline.build_pipeline` pipeline.

    Reads attributes only, so it imports nothing from scikit-learn. Raises
    :class:`ValueError` (or the ``AttributeError``/``KeyError`` of a missing part) when the
    pipeline is not shaped as that function builds it.
    """
    features = pipeline.named_steps["features"]
    classifier = pipeline.named_steps["classifier"]
    transformers = {name: t for name, t, _ in features.transformers_}
    slices = features.output_indices_
    word, char, scaler = transformers["word"], transformers["char"], transformers["structural"]
    for vec in (word, char):
        if vec.alternate_sign or not vec.binary or vec.norm != "l2":
            raise ValueError("unexpected hashing settings")
    calibrated = classifier.calibrated_classifiers_
    if len(calibrated) != 1 or len(calibrated[0].calibrators) != 1:
        raise ValueError("expected one calibrated linear model")
    linear, calibrator = calibrated[0].estimator, calibrated[0].calibrators[0]
    coef = linear.coef_.ravel()
    if len(scaler.scale_) != len(STRUCTURAL_FEATURES):
        raise ValueError("structural features differ from this version's")
    if word.analyzer != "word" or char.analyzer != "char_wb":
        raise ValueError("unexpected analyzers")
    return ScorerNumbers(
        word=word, char=char,
        word_weights=np.ascontiguousarray(coef[slices["word"]], dtype=np.float64),
        char_weights=np.ascontiguousarray(coef[slices["char"]], dtype=np.float64),
        structural_weights=np.ascontiguousarray(coef[slices["structural"]], dtype=np.float64),
        structural_scale=np.ascontiguousarray(scaler.scale_, dtype=np.float64),
        intercept=float(linear.intercept_[0]), a=float(calibrator.a_), b=float(calibrator.b_),
    )


def settings_of(vectorizer: Any) -> HashingSettings:
    """A fitted vectorizer's settings, if the hashers re-implement them; else ValueError."""
    plain = (vectorizer.input == "content" and vectorizer.lowercase is True
             and vectorizer.preprocessor is None and vectorizer.strip_accents is None
             and vectorizer.tokenizer is None and vectorizer.stop_words is None)
    if not plain:
        raise ValueError("only lower-casing before splitting can be written to "
                         f"{SCORER_FILE}")
    return _settings({"analyzer": vectorizer.analyzer, "n_features": vectorizer.n_features,
                      "ngram_range": list(vectorizer.ngram_range),
                      "token_pattern": vectorizer.token_pattern, "lowercase": True,
                      "binary": bool(vectorizer.binary), "norm": vectorizer.norm,
                      "alternate_sign": bool(vectorizer.alternate_sign)},
                     str(vectorizer.analyzer))


def to_bytes(numbers: ScorerNumbers) -> bytes:
    """``scorer.npz``'s bytes for ``numbers`` (the same numbers give the same bytes)."""
    word, char = settings_of(numbers.word), settings_of(numbers.char)
    params = {
        "format": NUMBERS_FORMAT, "format_version": NUMBERS_FORMAT_VERSION,
        "word": word.as_dict(), "char": char.as_dict(),
        "structural": list(STRUCTURAL_FEATURES),
        "intercept": numbers.intercept, "calibration": {"a": numbers.a, "b": numbers.b},
    }
    arrays = {"word": numbers.word_weights, "char": numbers.char_weights,
              "structural": numbers.structural_weights, "scale": numbers.structural_scale}
    _check(params, arrays)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        entries = [(PARAMS_ENTRY, (json.dumps(params, indent=2) + "\n").encode())]
        for name in ARRAY_ENTRIES:
            npy = io.BytesIO()
            np.lib.format.write_array(npy, np.asarray(arrays[name], dtype=_FLOAT),
                                      version=(1, 0), allow_pickle=False)
            entries.append((f"{name}.npy", npy.getvalue()))
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=6)
    return buffer.getvalue()


def from_bytes(data: bytes, where: object) -> ScorerNumbers:
    """Read ``scorer.npz``'s bytes; :class:`ArtifactError` (naming ``where``) unless every
    entry is there with the expected type, shape and range. Nothing is unpickled."""
    try:
        return _read(data)
    except ArtifactError as exc:
        raise ArtifactError(f"{where}: {exc}") from None
    except (zipfile.BadZipFile, ValueError, KeyError, EOFError, OSError) as exc:
        raise ArtifactError(f"{where} is not a readable {SCORER_FILE} ({exc})") from None


def _read(data: bytes) -> ScorerNumbers:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        expected = [PARAMS_ENTRY] + [f"{n}.npy" for n in ARRAY_ENTRIES]
        if sorted(names) != sorted(expected):
            raise ArtifactError(f"holds {sorted(names)}, not {sorted(expected)}")
        if archive.getinfo(PARAMS_ENTRY).file_size > MAX_PARAMS_BYTES:
            raise ArtifactError(f"{PARAMS_ENTRY} is too large")
        params = json.loads(archive.read(PARAMS_ENTRY).decode("utf-8"))
        sizes = _sizes(params)
        arrays = {name: _read_array(archive, name, sizes[name]) for name in ARRAY_ENTRIES}
    _check(params, arrays)
    word = _settings(params["word"], "word")
    char = _settings(params["char"], "char_wb")
    return ScorerNumbers(
        word=word, char=char, word_weights=arrays["word"], char_weights=arrays["char"],
        structural_weights=arrays["structural"], structural_scale=arrays["scale"],
        intercept=float(params["intercept"]), a=float(params["calibration"]["a"]),
        b=float(params["calibration"]["b"]),
    )


def _read_array(archive: zipfile.ZipFile, name: str, size: int) -> np.ndarray:
    """The entry ``name.npy``: ``size`` float64 numbers, refused on its header alone when its
    type or shape differ (so a crafted header cannot make it allocate anything)."""
    entry = f"{name}.npy"
    if archive.getinfo(entry).file_size > 8 * size + _NPY_HEADER_SLACK:
        raise ArtifactError(f"{entry} is larger than its {size} numbers")
    with archive.open(entry) as handle:
        if np.lib.format.read_magic(handle) != (1, 0):
            raise ArtifactError(f"{entry} is not a version 1.0 .npy array")
        shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
        if dtype != _FLOAT or shape != (size,):
            raise ArtifactError(f"{entry} is not {size} float64 numbers")
        raw = handle.read(8 * size + 1)
    if len(raw) != 8 * size:
        raise ArtifactError(f"{entry} does not hold its {size} numbers")
    return np.frombuffer(raw, dtype=_FLOAT)


def _sizes(params: object) -> dict[str, int]:
    """How many numbers each array must hold, from checked ``params``."""
    if not isinstance(params, dict) or params.get("format") != NUMBERS_FORMAT:
        raise ArtifactError(f"{PARAMS_ENTRY} is not a {NUMBERS_FORMAT} description")
    if params.get("format_version") != NUMBERS_FORMAT_VERSION:
        raise ArtifactError(f"uses format {params.get('format_version')!r}; this Hedgerow "
                            f"reads format {NUMBERS_FORMAT_VERSION}")
    if params.get("structural") != list(STRUCTURAL_FEATURES):
        raise ArtifactError("its structural signals differ from this version's")
    word = _settings(params.get("word"), "word")
    char = _settings(params.get("char"), "char_wb")
    n = len(STRUCTURAL_FEATURES)
    return {"word": word.n_features, "char": char.n_features, "structural": n, "scale": n}


def _settings(raw: object, analyzer: str) -> HashingSettings:
    """Checked hashing settings: those the hashers re-implement, and nothing else."""
    fixed = {"analyzer": analyzer, "lowercase": True, "binary": True, "norm": "l2",
             "alternate_sign": False}
    if not isinstance(raw, dict) or set(raw) != set(fixed) | {"n_features", "ngram_range",
                                                              "token_pattern"}:
        raise ArtifactError(f"the {analyzer} hashing settings are not as expected")
    if any(raw[key] != value or type(raw[key]) is not type(value)
           for key, value in fixed.items()):
        raise ArtifactError(f"the {analyzer} hashing settings are not ones Hedgerow "
                            "re-implements")
    n_features, ngrams, pattern = raw["n_features"], raw["ngram_range"], raw["token_pattern"]
    if not _is_int(n_features) or not 1 <= n_features <= MAX_FEATURES:
        raise ArtifactError(f"the {analyzer} hashing has {n_features!r} columns")
    if not (isinstance(ngrams, list | tuple) and len(ngrams) == 2 and all(map(_is_int, ngrams))
            and 1 <= ngrams[0] <= ngrams[1] <= MAX_NGRAM):
        raise ArtifactError(f"the {analyzer} n-gram range {ngrams!r} is not usable")
    if not isinstance(pattern, str):
        raise ArtifactError(f"the {analyzer} token pattern is not a string")
    try:
        groups = re.compile(pattern).groups
    except re.error as exc:
        raise ArtifactError(f"the {analyzer} token pattern does not compile ({exc})") from None
    if groups:
        raise ArtifactError(f"the {analyzer} token pattern has groups")
    return HashingSettings(analyzer=analyzer, n_features=n_features,
                           ngram_range=(ngrams[0], ngrams[1]), token_pattern=pattern)


def _check(params: dict[str, Any], arrays: dict[str, Any]) -> None:
    """Every array float64, one-dimensional, of its size and finite; scalars finite."""
    sizes = _sizes(params)
    for name in ARRAY_ENTRIES:
        array = arrays[name]
        if not isinstance(array, np.ndarray) or array.dtype != _FLOAT \
                or array.shape != (sizes[name],):
            raise ArtifactError(f"{name}.npy is not {sizes[name]} float64 numbers")
        if not np.isfinite(array).all():
            raise ArtifactError(f"{name}.npy holds numbers that are not finite")
    if not (arrays["scale"] > 0).all():
        raise ArtifactError("scale.npy holds a scale that is not positive")
    calibration = params.get("calibration")
    scalars = [params.get("intercept")]
    scalars += [calibration.get(k) for k in ("a", "b")] if isinstance(calibration, dict) \
        else [None]
    if not all(isinstance(x, float) and math.isfinite(x) for x in scalars):
        raise ArtifactError("the intercept and calibration must be finite numbers")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
