"""The promotion gate: a new model must do no worse than the active one on rows it never saw.

``hedgerow train --holdout F`` keeps a stratified slice of the data files' comment rows
out of training and stores it beside the artifact (``holdout.jsonl``). Before a version
is promoted, it and the active model are scored on that slice; a candidate that is worse
by more than the tolerance is refused, so a burst of bad feedback cannot poison the model
that every site uses. The active model may have trained on those rows, which only makes
the gate stricter.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from model.data import LabelledData, load_file
from model.evaluate import compute_metrics

HOLDOUT_FILE = "holdout.jsonl"
# How much worse (in F1, and half that in ROC AUC) a candidate may be and still pass.
TOLERANCE = 0.01


class _Scoring(Protocol):
    version: str
    hold: float

    def model_probability(self, comment: Any) -> float: ...


@dataclass(frozen=True)
class GateResult:
    """The comparison behind a promotion decision."""

    passed: bool
    rows: int
    candidate: dict[str, Any]
    active: dict[str, Any]

    def summary(self) -> str:
        """One sentence for the operator."""
        verdict = "no worse than" if self.passed else "worse than"
        return (f"on {self.rows} held-back comments the new model is {verdict} the active one: "
                f"F1 {self.candidate['f1']:.3f} vs {self.active['f1']:.3f}, ROC AUC "
                f"{self.candidate['roc_auc'] or 0:.3f} vs {self.active['roc_auc'] or 0:.3f}")


def write_holdout(directory: Path | str, rows: LabelledData) -> Path:
    """Store held-back rows beside an artifact."""
    path = Path(directory) / HOLDOUT_FILE
    with path.open("w", encoding="utf-8") as out:
        for comment, label in zip(rows.comments(), rows.label, strict=True):
            out.write(json.dumps({**comment, "label": label}, ensure_ascii=False) + "\n")
    return path


def holdout_of(directory: Path | str) -> LabelledData | None:
    """The held-back rows stored with an artifact, or None."""
    path = Path(directory) / HOLDOUT_FILE
    return load_file(path) if path.is_file() else None


def compare(candidate: _Scoring, active: _Scoring, rows: LabelledData,
            tolerance: float = TOLERANCE) -> GateResult:
    """Score both models on ``rows`` (each at its own hold threshold) and judge."""
    comments = list(rows.comments())
    metrics = []
    for scorer in (candidate, active):
        probability = [scorer.model_probability(c) for c in comments]
        metrics.append(compute_metrics(rows.label, probability, scorer.hold))
    new, old = metrics
    passed = new["f1"] >= old["f1"] - tolerance and (
        (new["roc_auc"] or 0) >= (old["roc_auc"] or 0) - tolerance / 2
    )
    return GateResult(passed, len(comments), new, old)
