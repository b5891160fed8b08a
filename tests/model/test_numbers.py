"""``scorer.npz``: the scorer's numbers, loaded without scikit-learn and verified like the model."""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from model import numbers
from model.artifact import (
    MANIFEST_FILE,
    MODEL_FILE,
    Artifact,
    load_artifact,
    save_artifact,
    scorer_bytes,
    sha256_bytes,
    sign_artifact,
)
from model.data import load_file
from model.errors import ArtifactError
from model.numbers import SCORER_FILE
from model.registry import default_artifact_dir
from model.scorer import Scorer
from tests.model.conftest import tiny_rows
from tests.model.test_scoring import AWKWARD

REPO = Path(__file__).resolve().parents[2]
KEY, OTHER_KEY = b"k" * 32, b"x" * 32


def _copy(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(source, target)
    return target


def _manifest(directory: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((directory / MANIFEST_FILE).read_text())
    return manifest


def _write_scorer(directory: Path, data: bytes) -> None:
    """Replace the scorer file and record its hash, as a careless (unsigned) edit would."""
    (directory / SCORER_FILE).write_bytes(data)
    manifest = _manifest(directory)
    manifest["scorer_sha256"] = sha256_bytes(data)
    (directory / MANIFEST_FILE).write_text(json.dumps(manifest))


def _real_comments(shared_data: Path) -> list[dict[str, str]]:
    comments = [{"comment_content": text} for text, _ in tiny_rows()]
    comments += [{"comment_content": t, "comment_author": "Bob www.x.com",
                  "comment_author_url": "http://x.com"} for t in AWKWARD]
    for name in ("Youtube02-KatyPerry.csv", "Youtube05-Shakira.csv"):
        comments += list(load_file(shared_data / "youtube-spam-collection" / name).comments())
    return comments


def test_the_shipped_model_scores_from_its_scorer_file_as_its_pipeline_does(
        shared_data: Path) -> None:
    lean = Scorer.load(default_artifact_dir())
    assert lean.artifact.numbers is not None and lean.artifact.fitted is None
    comments = _real_comments(shared_data)
    assert len(comments) > 700
    found = [s.probability for s in lean.score_many(comments, reasons=False)]
    reference = lean.pipeline_probabilities(comments)  # loads model.skops now
    assert max(abs(a - b) for a, b in zip(found, reference, strict=True)) < 1e-9
    # And the very same floats as numbers taken from the pipeline's attributes.
    from_pipeline = Scorer(Artifact(manifest=lean.manifest, directory=lean.artifact.directory,
                                    fitted=lean.artifact.pipeline))
    assert from_pipeline.artifact.numbers is None
    assert [s.probability for s in from_pipeline.score_many(comments, reasons=False)] == found
    assert [lean.score(c) for c in comments[:200]] == [from_pipeline.score(c)
                                                       for c in comments[:200]]


def test_the_shipped_scorer_file_is_what_its_pipeline_writes() -> None:
    """scripts/scorer-file made it from model.skops; doing so again gives the same bytes."""
    artifact = load_artifact(default_artifact_dir())
    assert scorer_bytes(artifact.pipeline) == (default_artifact_dir() / SCORER_FILE).read_bytes()


def test_saving_writes_the_scorer_file_and_records_it(tiny_artifact: Artifact,
                                                      tmp_path: Path) -> None:
    manifest = dict(tiny_artifact.manifest)
    save_artifact(tmp_path / "a", tiny_artifact.pipeline, manifest)
    save_artifact(tmp_path / "b", tiny_artifact.pipeline, manifest)
    data = (tmp_path / "a" / SCORER_FILE).read_bytes()
    assert data == (tmp_path / "b" / SCORER_FILE).read_bytes()  # reproducible
    saved = _manifest(tmp_path / "a")
    assert saved["scorer_file"] == SCORER_FILE and saved["scorer_bytes"] == len(data)
    assert saved["scorer_sha256"] == sha256_bytes(data)
    # NumPy reads it as an ordinary .npz, without pickle.
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        assert sorted(npz.files) == ["char", "params.json", "scale", "structural", "word"]
        assert npz["word"].dtype == np.float64


def test_a_tampered_scorer_file_is_refused(tiny_artifact: Artifact, tmp_path: Path) -> None:
    copy = _copy(tiny_artifact.directory, tmp_path)
    data = bytearray((copy / SCORER_FILE).read_bytes())
    data[len(data) // 2] ^= 0x01
    (copy / SCORER_FILE).write_bytes(bytes(data))
    for pipeline in (False, True):
        with pytest.raises(ArtifactError, match="scorer.npz does not match the SHA-256"):
            load_artifact(copy, pipeline=pipeline)
    with pytest.raises(ArtifactError, match="scorer.npz does not match the SHA-256"):
        Scorer.load(copy)


def test_another_models_scorer_file_under_a_signed_manifest_is_refused(
        tiny_artifact: Artifact, tmp_path: Path) -> None:
    copy = _copy(tiny_artifact.directory, tmp_path)
    sign_artifact(copy, KEY)
    assert Scorer(load_artifact(copy, signing_keys=[KEY], pipeline=False)).version
    found = numbers.from_pipeline(tiny_artifact.pipeline)
    inverted = numbers.to_bytes(dataclasses.replace(
        found, word_weights=-found.word_weights, char_weights=-found.char_weights))
    (copy / SCORER_FILE).write_bytes(inverted)
    with pytest.raises(ArtifactError, match="does not match the SHA-256"):
        load_artifact(copy, signing_keys=[KEY], pipeline=False)
    _write_scorer(copy, inverted)  # its hash written in: the signature no longer matches
    with pytest.raises(ArtifactError, match="signature does not match"):
        load_artifact(copy, signing_keys=[KEY], pipeline=False)


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def _rezip(data: bytes, change: Callable[[dict[str, bytes]], None]) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    change(entries)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, value in entries.items():
            archive.writestr(name, value)
    return out.getvalue()


def _params(change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, bytes]], None]:
    def edit(entries: dict[str, bytes]) -> None:
        params = json.loads(entries["params.json"])
        change(params)
        entries["params.json"] = json.dumps(params).encode()
    return edit


def _huge_header(entries: dict[str, bytes]) -> None:
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (2**40,)})
    entries["word.npy"] = header.getvalue() + b"\0" * 64


