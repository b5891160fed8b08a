"""Training: data files in, a fitted pipeline and its manifest out.

Steps: load every file (the trusted base, then the new data, then feedback rows), clean
e-mails, weight each medium, leave out the benchmark's rows (:mod:`model.benchmark`),
deduplicate on normalised text, prepare features once, estimate quality out-of-fold (folds
keep each comment file together when there are three or more, as a new site would be
unseen), pick thresholds from those out-of-fold probabilities, then fit the calibrated
pipeline on everything.
"""

from __future__ import annotations

import platform
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import scipy
import sklearn
import skops
from sklearn.base import clone
from sklearn.model_selection import PredefinedSplit, StratifiedKFold
from sklearn.pipeline import Pipeline

from model.augment import cited_matrix
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
from model.data import (
    FileInfo,
    LabelledData,
    duplicate_groups,
    file_info,
    load_file,
    require_both_classes,
)
from model.errors import DataError
from model.evaluate import choose_thresholds, compute_metrics
from model.features import STRUCTURAL_FEATURES, prepare_comment, to_matrix
from model.normalize import dedup_key
from model.pipeline import PipelineParams, build_pipeline

Progress = Callable[[str], None]

TRAIN_STEPS = ("load data", "deduplicate", "prepare features", "cross-validate", "fit model")

# Roles of the data a model learns from, as the manifest and the model card name them.
BASE, NEW, FEEDBACK = "base", "new", "feedback"


@dataclass
class RowGroup:
    """Labelled rows that do not come from a file (one site's feedback), counted as comments."""

    name: str
    rows: LabelledData
    role: str = FEEDBACK
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class PreparedSet:
    """A deduplicated training set with its input matrix."""

    rows: TrainingSet
    matrix: np.ndarray
    files: list[dict[str, Any]]
    removed_duplicates: int
    conflicting: int
    held_out: dict[str, Any] = field(default_factory=dict)


@dataclass
class TrainedModel:
    """A fitted pipeline, its manifest, and the out-of-fold comment predictions behind it."""

    pipeline: Pipeline
    manifest: dict[str, Any]
    oof_labels: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    oof_probability: np.ndarray = field(default_factory=lambda: np.zeros(0))


def new_version(now: datetime | None = None) -> str:
    """A sortable, unique version name: UTC time plus four random hex digits."""
    now = now or datetime.now(UTC)
    return now.strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


def _file_entry(path: Path, data: LabelledData, kind: Kind, role: str,
                weights: dict[Kind, float]) -> dict[str, Any]:
    info: FileInfo = file_info(path, data)
    entry = {"role": role} | info.as_dict() | {"kind": str(kind), "weight": weights[kind]}
    if kind is Kind.EMAIL:
        entry["ham_weight"] = weights[kind] * EMAIL_HAM_WEIGHT
    return entry


def _hold_out(rows: TrainingSet, keys: list[str], held: frozenset[str]
              ) -> tuple[TrainingSet, list[str], list[str | None]]:
    """Drop the benchmark slice and every held-back row; say why each row was dropped."""
    keep: list[int] = []
    why: list[str | None] = []
    for i, dedup in enumerate(keys):
        key = key_of(dedup)
        reason = "rule" if in_slice(key) else "benchmark" if key in held else None
        why.append(reason)
        if reason is None:
            keep.append(i)
    kept = TrainingSet(data=rows.data.subset(keep), weight=[rows.weight[i] for i in keep],
                       kind=[rows.kind[i] for i in keep])
    return kept, [keys[i] for i in keep], why


