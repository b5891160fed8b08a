"""Leave-one-source-out cross-validation of the model and two baselines.

Each comment file (one YouTube video) is held out in turn; the model is trained on the other
comment files plus the weighted SMS and e-mail rows, exactly as ``hedgerow train`` would, and
judged on the held-out file. Its spam threshold is the one training picked without seeing the
held-out file. The baselines (multinomial naive Bayes on word counts; TF-IDF with logistic
regression) get the same rows and weights and decide at probability 0.5.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import MultinomialNB

from model.corpus import Kind, TrainingSet
from model.evaluate import choose_thresholds, compute_metrics
from model.pipeline import PipelineParams
from model.train import PreparedSet, fit, load_training_set

Baseline = Callable[[list[str], np.ndarray, np.ndarray, list[str]], np.ndarray]

MODEL_NAME = "Hedgerow"
NB_NAME = "Baseline: multinomial NB, word counts"
LR_NAME = "Baseline: TF-IDF + logistic regression"


def naive_bayes(train_text: list[str], y: np.ndarray, w: np.ndarray,
                test_text: list[str]) -> np.ndarray:
    """Multinomial naive Bayes on raw word counts; spam probabilities for ``test_text``."""
    vectorizer = CountVectorizer()
    model = MultinomialNB().fit(vectorizer.fit_transform(train_text), y, sample_weight=w)
    return model.predict_proba(vectorizer.transform(test_text))[:, 1]


def tfidf_logistic(train_text: list[str], y: np.ndarray, w: np.ndarray,
                   test_text: list[str]) -> np.ndarray:
    """TF-IDF on raw words with a default logistic regression."""
    vectorizer = TfidfVectorizer()
    model = LogisticRegression(max_iter=1000).fit(vectorizer.fit_transform(train_text), y,
                                                  sample_weight=w)
    return model.predict_proba(vectorizer.transform(test_text))[:, 1]


def _subset(prepared: PreparedSet, index: np.ndarray) -> PreparedSet:
    rows = prepared.rows
    idx = index.tolist()
    sub = TrainingSet(data=rows.data.subset(idx), weight=[rows.weight[i] for i in idx],
                      kind=[rows.kind[i] for i in idx])
    return replace(prepared, rows=sub, matrix=prepared.matrix[index])


def leave_one_source_out(paths: Sequence[Path | str], params: PipelineParams | None = None,
                         progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Hold out each comment file in turn; return per-file and mean metrics per model.

    Needs at least three comment files (the other files' kinds are detected as in training).
    """
    prepared = load_training_set(paths)
    rows = prepared.rows
    sources = sorted({rows.data.source[i] for i in rows.comment_rows()})
    if len(sources) < 3:
        raise ValueError("leave-one-source-out needs at least three comment files")
    y = np.asarray(rows.data.label, dtype=int)
    w = np.asarray(rows.weight, dtype=float)
    source = np.asarray(rows.data.source)
    is_comment = np.asarray([k is Kind.COMMENTS for k in rows.kind])
    texts = rows.data.text
    results: dict[str, dict[str, list[float]]] = {
        name: {"f1": [], "roc_auc": [], "mcc": [], "precision": [], "recall": []}
        for name in (MODEL_NAME, NB_NAME, LR_NAME)
    }
    thresholds: list[float] = []
    for held_out in sources:
        test = np.flatnonzero((source == held_out) & is_comment)
        train = np.flatnonzero(source != held_out)
        pipeline, oof, _ = fit(_subset(prepared, train), params)
        train_comments = [i for i, k in enumerate(train) if is_comment[k]]
        hold = choose_thresholds(y[train][train_comments], oof[train_comments])["hold"]
        thresholds.append(hold)
        probability = {
            MODEL_NAME: pipeline.predict_proba(prepared.matrix[test])[:, 1],
            NB_NAME: naive_bayes([texts[i] for i in train], y[train], w[train],
                                 [texts[i] for i in test]),
            LR_NAME: tfidf_logistic([texts[i] for i in train], y[train], w[train],
                                    [texts[i] for i in test]),
        }
        for name, p in probability.items():
            metrics = compute_metrics(y[test], p, hold if name == MODEL_NAME else 0.5)
            for key in results[name]:
                results[name][key].append(float(metrics[key] or 0.0))
        if progress:
            progress(held_out)
    models = {
        name: {**{k: [round(x, 4) for x in v] for k, v in r.items()},
               **{f"mean_{k}": round(float(np.mean(v)), 4) for k, v in r.items()}}
        for name, r in results.items()
    }
    return {
        "protocol": (
            "Each video is held out in turn; training uses the other videos plus the weighted "
            "SMS and e-mail rows (deduplicated on normalised text before splitting). Hedgerow "
            "decides at the hold threshold its training picked; baselines at 0.5."
        ),
        "videos": [Path(s).stem for s in sources],
        "thresholds": thresholds,
        "models": models,
    }
