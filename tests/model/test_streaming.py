"""Training on a stream: the chunked reader, the duplicate filter, the hashed rows, and
`hedgerow train --stream` end to end in its own process."""

from __future__ import annotations

import inspect
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from model.data import LabelledData, iter_file, load_file
from model.errors import DataError
from model.features import prepare_comment, to_matrix
from model.pipeline import PipelineParams, build_pipeline
from model.scorer import Scorer
from model.stream_train import RowHasher, SeenFilter, train_streaming
from model.train import write_artifact
from tests.model.conftest import sms_rows, video_rows, write_csv, write_label_tab_text

ROOT = Path(__file__).resolve().parents[2]


def _rows(n: int, seed: int = 3) -> list[tuple[str, int]]:
    """``n`` distinct labelled comments: generated ones, joined in pairs of one class."""
    pool = video_rows(100) + sms_rows(100)
    by_class = {label: [t for t, y in pool if y == label] for label in (0, 1)}
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        label = i % 2
        rows.append((f"{rng.choice(by_class[label])} {rng.choice(by_class[label])} #{i}", label))
    return rows


def _texts(chunks: list[LabelledData]) -> list[str]:
    return [t for c in chunks for t in c.text]


def test_iter_file_is_a_generator_of_bounded_chunks_that_add_up_to_the_file(
        tmp_path: Path) -> None:
    rows = _rows(1050)
    csv_path = write_csv(tmp_path / "rows.csv", rows)
    tab_path = write_label_tab_text(tmp_path / "rows", rows)
    jsonl_path = tmp_path / "rows.jsonl"
    jsonl_path.write_text("".join(json.dumps({"text": t, "label": y}) + "\n" for t, y in rows))
    for path in (csv_path, tab_path, jsonl_path):
        assert inspect.isgenerator(iter_file(path, chunk_rows=100))
        chunks = list(iter_file(path, chunk_rows=100))
        assert [len(c) for c in chunks] == [100] * 10 + [50]
        whole = load_file(path)
        assert _texts(chunks) == whole.text
        assert [y for c in chunks for y in c.label] == whole.label
        assert {c.file_format for c in chunks} == {whole.file_format}


def test_iter_file_hands_out_rows_before_reading_the_rest(tmp_path: Path) -> None:
    # A bad label on the last row: the first chunks arrive before the reader gets there,
    # which a reader that loads the whole file first could not do.
    path = write_csv(tmp_path / "rows.csv", [*_rows(300), ("the last row", "maybe")])  # type: ignore[list-item]
    stream = iter_file(path, chunk_rows=100)
    first = next(stream)
    assert len(first) == 100
    assert len(next(stream)) == 100
    with pytest.raises(DataError, match="row 301"):
        list(stream)


def test_iter_file_refuses_what_load_file_refuses(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n")
    with pytest.raises(DataError, match="empty"):
        list(iter_file(empty))
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("CONTENT,CLASS\ncaf\xe9,1\n".encode("latin-1"))
    with pytest.raises(DataError, match="not UTF-8"):
        list(iter_file(latin1))
    with pytest.raises(DataError, match="no such data file"):
        list(iter_file(tmp_path / "missing.csv"))


def test_seen_filter_never_forgets_a_key_and_rarely_invents_one() -> None:
    import hashlib

    seen = SeenFilter(bits=2**20)
    keys = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(20_000)]
    assert not any(seen.add(k) for k in keys[:10_000])
    assert all(seen.add(k) for k in keys[:10_000])
    invented = sum(seen.add(k) for k in keys[10_000:])
    assert invented < 200  # about 0.3 % expected at this fill


def test_row_hasher_gives_the_pipelines_columns() -> None:
    params = PipelineParams()
    prepared = [prepare_comment({"comment_content": t}) for t, _ in _rows(40)]
    prepared.append(prepare_comment({"comment_content": "Visit www.cheap-views.com NOW!!! ок"}))
    features = build_pipeline(params).named_steps["features"]
    expected = features.fit(to_matrix(prepared)).transform(to_matrix(prepared)).toarray()
    got = RowHasher(params).matrix(prepared).toarray()
    text = params.word_features + params.char_features
    np.testing.assert_allclose(got[:, :text], expected[:, :text], rtol=1e-6)
    # Structural signals stay unscaled until the whole pass has seen their range.
    scale = features.named_transformers_["structural"].scale_
    np.testing.assert_allclose(got[:, text:] / scale, expected[:, text:], rtol=1e-6)


def test_streamed_model_reads_in_chunks_and_scores_like_its_pipeline(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "rows.csv", _rows(3000))
    trained = train_streaming([path], chunk_rows=250, epochs=3, spool_dir=tmp_path)
    streaming = trained.manifest["streaming"]
    assert streaming["largest_chunk_rows"] == 250
    assert streaming["validation_rows"] > 0
    rows = trained.manifest["rows"]
    assert rows["trained"] + streaming["validation_rows"] + trained.manifest["held_out"][
        "rule_rows"] + rows["duplicates_removed"] == 3000
    assert list(tmp_path.iterdir()) == [path]  # the spool is gone
    directory = write_artifact(trained, tmp_path / "model")
    scorer = Scorer.load(directory)
    comments = [{"comment_content": t} for t, _ in _rows(60, seed=9)]
    comments.append({"comment_content": "Check out my channel http://bit.ly/zz subscribe!!"})
    lean = [s.probability for s in scorer.score_many(comments)]
    np.testing.assert_allclose(lean, scorer.pipeline_probabilities(comments), atol=1e-9)
    assert lean[-1] > scorer.hold > min(lean)


def test_train_command_streams_a_csv_end_to_end(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "comments.csv", _rows(2000))
    out = tmp_path / "model"
    env = dict(os.environ, HEDGEROW_DATA_DIR=str(tmp_path / "data"))
    env.pop("HEDGEROW_SECRET_KEY", None)
    done = subprocess.run(
        [sys.executable, "-c", "from service.cli.main import main; main()", "train",
         "--stream", "--no-base", "--data", str(data), "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "held-out rows" in done.stdout
    assert "Traceback" not in done.stderr
    assert "Held-out on this model's own comment rows" in (out / "MODEL_CARD.md").read_text()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["streaming"]["largest_chunk_rows"] <= 5000
    assert manifest["data"][0]["rows"] == 2000
    scorer = Scorer.load(out)
    spam = scorer.score({"comment_content": "Please subscribe to my channel http://bit.ly/v7"})
    ham = scorer.score({"comment_content": "Her voice is amazing every morning"})
    assert spam.probability > ham.probability


def test_train_command_help_names_the_stream_option() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from service.cli.main import main; main()", "train", "--help"],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert "--stream / --no-stream" in done.stdout