def _with_nan(entries: dict[str, bytes]) -> None:
    weights = np.load(io.BytesIO(entries["word.npy"])).copy()
    weights[3] = np.nan
    entries["word.npy"] = _npy(weights)


MALFORMED: dict[str, tuple[Callable[[dict[str, bytes]], None], str]] = {
    "an extra entry": (lambda e: e.update({"run.sh": b"#!/bin/sh"}), "holds"),
    "an entry missing": (lambda e: e.__delitem__("scale.npy"), "holds"),
    "pickled objects": (lambda e: e.update({"scale.npy": _npy(np.array([object()] * 14))}),
                        "not 14 float64 numbers"),
    "float32 weights": (lambda e: e.update({"word.npy": _npy(
        np.load(io.BytesIO(e["word.npy"])).astype(np.float32))}), "float64"),
    "a header claiming 2**40 numbers": (_huge_header, "larger than its|not 262144"),
    "a weight that is NaN": (_with_nan, "not finite"),
    "another format": (_params(lambda p: p.update(format="pickle")), "not a hedgerow-scorer"),
    "other structural signals": (_params(lambda p: p["structural"].reverse()),
                                 "structural signals differ"),
    "a token pattern with a group": (_params(lambda p: p["word"].update(
        token_pattern=r"(\w+)")), "token pattern has groups"),
    "accents stripped": (_params(lambda p: p["char"].update(strip_accents="unicode")),
                         "settings are not as expected"),
    "an intercept that is a string": (_params(lambda p: p.update(intercept="1.0")),
                                      "finite numbers"),
    "two billion columns": (_params(lambda p: p["char"].update(n_features=2**31)),
                            "columns"),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_malformed_scorer_files_are_refused_before_use(
        tiny_artifact: Artifact, tmp_path: Path, case: str) -> None:
    change, message = MALFORMED[case]
    copy = _copy(tiny_artifact.directory, tmp_path)
    _write_scorer(copy, _rezip((copy / SCORER_FILE).read_bytes(), change))
    with pytest.raises(ArtifactError, match=message):
        Scorer.load(copy)


def test_junk_in_place_of_the_scorer_file_is_refused(tiny_artifact: Artifact,
                                                     tmp_path: Path) -> None:
    copy = _copy(tiny_artifact.directory, tmp_path)
    _write_scorer(copy, b"PK\x03\x04 not really")
    with pytest.raises(ArtifactError, match="is not a readable scorer.npz"):
        Scorer.load(copy)


@pytest.mark.parametrize(("change", "message"), [
    ({"scorer_file": "/etc/passwd"}, "not a file name inside the artifact folder"),
    ({"scorer_file": "../x/scorer.npz"}, "not a file name inside the artifact folder"),
    ({"scorer_file": MODEL_FILE}, "needs a file of its own"),
    ({"scorer_sha256": None}, "needs a file of its own"),
    ({"scorer_file": "gone.npz"}, "has a manifest but no gone.npz"),
])
def test_a_manifest_naming_a_bad_or_missing_scorer_file_is_refused(
        tiny_artifact: Artifact, tmp_path: Path, change: dict[str, object],
        message: str) -> None:
    copy = _copy(tiny_artifact.directory, tmp_path)
    manifest = {**_manifest(copy), **change}
    (copy / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match=message):
        load_artifact(copy, pipeline=False)


def test_an_artifact_without_a_scorer_file_loads_through_its_pipeline_and_the_script_adds_it(
        tiny_artifact: Artifact, tmp_path: Path) -> None:
    copy = _copy(tiny_artifact.directory, tmp_path)
    written = (copy / SCORER_FILE).read_bytes()
    original = (copy / MANIFEST_FILE).read_bytes()
    manifest = _manifest(copy)
    for field in ("scorer_file", "scorer_sha256", "scorer_bytes"):
        del manifest[field]
    (copy / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
    (copy / SCORER_FILE).unlink()
    old = Scorer.load(copy)
    assert old.artifact.numbers is None and old.artifact.fitted is not None
    comments = [{"comment_content": text} for text, _ in tiny_rows()]
    expected = [old.score(c) for c in comments]

    done = subprocess.run([sys.executable, str(REPO / "scripts" / "scorer-file"), str(copy)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (copy / SCORER_FILE).read_bytes() == written
    assert json.loads((copy / MANIFEST_FILE).read_bytes()) == json.loads(original)
    new = Scorer.load(copy)
    assert new.artifact.numbers is not None and new.artifact.fitted is None
    assert [new.score(c) for c in comments] == expected


def test_the_pipeline_is_read_and_checked_only_when_asked_for(tiny_artifact: Artifact,
                                                              tmp_path: Path) -> None:
    copy = _copy(tiny_artifact.directory, tmp_path)
    scorer = Scorer.load(copy)
    assert scorer.artifact.fitted is None
    payload = bytearray((copy / MODEL_FILE).read_bytes())
    payload[len(payload) // 2] ^= 0xFF
    (copy / MODEL_FILE).write_bytes(bytes(payload))
    with pytest.raises(ArtifactError, match="model.skops does not match the SHA-256"):
        scorer.pipeline_probabilities([{"comment_content": "hello"}])
