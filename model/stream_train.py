"""Training on more rows than memory holds: a streaming pass, then epochs over a spool.

:func:`model.train.train` holds every row, its input row and the hashed matrix in memory,
and fits the linear model four more times for out-of-fold scores: right for the shipped
data (about 7,500 rows), impossible for millions. :func:`train_streaming` makes the same
kind of artifact in memory that does not grow with the row count:

1. **One pass over the data**, file by file in chunks of :data:`~model.data.STREAM_CHUNK_ROWS`
   rows (:func:`model.data.iter_file`): e-mails cleaned and weighted as in
   :class:`~model.corpus.TrainingSet`, the benchmark's rows left out by the same rule,
   duplicates dropped (the first row of each normalised text, found with a fixed-size
   Bloom filter, :class:`SeenFilter`), a share of the training rows given a citation
   (:mod:`model.augment`, per chunk), and each row hashed with the scorer's own hashers
   (:mod:`model.hashing`) into a sparse chunk written to a spool directory on disk. The
   structural signals' max-abs scale is accumulated on the way.
2. **Epochs over the spool**: averaged SGD on the logistic loss (the shipped estimator's
   loss, penalty and ``alpha``), by ``partial_fit`` on each chunk, chunks and the rows in
   them shuffled every epoch.
3. **Calibration on held-out rows**: rows whose text hashes into the first
   :data:`VALIDATION_SHARE` of the hash space (at most :data:`VALIDATION_MAX_ROWS`) are
   never trained on; the sigmoid is fitted on their decision values, and the thresholds
   and the reported metrics come from their probabilities.

What differs from the in-memory path: no cross-validation folds (one held-out split), the
model is fitted once on the training rows rather than refitted on all rows, duplicates
keep the first row's label (no majority vote, which would need every text's labels), and
a Bloom-filter false positive (about 1 in 100,000 at a million distinct texts) drops a
row as a duplicate. The saved pipeline has the same steps and types, so the scorer, the
gate and ``hedgerow evaluate`` treat it like any other.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.calibration import _CalibratedClassifier, _SigmoidCalibration
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import Pipeline

from model.augment import chosen_rows, with_citation
from model.benchmark import (
    RULE,
    Benchmark,
    evalset_fingerprint,
    evalset_rows,
    held_out_keys,
    in_slice,
    key_of,
)
from model.corpus import DEFAULT_WEIGHTS, EMAIL_HAM_WEIGHT, Kind, TrainingSet, detect_kind
from model.data import STREAM_CHUNK_ROWS, iter_file, sha256_file
from model.errors import DataError
from model.evaluate import choose_thresholds, compute_metrics
from model.features import STRUCTURAL_FEATURES, PreparedComment, prepare_comment, to_matrix
from model.fields import CONTENT
from model.hashing import CharHasher, WordHasher, distinct
from model.pipeline import PipelineParams, build_pipeline, build_vectorizers
from model.train import BASE, NEW, Progress, RowGroup, TrainedModel, library_versions, new_version

# Data files together larger than this are trained on as a stream by `hedgerow train`.
STREAM_AUTO_BYTES = 64 * 1024 * 1024
# Share of distinct texts (by hash) held out for calibration, thresholds and metrics,
# and the most rows held out.
VALIDATION_SHARE = 0.1
VALIDATION_MAX_ROWS = 50_000
# Passes over the spooled rows. Fewer than the in-memory path's 15: with hundreds of
# thousands of rows, averaged SGD has settled after a few.
STREAM_EPOCHS = 5
# Bits of the duplicate filter (16 MiB) and how many bits each text sets.
FILTER_BITS = 2**27
FILTER_HASHES = 3
# Rows hashed together when building a chunk's matrix.
_MATRIX_ROWS = 1000

# Called with what is being done and how many rows it just got through.
RowProgress = Callable[[str, int], None]


def should_stream(paths: Sequence[Path | str]) -> bool:
    """Whether these data files are large enough to be trained on as a stream."""
    total = 0
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            total += path.stat().st_size
    return total > STREAM_AUTO_BYTES


class SeenFilter:
    """A Bloom filter of text keys (hex SHA-256 digests): fixed memory, whatever the rows.

    :meth:`add` says whether a key was (probably) added before; it never says no for a key
    that was. With :data:`FILTER_BITS` bits and a million keys, about one new key in
    100,000 is taken for a seen one.
    """

    def __init__(self, bits: int = FILTER_BITS, hashes: int = FILTER_HASHES) -> None:
        if bits & (bits - 1):
            raise ValueError("bits must be a power of two")
        self.bits = np.zeros(bits // 8, dtype=np.uint8)
        self.mask = bits - 1
        self.hashes = hashes

    def add(self, key: str) -> bool:
        """Add ``key``; return True if it was (probably) added before."""
        seen = True
        bits = self.bits
        for i in range(self.hashes):
            position = int(key[16 * i:16 * i + 16], 16) & self.mask
            byte, bit = position >> 3, np.uint8(1 << (position & 7))
            if not bits[byte] & bit:
                seen = False
                bits[byte] |= bit
        return seen


class RowHasher:
    """Input rows to the pipeline's feature columns (word | char | raw structural), sparse.

    Uses the scorer's hashers, which give exactly the vectorizers' columns; the structural
    values are left unscaled (the scale is known only after the whole pass).
    """

    def __init__(self, params: PipelineParams) -> None:
        word, char = build_vectorizers(params)
        self.word = WordHasher(word)
        self.char = CharHasher(char)
        self.word_features = int(params.word_features)
        self.char_features = int(params.char_features)
        self.width = self.word_features + self.char_features + len(STRUCTURAL_FEATURES)

    def matrix(self, prepared: Sequence[PreparedComment]) -> sparse.csr_matrix:
        """The rows' features as a CSR matrix (float32, columns sorted within each row)."""
        if len(prepared) <= _MATRIX_ROWS:
            return self._matrix(prepared)
        # In slices: the intermediate arrays take many times the finished matrix's size.
        return sparse.vstack([self._matrix(prepared[i:i + _MATRIX_ROWS])
                              for i in range(0, len(prepared), _MATRIX_ROWS)], format="csr")

    def _matrix(self, prepared: Sequence[PreparedComment]) -> sparse.csr_matrix:
        n = len(prepared)
        texts = [p.text for p in prepared]
        lowers = [t.lower() for t in texts]
        word_lists = self.word.columns_many([self.word.grams(t, low)
                                             for t, low in zip(texts, lowers, strict=True)])
        rows_w, cols_w = _distinct_per_row([np.asarray(c, dtype=np.int64) for c in word_lists],
                                           self.word_features)
        rows_c, cols_c = _distinct_per_row(self.char.columns_many(lowers), self.char_features)
        structural = np.array([p.structural for p in prepared], dtype=np.float64)
        rows_s, cols_s = np.nonzero(structural)
        rows = np.concatenate([rows_w, rows_c, rows_s])
        cols = np.concatenate([cols_w, cols_c + self.word_features,
                               cols_s + self.word_features + self.char_features])
        values = np.concatenate([_l2_values(rows_w, n), _l2_values(rows_c, n),
                                 structural[rows_s, cols_s]])
        # Each block is sorted by row, then column, and the blocks' columns do not overlap:
        # a stable sort by row keeps every row's columns in order.
        order = np.argsort(rows, kind="stable")
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        return sparse.csr_matrix((values[order].astype(np.float32),
                                  cols[order].astype(np.int32), indptr), shape=(n, self.width))


