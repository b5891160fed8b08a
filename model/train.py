"""Training: data files in, a fitted pipeline and its manifest out.

Steps: load every file, clean e-mails, weight each medium, deduplicate on normalised text,
prepare features once, estimate quality out-of-fold (folds keep each comment file together
when there are three or more, as a new site would be unseen), pick thresholds from those
out-of-fold probabilities, then fit the calibrated pipeline on everything.
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
from model.gate import write_holdout
from model.pipeline import PipelineParams, build_pipeline

Progress = Callable[[str], None]

# Source name of rows given to ``train`` directly (feedback), not read from a file.
EXTRA_SOURCE = "(extra rows)"

TRAIN_STEPS = ("load data", "deduplicate", "prepare features", "cross-validate", "fit model")


@dataclass
class PreparedSet:
    """A deduplicated training set with its input matrix."""

    rows: TrainingSet
    matrix: np.ndarray
    files: list[dict[str, Any]]
    removed_duplicates: int
    conflicting: int
    holdout: LabelledData = field(default_factory=LabelledData)


@dataclass
class TrainedModel:
    """A fitted pipeline, its manifest, and the out-of-fold comment predictions behind it."""

    pipeline: Pipeline
    manifest: dict[str, Any]
    oof_labels: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    oof_probability: np.ndarray = field(default_factory=lambda: np.zeros(0))
    holdout: LabelledData = field(default_factory=LabelledData)


def new_version(now: datetime | None = None) -> str:
    """A sortable, unique version name: UTC time plus four random hex digits."""
    now = now or datetime.now(UTC)
    return now.strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


def _holdout_rows(rows: TrainingSet, fraction: float, seed: int) -> list[int]:
    """A stratified, seeded slice of the comment rows that came from files."""
    if fraction <= 0:
        return []
    rng = np.random.default_rng(seed)
    chosen: list[int] = []
    for label in (0, 1):
        pool = [i for i in rows.comment_rows()
                if rows.data.label[i] == label and rows.data.source[i] != EXTRA_SOURCE]
        take = int(round(len(pool) * fraction))
        chosen.extend(int(i) for i in rng.choice(pool, size=take, replace=False))
    return sorted(chosen)


def load_training_set(paths: Sequence[Path | str], *, extra: LabelledData | None = None,
                      weights: dict[Kind, float] | None = None,
                      progress: Progress | None = None, holdout: float = 0.0,
                      seed: int = 0) -> PreparedSet:
    """Load, weight, deduplicate and prepare the rows of ``paths`` (plus ``extra``).

    ``extra`` is the extension point for rows that do not come from a file, such as
    moderators' spam/ham feedback; they count as comments. ``holdout`` keeps that
    fraction of the files' comment rows out of training (never ``extra`` rows, which may
    not be trustworthy), to judge a new model against the active one before promotion.
    """
    if not paths and not extra:
        raise DataError("no training data; pass at least one --data FILE")
    weights = weights or DEFAULT_WEIGHTS
    rows = TrainingSet()
    files: list[dict[str, Any]] = []
    for path in paths:
        data = load_file(path)
        kind = detect_kind(Path(path).name, data,
                           tab_format=data.file_format == "label-tab-text")
        info: FileInfo = file_info(path, data)
        entry = info.as_dict() | {"kind": str(kind), "weight": weights[kind]}
        if kind is Kind.EMAIL:
            entry["ham_weight"] = weights[kind] * EMAIL_HAM_WEIGHT
        files.append(entry)
        rows.add(data, kind, weights)
    if extra:
        extra = extra.subset(range(len(extra)))
        extra.source = [EXTRA_SOURCE] * len(extra)
        rows.add(extra, Kind.COMMENTS, weights)
        files.append({"name": "(extra rows)", "rows": len(extra), "kind": "comments",
                      "spam": extra.counts()[0], "ham": extra.counts()[1],
                      "weight": weights[Kind.COMMENTS]})
    if progress:
        progress("load data")
    require_both_classes(rows.data)
    kept, labels, report = duplicate_groups(rows.data)
    deduped = TrainingSet(data=rows.data.subset(kept), weight=[rows.weight[i] for i in kept],
                          kind=[rows.kind[i] for i in kept])
    deduped.data.label = labels
    held = _holdout_rows(deduped, holdout, seed)
    held_data = deduped.data.subset(held)
    if held:
        keep = sorted(set(range(len(deduped))) - set(held))
        deduped = TrainingSet(data=deduped.data.subset(keep),
                              weight=[deduped.weight[i] for i in keep],
                              kind=[deduped.kind[i] for i in keep])
    require_both_classes(deduped.data)
    if progress:
        progress("deduplicate")
    matrix = to_matrix([prepare_comment(c) for c in deduped.data.comments()])
    if progress:
        progress("prepare features")
    return PreparedSet(rows=deduped, matrix=matrix, files=files,
                       removed_duplicates=report.removed, conflicting=report.conflicting,
                       holdout=held_data)


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


def train(paths: Sequence[Path | str], *, extra: LabelledData | None = None,
          params: PipelineParams | None = None, weights: dict[Kind, float] | None = None,
          progress: Progress | None = None, version: str | None = None,
          holdout: float = 0.0) -> TrainedModel:
    """Train a model on data files (plus optional ``extra`` labelled rows).

    The manifest records the data files with their SHA-256 and row counts, library
    versions, parameters, out-of-fold metrics on the comment rows and the thresholds.
    """
    params = params or PipelineParams()
    started = time.perf_counter()
    prepared = load_training_set(paths, extra=extra, weights=weights, progress=progress,
                                 holdout=holdout)
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
                 "by_kind": {str(k): sum(1 for x in rows.kind if x is k) for k in Kind}},
        "libraries": library_versions(),
        "params": params.as_dict(),
        "features": {"text": "word 1-2-grams and char_wb n-grams, hashed",
                     "structural": list(STRUCTURAL_FEATURES)},
        "metrics": {"protocol": protocol,
                    "threshold": thresholds["hold"],
                    **compute_metrics(oof_y, oof_p, thresholds["hold"])},
        "thresholds": thresholds,
        "holdout_rows": len(prepared.holdout),
        "training_seconds": round(time.perf_counter() - started, 1),
    }
    return TrainedModel(pipeline=pipeline, manifest=manifest, oof_labels=oof_y,
                        oof_probability=oof_p, holdout=prepared.holdout)


def write_artifact(trained: TrainedModel, directory: Path | str) -> Path:
    """Save a trained model with its manifest, model card and plots; return the directory."""
    from model.artifact import save_artifact
    from model.card import write_card

    directory = Path(directory)
    save_artifact(directory, trained.pipeline, trained.manifest)
    write_card(directory, trained.manifest, trained.oof_labels, trained.oof_probability)
    if len(trained.holdout):
        write_holdout(directory, trained.holdout)
    return directory
