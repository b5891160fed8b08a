"""The one function that builds the spam estimator.

Plain scikit-learn parts only, so :mod:`skops` can save and load it with a short list of
trusted types: two hashing vectorisers (word 1–2-grams and character 2–5-grams within words,
no vocabulary to store), a max-abs scaler for the structural signals, and a linear logistic
model whose scores are mapped to probabilities by a sigmoid fitted on cross-validated
predictions, so one threshold keeps its meaning from one retrain to the next.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MaxAbsScaler

from model.features import STRUCTURAL_FEATURES


@dataclass(frozen=True)
class PipelineParams:
    """Hyper-parameters of :func:`build_pipeline` (recorded in the manifest)."""

    word_features: int = 2**18
    char_features: int = 2**18
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    alpha: float = 3e-5
    epochs: int = 15
    folds: int = 4
    seed: int = 0

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return asdict(self)


def build_vectorizers(params: PipelineParams) -> tuple[HashingVectorizer, HashingVectorizer]:
    """The word and character hashers (stateless: nothing to fit)."""
    word = HashingVectorizer(
        analyzer="word", ngram_range=params.word_ngrams, n_features=params.word_features,
        alternate_sign=False, norm="l2", binary=True, lowercase=True,
    )
    char = HashingVectorizer(
        analyzer="char_wb", ngram_range=params.char_ngrams, n_features=params.char_features,
        alternate_sign=False, norm="l2", binary=True, lowercase=True,
    )
    return word, char


def build_pipeline(params: PipelineParams | None = None, cv: Any = None) -> Pipeline:
    """Build the unfitted estimator; it reads :func:`model.features.to_matrix` rows.

    ``cv`` splits the rows for fitting the probability calibration (default: ``folds``
    stratified folds); training passes folds that keep each comment source together.
    """
    params = params or PipelineParams()
    word, char = build_vectorizers(params)
    n_structural = len(STRUCTURAL_FEATURES)
    features = ColumnTransformer(
        [
            ("word", word, 0),
            ("char", char, 0),
            # Max-abs, not standard scaling: a rare 0/1 signal (a link shortener seen twice)
            # would otherwise be blown up to a huge value and dominate the score.
            ("structural", MaxAbsScaler(), list(range(1, 1 + n_structural))),
        ],
        sparse_threshold=1.0,
    )
    # Averaged SGD on the logistic loss: the same model as LogisticRegression at a tenth of
    # liblinear's time on half a million hashed columns.
    linear = SGDClassifier(loss="log_loss", alpha=params.alpha, max_iter=params.epochs,
                           tol=None, average=True, random_state=params.seed)
    classifier = CalibratedClassifierCV(
        linear, method="sigmoid", cv=params.folds if cv is None else cv, ensemble=False,
    )
    return Pipeline([("features", features), ("classifier", classifier)])