def load_training_set(paths: Sequence[Path | str], *, base: Sequence[Path | str] = (),
                      extra: Sequence[RowGroup] = (), weights: dict[Kind, float] | None = None,
                      progress: Progress | None = None, benchmark: Benchmark | None = None,
                      evalset_dir: Path | None = None) -> PreparedSet:
    """Load, weight, hold out, deduplicate and prepare the rows of ``base``, ``paths``, ``extra``.

    ``base`` is the trusted data retraining starts from, ``paths`` the new data, ``extra``
    rows from elsewhere (moderators' feedback, one group per site), counted as comments.
    Every row of the benchmark slice (:mod:`model.benchmark`), every row stored in
    ``benchmark`` and every hand-written evaluation row is left out, compared on
    normalised text, so that no model is ever judged on a row it learned.
    """
    if not paths and not base and not extra:
        raise DataError("no training data; pass at least one --data FILE")
    weights = weights or DEFAULT_WEIGHTS
    rows = TrainingSet()
    files: list[dict[str, Any]] = []
    for role, group in ((BASE, base), (NEW, paths)):
        for raw in group:
            path = Path(raw)
            data = load_file(path)
            kind = detect_kind(path.name, data, tab_format=data.file_format == "label-tab-text")
            entry = _file_entry(path, data, kind, role, weights)
            # Each source keeps its own name (two files may share one), so that folds,
            # held-out counts and roles are per file.
            entry["source"] = _unique(path.name, role, files)
            data.source = [entry["source"]] * len(data)
            files.append(entry)
            rows.add(data, kind, weights)
    for item in extra:
        if not len(item.rows):
            continue
        group_rows = item.rows.subset(range(len(item.rows)))
        source = _unique(item.name, item.role, files)
        group_rows.source = [source] * len(group_rows)
        rows.add(group_rows, Kind.COMMENTS, weights)
        spam, ham = group_rows.counts()
        files.append({"role": item.role, "name": item.name, "source": source, **item.info,
                      "rows": len(group_rows), "spam": spam, "ham": ham,
                      "kind": str(Kind.COMMENTS), "weight": weights[Kind.COMMENTS]})
    if progress:
        progress("load data")
    require_both_classes(rows.data)
    hand, _ = evalset_rows(evalset_dir)
    keys = [dedup_key(text) for text in rows.data.text]
    kept, kept_keys, why = _hold_out(rows, keys, held_out_keys(benchmark, hand))
    by_source: dict[str, int] = {}
    for source, reason in zip(rows.data.source, why, strict=True):
        if reason:
            by_source[source] = by_source.get(source, 0) + 1
    for entry in files:
        entry["held_out"] = by_source.get(entry["source"], 0)
    held_out = {
        "rule": RULE,
        "rule_rows": why.count("rule"),
        "benchmark": benchmark.id if benchmark is not None else None,
        "benchmark_rows": why.count("benchmark"),
        "evalsets": evalset_fingerprint(hand),
    }
    require_both_classes(kept.data, "training (after leaving out the benchmark rows)")
    kept_idx, labels, report = duplicate_groups(kept.data, keys=kept_keys)
    deduped = TrainingSet(data=kept.data.subset(kept_idx),
                          weight=[kept.weight[i] for i in kept_idx],
                          kind=[kept.kind[i] for i in kept_idx])
    deduped.data.label = labels
    require_both_classes(deduped.data)
    if progress:
        progress("deduplicate")
    matrix = to_matrix([prepare_comment(c) for c in deduped.data.comments()])
    if progress:
        progress("prepare features")
    return PreparedSet(rows=deduped, matrix=matrix, files=files,
                       removed_duplicates=report.removed, conflicting=report.conflicting,
                       held_out=held_out)


def make_folds(rows: TrainingSet, *, max_folds: int = 5, seed: int = 0) -> tuple[np.ndarray, str]:
    """A fold id per row, and a sentence saying how the folds were made.

    With three or more comment files each file is kept within one fold, so every score is
    measured on a source the model has not seen (as a new site would be); other media are
    spread at random. Otherwise the rows are split into stratified folds.
    """
    rng = np.random.default_rng(seed)
    y = np.asarray(rows.data.label)
    comment_sources = sorted({rows.data.source[i] for i in rows.comment_rows()})
    if len(comment_sources) >= 3:
        k = min(len(comment_sources), max_folds)
        index = {name: j % k for j, name in enumerate(comment_sources)}
        folds = rng.integers(0, k, size=len(y))
        for i in rows.comment_rows():
            folds[i] = index[rows.data.source[i]]
        return folds, f"{k} folds, each comment file held out whole ({len(comment_sources)} files)"
    smallest = int(min(y.sum(), len(y) - y.sum()))
    if smallest < 2:
        raise DataError("training needs at least 2 spam and 2 ham rows after deduplication")
    k = min(max_folds, smallest)
    folds = np.empty(len(y), dtype=int)
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    for j, (_, test) in enumerate(splitter.split(np.zeros(len(y)), y)):
        folds[test] = j
    return folds, f"{k} stratified folds over rows"


def fit(prepared: PreparedSet, params: PipelineParams | None = None,
        progress: Progress | None = None) -> tuple[Pipeline, np.ndarray, str]:
    """Fit the pipeline; return it, out-of-fold probabilities for every row, and the protocol.

    The features are computed once: hashing is stateless and the scaler's mean and spread
    barely move between folds.
    """
    params = params or PipelineParams()
    rows = prepared.rows
    y = np.asarray(rows.data.label, dtype=int)
    w = np.asarray(rows.weight, dtype=float)
    folds, protocol = make_folds(rows, max_folds=max(params.folds, 2), seed=params.seed)
    template = build_pipeline(params, cv=PredefinedSplit(folds))
    features = template.named_steps["features"]
    classifier = template.named_steps["classifier"]
    # The rows the model is fitted on cite a source now and then; the rows it is judged on
    # (out-of-fold here, the held-out file in cross-validation) stay as written.
    fitted_on = features.fit_transform(cited_matrix(prepared.matrix, rows.data, params.seed))
    matrix = features.transform(prepared.matrix)

    decision = np.zeros(len(y))
    for fold in np.unique(folds):
        train, test = folds != fold, folds == fold
        if len(np.unique(y[train])) < 2:
            raise DataError("a cross-validation fold has only one class; add more rows of both")
        linear = clone(classifier.estimator)
        linear.fit(fitted_on[train], y[train], sample_weight=w[train])
        decision[test] = linear.decision_function(matrix[test])
    if progress:
        progress("cross-validate")

    classifier.fit(fitted_on, y, sample_weight=w)
    # The saved model should not carry training-row indices; the number of folds says enough.
    classifier.set_params(cv=int(len(np.unique(folds))))
    calibrator = classifier.calibrated_classifiers_[0].calibrators[0]
    oof = calibrator.predict(decision)
    if progress:
        progress("fit model")
    pipeline = Pipeline([("features", features), ("classifier", classifier)])
    return pipeline, oof, protocol