def _distinct_per_row(arrays: Sequence[np.ndarray], width: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of each distinct column of each row, rows in order, columns sorted."""
    n = len(arrays)
    if not n:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    counts = np.fromiter(map(len, arrays), np.intp, n)
    owners = np.repeat(np.arange(n, dtype=np.int64), counts)
    keys = distinct(owners * width + np.concatenate([a.astype(np.int64) for a in arrays]))
    rows = keys // width
    return rows, keys - rows * width


def _l2_values(rows: np.ndarray, n: int) -> np.ndarray:
    """Binary features L2-normalised per row: ``1 / sqrt(count)`` for each entry."""
    counts = np.bincount(rows, minlength=n)
    return 1.0 / np.sqrt(np.maximum(counts, 1))[rows]


@dataclass
class _Spool:
    """Chunks of hashed rows on disk, with labels and weights."""

    directory: Path
    train: list[Path] = field(default_factory=list)
    validation: list[Path] = field(default_factory=list)

    def write(self, matrix: sparse.csr_matrix, labels: list[int], weights: list[float],
              kinds: list[Kind], validation: bool) -> None:
        if not labels:
            return
        group = self.validation if validation else self.train
        path = self.directory / f"{'validation' if validation else 'train'}-{len(group):06d}.npz"
        np.savez(path, data=matrix.data, indices=matrix.indices, indptr=matrix.indptr,
                 y=np.asarray(labels, dtype=np.int8), w=np.asarray(weights, dtype=np.float32),
                 comment=np.asarray([k is Kind.COMMENTS for k in kinds]))
        group.append(path)


def _read_chunk(path: Path, width: int, scale: np.ndarray
                ) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray, np.ndarray]:
    """A spooled chunk, scaled: its matrix, labels, weights and which rows are comments."""
    with np.load(path) as saved:
        indices = saved["indices"]
        data = saved["data"].astype(np.float64) * scale[indices]
        matrix = sparse.csr_matrix((data, indices, saved["indptr"]),
                                   shape=(len(saved["indptr"]) - 1, width))
        return matrix, saved["y"].astype(np.int64), saved["w"].astype(np.float64), \
            saved["comment"]


@dataclass
class _Counts:
    """What the pass over the data counted, for the manifest."""

    trained: int = 0
    spam: int = 0
    ham: int = 0
    validation: int = 0
    duplicates: int = 0
    rule: int = 0
    benchmark: int = 0
    largest_chunk: int = 0
    by_kind: dict[str, int] = field(default_factory=lambda: {str(k): 0 for k in Kind})
    by_role: dict[str, int] = field(default_factory=dict)
    with_email: int = 0
    with_url: int = 0


class _Pass:
    """The pass over the data: hold out, deduplicate, cite, hash, spool."""

    def __init__(self, spool: _Spool, hasher: RowHasher, held: frozenset[str],
                 params: PipelineParams, on_rows: RowProgress | None) -> None:
        self.spool = spool
        self.hasher = hasher
        self.held = held
        self.seed = params.seed
        self.on_rows = on_rows
        self.seen = SeenFilter()
        self.counts = _Counts()
        self.max_abs = np.zeros(len(STRUCTURAL_FEATURES))
        self.sample: list[PreparedComment] = []
        self.chunks = 0

    def add(self, rows: TrainingSet, role: str) -> int:
        """Spool one chunk of weighted rows; return how many of them were held out."""
        counts = self.counts
        counts.largest_chunk = max(counts.largest_chunk, len(rows))
        kept: list[int] = []
        prepared: list[PreparedComment] = []
        validation: list[bool] = []
        held_out = 0
        for i, comment in enumerate(rows.data.comments()):
            item = prepare_comment(comment)
            key = key_of(" ".join(item.normalized.plain.casefold().split()))
            if in_slice(key):
                counts.rule += 1
                held_out += 1
                continue
            if key in self.held:
                counts.benchmark += 1
                held_out += 1
                continue
            if self.seen.add(key):
                counts.duplicates += 1
                continue
            kept.append(i)
            prepared.append(item)
            validation.append(counts.validation < VALIDATION_MAX_ROWS
                              and int(key[48:56], 16) < VALIDATION_SHARE * 2**32)
            counts.validation += validation[-1]
        data = rows.data
        train = [j for j, v in enumerate(validation) if not v]
        # The rows fitted on cite a source now and then; held-out rows stay as written.
        cited = chosen_rows([data.label[kept[j]] for j in train], self.seed + self.chunks)
        rng = random.Random(self.seed + 1 + self.chunks)
        comments = list(data.comments())
        for t in cited:
            j = train[t]
            comment = dict(comments[kept[j]])
            comment[CONTENT] = with_citation(str(comment[CONTENT]), rng)
            prepared[j] = prepare_comment(comment)
        self.chunks += 1
        for group, is_validation in ((train, False),
                                     ([j for j, v in enumerate(validation) if v], True)):
            if not group:
                continue
            items = [prepared[j] for j in group]
            index = [kept[j] for j in group]
            matrix = self.hasher.matrix(items)
            labels = [data.label[i] for i in index]
            self.spool.write(matrix, labels, [rows.weight[i] for i in index],
                             [rows.kind[i] for i in index], is_validation)
            if is_validation:
                continue
            if len(self.sample) < 2:
                self.sample += items[:2 - len(self.sample)]
            structural = np.abs(np.array([p.structural for p in items]))
            self.max_abs = np.maximum(self.max_abs, structural.max(axis=0))
            spam = sum(labels)
            counts.trained += len(labels)
            counts.spam += spam
            counts.ham += len(labels) - spam
            counts.by_role[role] = counts.by_role.get(role, 0) + len(labels)
            for i in index:
                counts.by_kind[str(rows.kind[i])] += 1
                counts.with_email += bool(data.email[i])
                counts.with_url += bool(data.url[i])
        if self.on_rows:
            self.on_rows("preparing rows", len(rows))
        return held_out


def train_streaming(paths: Sequence[Path | str], *, base: Sequence[Path | str] = (),
                    extra: Sequence[RowGroup] = (), params: PipelineParams | None = None,
                    weights: dict[Kind, float] | None = None, progress: Progress | None = None,
                    on_rows: RowProgress | None = None, version: str | None = None,
                    benchmark: Benchmark | None = None, evalset_dir: Path | None = None,
                    context: dict[str, Any] | None = None,
                    chunk_rows: int = STREAM_CHUNK_ROWS, epochs: int = STREAM_EPOCHS,
                    spool_dir: Path | None = None) -> TrainedModel:
    """Train on ``base`` plus ``paths`` (plus ``extra`` rows) without holding them in memory.

    The same inputs, roles, weights, benchmark rule and manifest as
    :func:`model.train.train`; see the module docstring for how the learning differs.
    ``progress`` is told the steps of :data:`model.train.TRAIN_STEPS`, ``on_rows`` the rows
    done. The hashed rows are spooled under ``spool_dir`` (default: a temporary directory,
    removed afterwards).
    """
    if not paths and not base and not extra:
        raise DataError("no training data; pass at least one --data FILE")
    params = params or PipelineParams()
    weights = weights or DEFAULT_WEIGHTS
    started = time.perf_counter()
    hand, _ = evalset_rows(evalset_dir)
    with tempfile.TemporaryDirectory(prefix="hedgerow-train-", dir=spool_dir) as tmp:
        spool = _Spool(Path(tmp))
        hasher = RowHasher(params)
        run = _Pass(spool, hasher, held_out_keys(benchmark, hand), params, on_rows)
        files: list[dict[str, Any]] = []
        for role, group in ((BASE, base), (NEW, paths)):
            for raw in group:
                files.append(_stream_file(Path(raw), role, run, weights, files, chunk_rows))
        for item in extra:
            if not len(item.rows):
                continue
            source = _unique_source(item.name, item.role, files)
            group_rows = item.rows.subset(range(len(item.rows)))
            group_rows.source = [source] * len(group_rows)
            rows = TrainingSet()
            rows.add(group_rows, Kind.COMMENTS, weights)
            held = run.add(rows, item.role)
            spam, ham = group_rows.counts()
            files.append({"role": item.role, "name": item.name, "source": source, **item.info,
                          "rows": len(group_rows), "spam": spam, "ham": ham, "held_out": held,
                          "kind": str(Kind.COMMENTS), "weight": weights[Kind.COMMENTS]})
        counts = run.counts
        if progress:
            progress("load data")
            progress("deduplicate")
            progress("prepare features")
        if not counts.spam or not counts.ham:
            raise DataError("training needs both spam and ham rows after leaving out the "
                            f"benchmark rows and duplicates (spam {counts.spam}, "
                            f"ham {counts.ham})")
        scale = np.ones(hasher.width)
        scale[-len(STRUCTURAL_FEATURES):] = 1.0 / np.where(run.max_abs == 0, 1.0, run.max_abs)
        linear = _fit_linear(spool, hasher.width, scale, params, epochs, on_rows)
        if progress:
            progress("cross-validate")
        decision, y, w, comment = _validation_decisions(spool, hasher.width, scale, linear)
        if len(np.unique(y)) < 2:
            raise DataError(f"the {len(y)} held-out rows are not both spam and ham; "
                            "streamed training needs more rows of both")
        calibrator = _SigmoidCalibration().fit(decision, y, sample_weight=w)
        probability = calibrator.predict(decision)
        pipeline = _assemble(params, linear, calibrator, run)
        if progress:
            progress("fit model")
    judged = comment if comment.any() else np.ones(len(y), dtype=bool)
    oof_y, oof_p = y[judged], probability[judged]
    thresholds = choose_thresholds(oof_y, oof_p)
    protocol = (f"held-out rows: {len(y)} ({VALIDATION_SHARE:.0%} of distinct texts by hash, "
                f"at most {VALIDATION_MAX_ROWS:,}), never trained on")
    manifest: dict[str, Any] = {
        "version": version or new_version(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": files,
        "rows": {"trained": counts.trained, "spam": counts.spam, "ham": counts.ham,
                 "duplicates_removed": counts.duplicates,
                 "duplicates_with_mixed_labels": None,
                 "by_kind": counts.by_kind, "by_role": counts.by_role,
                 "with_author_email": counts.with_email, "with_author_url": counts.with_url},
        "held_out": {"rule": RULE, "rule_rows": counts.rule,
                     "benchmark": benchmark.id if benchmark is not None else None,
                     "benchmark_rows": counts.benchmark, "evalsets": evalset_fingerprint(hand)},
        **(context or {}),
        "libraries": library_versions(),
        "params": params.as_dict(),
        "streaming": {"chunk_rows": chunk_rows, "largest_chunk_rows": counts.largest_chunk,
                      "epochs": epochs, "validation_rows": int(len(y)),
                      "duplicate_filter_bits": FILTER_BITS,
                      "method": "averaged SGD by partial_fit over shuffled spooled chunks; "
                                "sigmoid calibration, thresholds and metrics on held-out rows"},
        "features": {"text": "word 1-2-grams and char_wb n-grams, hashed",
                     "structural": list(STRUCTURAL_FEATURES)},
        "metrics": {"protocol": protocol, "threshold": thresholds["hold"],
                    **compute_metrics(oof_y, oof_p, thresholds["hold"])},
        "thresholds": thresholds,
        "training_seconds": round(time.perf_counter() - started, 1),
    }
    return TrainedModel(pipeline=pipeline, manifest=manifest, oof_labels=oof_y,
                        oof_probability=oof_p)


def _stream_file(path: Path, role: str, run: _Pass, weights: dict[Kind, float],
                 files: list[dict[str, Any]], chunk_rows: int) -> dict[str, Any]:
    """Spool one file's rows; return its manifest entry."""
    source = _unique_source(path.name, role, files)
    kind: Kind | None = None
    total = spam = held = 0
    for chunk in iter_file(path, chunk_rows):
        if kind is None:  # judged on the first chunk: a stream cannot be looked at whole
            kind = detect_kind(path.name, chunk, tab_format=chunk.file_format == "label-tab-text")
        chunk.source = [source] * len(chunk)
        rows = TrainingSet()
        rows.add(chunk, kind, weights)
        total += len(chunk)
        spam += sum(chunk.label)
        held += run.add(rows, role)
    assert kind is not None  # iter_file yields at least one chunk or raises
    entry: dict[str, Any] = {"role": role, "name": path.name, "sha256": sha256_file(path),
                             "rows": total, "spam": spam, "ham": total - spam,
                             "kind": str(kind), "weight": weights[kind], "source": source,
                             "held_out": held}
    if kind is Kind.EMAIL:
        entry["ham_weight"] = weights[kind] * EMAIL_HAM_WEIGHT
    return entry


def _unique_source(name: str, role: str, files: list[dict[str, Any]]) -> str:
    taken = {entry["source"] for entry in files}
    label, n = name, 1
    while label in taken:
        n += 1
        label = f"{name} ({role})" if n == 2 else f"{name} ({role} {n})"
    return label


def _fit_linear(spool: _Spool, width: int, scale: np.ndarray, params: PipelineParams,
                epochs: int, on_rows: RowProgress | None) -> SGDClassifier:
    """Averaged SGD over the spooled training chunks, reshuffled every epoch."""
    linear = SGDClassifier(loss="log_loss", alpha=params.alpha, average=True,
                           random_state=params.seed)
    rng = np.random.default_rng(params.seed)
    classes = np.array([0, 1])
    for epoch in range(epochs):
        for index in rng.permutation(len(spool.train)):
            matrix, y, w, _ = _read_chunk(spool.train[index], width, scale)
            order = rng.permutation(len(y))
            linear.partial_fit(matrix[order], y[order], classes=classes, sample_weight=w[order])
            if on_rows:
                on_rows(f"epoch {epoch + 1}/{epochs}", len(y))
    return linear


def _validation_decisions(spool: _Spool, width: int, scale: np.ndarray, linear: SGDClassifier
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Decision values, labels, weights and comment flags of the held-out rows."""
    if not spool.validation:
        raise DataError("no rows were held out for calibration; streamed training needs "
                        "more rows")
    parts = []
    for path in spool.validation:  # a chunk at a time: only the decision values add up
        matrix, y, w, comment = _read_chunk(path, width, scale)
        parts.append((linear.decision_function(matrix), y, w, comment))
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(4))  # type: ignore[return-value]


def _assemble(params: PipelineParams, linear: SGDClassifier, calibrator: _SigmoidCalibration,
              run: _Pass) -> Pipeline:
    """The pipeline :func:`model.pipeline.build_pipeline` describes, with the fitted parts."""
    template = build_pipeline(params)
    features = template.named_steps["features"]
    # Fitting the column transformer on two rows sets up its columns; the scaler then gets
    # the scale of the whole pass.
    features.fit(to_matrix(run.sample))
    scaler = features.named_transformers_["structural"]
    scaler.max_abs_ = run.max_abs.copy()
    scaler.scale_ = np.where(run.max_abs == 0, 1.0, run.max_abs)
    scaler.n_samples_seen_ = run.counts.trained
    classifier = template.named_steps["classifier"]
    classifier.calibrated_classifiers_ = [
        _CalibratedClassifier(linear, [calibrator], classes=linear.classes_, method="sigmoid")]
    classifier.classes_ = linear.classes_
    classifier.n_features_in_ = linear.n_features_in_
    return Pipeline([("features", features), ("classifier", classifier)])

