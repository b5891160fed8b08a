"""Metrics (spam is the positive class) and threshold choice."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    matthews_corrcoef,
    precision_recall_curve,
    precision_score,
    recall_score,
    roc_auc_score,
)

METRIC_KEYS = ("n", "accuracy", "precision", "recall", "f1", "roc_auc", "mcc")

# The bounds keep the hold threshold near the calibrated middle: a threshold tuned hard to
# the training sites does not carry over to new ones.
HOLD_BOUNDS = (0.35, 0.65)
DISCARD_PRECISION = 0.98


def compute_metrics(y_true: Sequence[int] | np.ndarray, probability: Sequence[float] | np.ndarray,
                    threshold: float = 0.5) -> dict[str, Any]:
    """``n``, accuracy, precision, recall, F1, ROC AUC and MCC at ``threshold``.

    ``roc_auc`` is ``None`` when only one class is present.
    """
    y = np.asarray(y_true, dtype=int)
    p = np.asarray(probability, dtype=float)
    pred = (p >= threshold).astype(int)
    both = len(np.unique(y)) == 2
    return {
        "n": int(len(y)),
        "accuracy": float(accuracy_score(y, pred)),
        "precision": float(precision_score(y, pred, zero_division=0)),
        "recall": float(recall_score(y, pred, zero_division=0)),
        "f1": float(f1_score(y, pred, zero_division=0)),
        "roc_auc": float(roc_auc_score(y, p)) if both else None,
        "mcc": float(matthews_corrcoef(y, pred)) if both else 0.0,
    }


def choose_thresholds(y_true: Sequence[int] | np.ndarray,
                      probability: Sequence[float] | np.ndarray) -> dict[str, float]:
    """Pick the ``hold`` and ``discard`` thresholds from out-of-fold probabilities.

    ``hold`` (at or above: the comment is spam and waits for a moderator) maximises F1 within
    :data:`HOLD_BOUNDS`; ``discard`` (at or above: dropped unseen) is the lowest threshold whose
    precision reaches :data:`DISCARD_PRECISION`, and never below ``hold``.
    """
    y = np.asarray(y_true, dtype=int)
    p = np.asarray(probability, dtype=float)
    candidates = np.round(np.arange(HOLD_BOUNDS[0], HOLD_BOUNDS[1] + 1e-9, 0.01), 2)
    f1s = [f1_score(y, (p >= t).astype(int), zero_division=0) for t in candidates]
    # The centre wins ties, so equal scores keep the calibrated 0.5.
    order = sorted(range(len(candidates)), key=lambda i: (-f1s[i], abs(candidates[i] - 0.5)))
    hold = float(candidates[order[0]])
    precision, _, thresholds = precision_recall_curve(y, p)
    discard = 0.99
    for prec, thr in zip(precision[:-1], thresholds, strict=True):
        if prec >= DISCARD_PRECISION and thr >= hold:
            discard = float(min(round(float(thr) + 0.005, 3), 0.99))
            break
    return {"hold": hold, "discard": max(discard, hold)}


def format_table(metrics: dict[str, Any]) -> str:
    """A readable two-column table of :func:`compute_metrics` output."""
    lines = []
    for key in METRIC_KEYS:
        value = metrics.get(key)
        shown = "n/a" if value is None else (str(value) if key == "n" else f"{value:.4f}")
        lines.append(f"{key:<10} {shown:>10}")
    return "\n".join(lines)
