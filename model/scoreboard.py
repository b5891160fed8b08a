"""A model's results on the benchmark, per slice, cached by benchmark and model file.

Each model decides at its own hold threshold, as it would in service. Per slice the
scoreboard counts wrong decisions (spam let through plus ham held), which means something on
a slice holding one class only (an e-mail spam file, one site's ham reports), and F1 and ROC
AUC where the slice allows them. Results are cached in ``<benchmark>/results/<version>.json``
under the benchmark's id and the model file's SHA-256, so ``hedgerow models list`` scores a
version once per benchmark.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from model.benchmark import Benchmark
from model.evaluate import compute_metrics

RESULTS_DIR = "results"
OVERALL = "all rows"


def slice_metrics(labels: Sequence[int], probability: Sequence[float], hold: float,
                  discard: float) -> dict[str, Any]:
    """Counts and scores of one slice at the model's thresholds."""
    y = np.asarray(labels, dtype=int)
    p = np.asarray(probability, dtype=float)
    flagged = p >= hold
    metrics = compute_metrics(y, p, hold)
    spam = int(y.sum())
    return {
        "rows": int(len(y)),
        "spam": spam,
        "ham": int(len(y) - spam),
        "missed_spam": int(((y == 1) & ~flagged).sum()),
        "ham_held": int(((y == 0) & flagged).sum()),
        "ham_discarded": int(((y == 0) & (p >= discard)).sum()),
        "wrong": int((flagged != (y == 1)).sum()),
        "accuracy": metrics["accuracy"],
        "f1": metrics["f1"] if spam else None,
        "roc_auc": metrics["roc_auc"],
    }


def evaluate(benchmark: Benchmark, probability: Sequence[float], hold: float,
             discard: float) -> dict[str, dict[str, Any]]:
    """Metrics over all rows and per slice (``OVERALL`` first, then slices in order)."""
    labels = benchmark.data.label
    out = {OVERALL: slice_metrics(labels, probability, hold, discard)}
    for name in benchmark.slice_names():
        idx = [i for i, s in enumerate(benchmark.slices) if s == name]
        out[name] = slice_metrics([labels[i] for i in idx], [probability[i] for i in idx],
                                  hold, discard)
    return out


def _cache_path(benchmark: Benchmark, version: str) -> Path | None:
    if benchmark.directory is None:
        return None
    return benchmark.directory / RESULTS_DIR / f"{version}.json"


def cached(benchmark: Benchmark, version: str, model_sha256: str) -> dict[str, Any] | None:
    """Stored results of ``version`` on this benchmark, if its model file is unchanged."""
    path = _cache_path(benchmark, version)
    if path is None or not path.is_file():
        return None
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if stored.get("benchmark") != benchmark.id or stored.get("model_sha256") != model_sha256:
        return None
    return dict(stored)


def store(benchmark: Benchmark, version: str, result: dict[str, Any]) -> None:
    """Cache ``result`` (as :func:`results` returns it)."""
    path = _cache_path(benchmark, version)
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{version}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=1)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def results(benchmark: Benchmark, version: str, path: Path | str) -> dict[str, Any]:
    """The results of the model at ``path`` on ``benchmark``, from the cache or computed.

    Returns ``{"benchmark", "version", "model_sha256", "hold", "discard", "possibly_seen",
    "slices": {name: metrics}}``; ``possibly_seen`` is how many benchmark rows the model may have
    trained on (0 for any model trained under the benchmark rule).
    """
    from model.artifact import read_manifest
    from model.benchmark import possibly_seen
    from model.scorer import Scorer

    manifest = read_manifest(path)
    sha = str(manifest["model_sha256"])
    found = cached(benchmark, version, sha)
    if found is not None:
        return found
    scorer = Scorer.load(path)
    scores = scorer.score_many(list(benchmark.data.comments()), reasons=False)
    probability = [s.probability for s in scores]
    result = {
        "benchmark": benchmark.id, "version": version, "model_sha256": sha,
        "hold": scorer.hold, "discard": scorer.discard,
        "possibly_seen": possibly_seen(manifest, benchmark),
        "slices": evaluate(benchmark, probability, scorer.hold, scorer.discard),
    }
    store(benchmark, version, result)
    return result