def library_versions() -> dict[str, str]:
    """Versions of Python and of every library the artifact depends on."""
    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
            "skops": skops.__version__, "numpy": np.__version__, "scipy": scipy.__version__}


def train(paths: Sequence[Path | str], *, base: Sequence[Path | str] = (),
          extra: Sequence[RowGroup] = (), params: PipelineParams | None = None,
          weights: dict[Kind, float] | None = None, progress: Progress | None = None,
          version: str | None = None, benchmark: Benchmark | None = None,
          evalset_dir: Path | None = None, context: dict[str, Any] | None = None
          ) -> TrainedModel:
    """Train a model on ``base`` plus ``paths`` (plus ``extra`` rows, such as feedback).

    The manifest records every source with its role, SHA-256 and row counts (and how many
    of its rows were held out for the benchmark), what was held out and why, library
    versions, parameters, out-of-fold metrics on the comment rows and the thresholds.
    ``context`` adds what the caller knows (feedback left out, where the base came from).
    """
    params = params or PipelineParams()
    started = time.perf_counter()
    prepared = load_training_set(paths, base=base, extra=extra, weights=weights,
                                 progress=progress, benchmark=benchmark,
                                 evalset_dir=evalset_dir)
    pipeline, oof, protocol = fit(prepared, params, progress)
    rows = prepared.rows
    y = np.asarray(rows.data.label, dtype=int)
    judged = rows.comment_rows() or list(range(len(y)))
    oof_y, oof_p = y[judged], oof[judged]
    thresholds = choose_thresholds(oof_y, oof_p)
    spam, ham = rows.data.counts()
    manifest: dict[str, Any] = {
        "version": version or new_version(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": prepared.files,
        "rows": {"trained": len(rows), "spam": spam, "ham": ham,
                 "duplicates_removed": prepared.removed_duplicates,
                 "duplicates_with_mixed_labels": prepared.conflicting,
                 "by_kind": {str(k): sum(1 for x in rows.kind if x is k) for k in Kind},
                 "by_role": _rows_by_role(rows, prepared.files),
                 "with_author_email": sum(1 for e in rows.data.email if e),
                 "with_author_url": sum(1 for u in rows.data.url if u)},
        "held_out": prepared.held_out,
        **(context or {}),
        "libraries": library_versions(),
        "params": params.as_dict(),
        "features": {"text": "word 1-2-grams and char_wb n-grams, hashed",
                     "structural": list(STRUCTURAL_FEATURES)},
        "metrics": {"protocol": protocol,
                    "threshold": thresholds["hold"],
                    **compute_metrics(oof_y, oof_p, thresholds["hold"])},
        "thresholds": thresholds,
        "training_seconds": round(time.perf_counter() - started, 1),
    }
    return TrainedModel(pipeline=pipeline, manifest=manifest, oof_labels=oof_y,
                        oof_probability=oof_p)


def _unique(name: str, role: str, files: list[dict[str, Any]]) -> str:
    taken = {entry["source"] for entry in files}
    label, n = name, 1
    while label in taken:
        n += 1
        label = f"{name} ({role})" if n == 2 else f"{name} ({role} {n})"
    return label


def _rows_by_role(rows: TrainingSet, files: list[dict[str, Any]]) -> dict[str, int]:
    role_of = {entry["source"]: entry["role"] for entry in files}
    counts: dict[str, int] = {}
    for source in rows.data.source:
        role = role_of.get(source, NEW)
        counts[role] = counts.get(role, 0) + 1
    return counts


def write_artifact(trained: TrainedModel, directory: Path | str,
                   benchmark: Benchmark | None = None) -> Path:
    """Save a trained model with its manifest, model card and plots; return the directory.

    With a ``benchmark`` the model is scored on it once (the result is cached for the
    promotion gate and ``hedgerow models list``) and the card shows it per slice.
    """
    from model.artifact import save_artifact
    from model.card import write_card
    from model.scoreboard import results

    directory = Path(directory)
    save_artifact(directory, trained.pipeline, trained.manifest)
    scored = None
    if benchmark is not None:
        scored = results(benchmark, str(trained.manifest["version"]), directory)
    write_card(directory, trained.manifest, trained.oof_labels, trained.oof_probability,
               benchmark=scored)
    return directory
