"""Scoring comments: the lean path the service calls for every comment.

The saved pipeline is the reference, but calling scikit-learn for one short text costs
about a millisecond of overhead. :class:`Scorer` computes the very same numbers directly:
it hashes tokens the way :class:`~sklearn.feature_extraction.text.HashingVectorizer` does
(MurmurHash3, binary, L2-normalised), adds the scaled structural signals, takes the dot
product with the linear model's weights and applies the fitted sigmoid. Tests check it
against ``pipeline.predict_proba`` to 1e-9.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.utils import murmurhash3_32

from model.artifact import Artifact, load_artifact
from model.errors import ArtifactError
from model.features import STRUCTURAL_FEATURES, PreparedComment, prepare_comment, to_matrix

HONEYPOT_FIELD = "honeypot"
FILL_SECONDS_FIELD = "fill_seconds"
# Seconds under which a filled-in form is taken as a bot's.
FAST_FILL_SECONDS = 3.0
# No training data carries these signals, so they are fixed log-odds added to the model's
# score rather than learned: a filled honeypot is near-certain spam, a very fast form strong
# evidence.
HONEYPOT_LOG_ODDS = 8.0
FAST_FILL_LOG_ODDS = 3.0

# Words too common to explain anything to a moderator, even when the model weighs them.
_PLAIN_WORDS = frozenset(
    "a an and are as at be but by com do for from get go got has have he her his how i if in "
    "is it its me my no not of on or our out so that the their them they this to too up us "
    "was we what when who will with you your".split()
)
_CACHE_LIMIT = 500_000
_MIN_REASON_LOG_ODDS = 0.15
_MAX_REASONS = 5
_MAX_TERMS = 3


@dataclass(frozen=True)
class Score:
    """The verdict on one comment.

    ``spam`` is true at or above the model's hold threshold; ``action`` is ``"accept"``,
    ``"hold"`` (spam, for a moderator) or ``"discard"`` (spam above the discard threshold);
    ``reasons`` are sentences a moderator can read; ``version`` names the model.
    """

    spam: bool
    probability: float
    reasons: list[str] = field(default_factory=list)
    version: str = ""
    action: str = "accept"


def _hash_index(token: str, n_features: int) -> int:
    """The column HashingVectorizer gives ``token`` (signed MurmurHash3, seed 0)."""
    h = murmurhash3_32(token, seed=0)
    if h == -2147483648:  # abs(-2**31) overflows int32 in the compiled hasher
        return (2147483647 - (n_features - 1)) % n_features
    return abs(h) % n_features


class _WordHasher:
    """Word n-grams to distinct column indices, with a bounded token cache."""

    def __init__(self, vectorizer: Any):
        self.analyzer = vectorizer.build_analyzer()
        self.n_features = int(vectorizer.n_features)
        self.cache: dict[str, int] = {}

    def indices(self, text: str) -> dict[int, str]:
        """Distinct column indices of the text's n-grams, each with one n-gram that hit it."""
        cache = self.cache
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        out: dict[int, str] = {}
        for token in self.analyzer(text):
            idx = cache.get(token)
            if idx is None:
                idx = cache[token] = _hash_index(token, self.n_features)
            if idx not in out:
                out[idx] = token
        return out


class _CharHasher:
    """Character n-grams within words to distinct column indices.

    ``char_wb`` n-grams never cross a space, so a text's n-grams are the union of its
    words' n-grams: caching per word turns hundreds of hash calls into a few lookups.
    """

    def __init__(self, vectorizer: Any):
        self.analyzer = vectorizer.build_analyzer()
        self.preprocess = vectorizer.build_preprocessor()
        self.n_features = int(vectorizer.n_features)
        self.cache: dict[str, np.ndarray] = {}

    def _word_array(self, word: str) -> np.ndarray:
        idx = self.cache.get(word)
        if idx is None:
            if len(self.cache) > _CACHE_LIMIT:
                self.cache.clear()
            n = self.n_features
            idx = self.cache[word] = np.fromiter(
                {_hash_index(g, n) for g in self.analyzer(word)}, np.intp)
        return idx

    def word_indices(self, text: str) -> list[np.ndarray]:
        """Column indices of each word's n-grams (may repeat across words)."""
        return [self._word_array(word) for word in self.preprocess(text).split()]

    def indices(self, text: str) -> np.ndarray:
        """Distinct column indices of the text's character n-grams."""
        parts = self.word_indices(text)
        if not parts:
            return np.zeros(0, np.intp)
        return _distinct(np.concatenate(parts))


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.unique's hash path is far slower on large int arrays)."""
    if len(values) < 2:
        return values
    values = np.sort(values)
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


class Scorer:
    """Scores comments with a loaded artifact, without going through scikit-learn per call."""

    def __init__(self, artifact: Artifact):
        self.artifact = artifact
        self.version = artifact.version
        thresholds = artifact.manifest["thresholds"]
        self.hold = float(thresholds["hold"])
        self.discard = float(thresholds["discard"])
        try:
            self._unpack(artifact)
        except (AttributeError, KeyError, IndexError, TypeError, ValueError) as exc:
            raise ArtifactError(f"{artifact.directory} is not a model this Hedgerow can score "
                                f"with ({exc})", path=artifact.directory) from None

    def _unpack(self, artifact: Artifact) -> None:
        features = artifact.pipeline.named_steps["features"]
        classifier = artifact.pipeline.named_steps["classifier"]
        transformers = dict((name, t) for name, t, _ in features.transformers_)
        slices = features.output_indices_
        word, char, scaler = transformers["word"], transformers["char"], transformers["structural"]
        for vec in (word, char):
            if vec.alternate_sign or not vec.binary or vec.norm != "l2":
                raise ValueError("unexpected hashing settings")
        calibrated = classifier.calibrated_classifiers_
        if len(calibrated) != 1 or len(calibrated[0].calibrators) != 1:
            raise ValueError("expected one calibrated linear model")
        linear, calibrator = calibrated[0].estimator, calibrated[0].calibrators[0]
        coef = linear.coef_.ravel()
        if len(scaler.scale_) != len(STRUCTURAL_FEATURES):
            raise ValueError("structural features differ from this version's")
        if word.analyzer != "word" or char.analyzer != "char_wb":
            raise ValueError("unexpected analyzers")
        self._word = _WordHasher(word)
        self._char = _CharHasher(char)
        self._w_word: np.ndarray = np.ascontiguousarray(coef[slices["word"]])
        self._w_char: np.ndarray = np.ascontiguousarray(coef[slices["char"]])
        w_struct = coef[slices["structural"]]
        # Fold the max-abs scaling into the weights: w * (x / scale) = (w / scale) * x.
        self._w_struct: list[float] = (w_struct / scaler.scale_).tolist()
        self._intercept = float(linear.intercept_[0])
        self._a = float(calibrator.a_)
        self._b = float(calibrator.b_)

    @classmethod
    def load(cls, path: Path | str) -> Scorer:
        """Load and verify the artifact at ``path`` (directory or its model.skops)."""
        return cls(load_artifact(path))

    @property
    def manifest(self) -> dict[str, Any]:
        """The artifact's manifest."""
        return self.artifact.manifest

    def _decision(self, prepared: PreparedComment
                  ) -> tuple[float, dict[int, str], np.ndarray, float, list[float]]:
        words = self._word.indices(prepared.text)
        chars = self._char.indices(prepared.text)
        word_norm = math.sqrt(len(words)) if words else 1.0
        char_norm = math.sqrt(len(chars)) if len(chars) else 1.0
        # Gathering from a NumPy array beats indexing a list: the weights are contiguous.
        word_weights = self._w_word[np.fromiter(words, np.intp, len(words))]
        word_part = float(word_weights.sum()) / word_norm
        char_part = float(self._w_char[chars].sum()) / char_norm
        struct_terms = [w * x for w, x in zip(self._w_struct, prepared.structural, strict=True)]
        decision = word_part + char_part + sum(struct_terms) + self._intercept
        return decision, words, word_weights / word_norm, word_norm, struct_terms

    def model_probability(self, comment: Mapping[str, object]) -> float:
        """The calibrated model probability alone (no honeypot or timing signals)."""
        decision = self._decision(prepare_comment(comment))[0]
        return _sigmoid(-(self._a * decision + self._b))

    def score(self, comment: Mapping[str, object], *, reasons: bool = True) -> Score:
        """Score one comment given as form fields (Akismet names or ``content``/``text``).

        Optional ``honeypot`` (any non-empty value means a bot filled the hidden field) and
        ``fill_seconds`` (time from showing the form to submitting it) raise the score.
        """
        prepared = prepare_comment(comment)
        decision, words, word_weights, _, struct_terms = self._decision(prepared)
        return self._verdict(comment, prepared, decision, words, word_weights, struct_terms,
                             reasons)

    def _verdict(self, comment: Mapping[str, object], prepared: PreparedComment,
                 decision: float, words: dict[int, str], word_weights: np.ndarray | None,
                 struct_terms: list[float] | None, reasons: bool) -> Score:
        log_odds = -(self._a * decision + self._b)
        extra: list[str] = []
        honeypot = comment.get(HONEYPOT_FIELD)
        if honeypot not in (None, "", False):
            log_odds += HONEYPOT_LOG_ODDS
            extra.append("filled in the hidden honeypot field")
        seconds = _as_float(comment.get(FILL_SECONDS_FIELD))
        if seconds is not None and 0 <= seconds < FAST_FILL_SECONDS:
            log_odds += FAST_FILL_LOG_ODDS
            extra.append(f"form was filled in {seconds:.1f} s")
        probability = _sigmoid(log_odds)
        spam = probability >= self.hold
        action = "discard" if probability >= self.discard else "hold" if spam else "accept"
        why = extra
        if reasons:
            if word_weights is None or struct_terms is None:
                word_weights = self._w_word[np.fromiter(words, np.intp, len(words))] / (
                    math.sqrt(len(words)) if words else 1.0)
                struct_terms = [w * x for w, x in zip(self._w_struct, prepared.structural,
                                                      strict=True)]
            why = extra + self._reasons(prepared, words, word_weights, struct_terms)
        return Score(spam=spam, probability=probability, reasons=why[:_MAX_REASONS],
                     version=self.version, action=action)

    def score_many(self, comments: Iterable[Mapping[str, object]], *,
                   reasons: bool = True) -> list[Score]:
        """Score many comments; the same verdicts as :meth:`score`, computed in bulk.

        The per-comment work is normalisation and token lookup; the sums over hashed
        columns run as one sparse product for the whole batch.
        """
        items = list(comments)
        if not items:
            return []
        prepared = [prepare_comment(c) for c in items]
        decisions, word_sets = self._decisions(prepared)
        return [
            self._verdict(comment, item, float(decision), words, None, None, reasons)
            for comment, item, decision, words in zip(items, prepared, decisions, word_sets,
                                                      strict=True)
        ]

    def _decisions(self, prepared: list[PreparedComment]
                   ) -> tuple[np.ndarray, list[dict[int, str]]]:
        n = len(prepared)
        word_sets = [self._word.indices(p.text) for p in prepared]
        word_counts = np.fromiter((len(w) for w in word_sets), np.intp, n)
        word_cols = np.fromiter(itertools.chain.from_iterable(word_sets), np.intp,
                                int(word_counts.sum()))
        word_rows = np.repeat(np.arange(n), word_counts)
        word_sum = np.bincount(word_rows, weights=self._w_word[word_cols], minlength=n)

        char_parts = [self._char.word_indices(p.text) for p in prepared]
        char_lengths = np.fromiter((sum(len(a) for a in parts) for parts in char_parts),
                                   np.intp, n)
        char_cols = np.concatenate(
            [a for parts in char_parts for a in parts] or [np.zeros(0, np.intp)])
        char_rows = np.repeat(np.arange(n), char_lengths)
        # One n-gram may occur in several words; binary features count it once per comment.
        keys = _distinct(char_rows * self._char.n_features + char_cols)
        rows = keys // self._char.n_features
        cols = keys % self._char.n_features
        char_sum = np.bincount(rows, weights=self._w_char[cols], minlength=n)
        char_counts = np.bincount(rows, minlength=n)

        structural = np.array([p.structural for p in prepared], dtype=float)
        struct_sum = structural @ np.asarray(self._w_struct)
        word_norm = np.sqrt(np.maximum(word_counts, 1))
        char_norm = np.sqrt(np.maximum(char_counts, 1))
        decisions = word_sum / word_norm + char_sum / char_norm + struct_sum + self._intercept
        return decisions, word_sets

    def pipeline_probabilities(self, comments: Iterable[Mapping[str, object]]) -> list[float]:
        """Model probabilities from the saved scikit-learn pipeline (the slow reference)."""
        matrix = to_matrix([prepare_comment(c) for c in comments])
        return self.artifact.pipeline.predict_proba(matrix)[:, 1].tolist()

    def _reasons(self, prepared: PreparedComment, words: dict[int, str],
                 word_weights: np.ndarray, struct_terms: list[float]) -> list[str]:
        found: list[tuple[float, str]] = []
        value = dict(zip(STRUCTURAL_FEATURES, prepared.structural, strict=True))
        weight = dict(zip(STRUCTURAL_FEATURES, struct_terms, strict=True))
        n = prepared.normalized
        link_weight = weight["links"] + weight["domains"] + weight["has_link"]
        if n.domains and link_weight > _MIN_REASON_LOG_ODDS:
            shown = ", ".join(n.domains[:3]) + (", …" if len(n.domains) > 3 else "")
            plural = "domain" if len(n.domains) == 1 else "domains"
            found.append((link_weight, f"links to {len(n.domains)} {plural} ({shown})"))
        # A signal is told only when it is present in this comment and pushes towards spam.
        for name, present, sentence in (
            ("shortener", value["shortener"] > 0,
             "uses a link shortener, which hides where the link goes"),
            ("email_in_text", value["email_in_text"] > 0, "gives an e-mail address"),
            ("phone_number", value["phone_number"] > 0, "contains a phone number"),
            ("digit_ratio", value["digit_ratio"] > 0.15, "is full of digits"),
            ("capitals_ratio", value["capitals_ratio"] > 0.6,
             "is written mostly in capital letters"),
            ("exclamations", value["exclamations"] >= math.log1p(3),
             "uses many exclamation marks"),
            ("repeated_chars", value["repeated_chars"] > 0, "repeats characters"),
            ("length", value["length"] > math.log1p(500), "is long for a comment"),
            ("author_url_given", value["author_url_given"] > 0, "the author gave a website"),
            ("author_name_has_link", value["author_name_has_link"] > 0,
             "the author name contains a link"),
        ):
            if present and weight[name] > _MIN_REASON_LOG_ODDS:
                found.append((weight[name], sentence))
        if prepared.cta and weight["calls_to_action"] > _MIN_REASON_LOG_ODDS:
            phrases = ", ".join(f"'{p}'" for p in dict.fromkeys(prepared.cta))
            found.append((weight["calls_to_action"], f"asks readers to act: {phrases}"))
        if prepared.money and weight["money_terms"] > _MIN_REASON_LOG_ODDS:
            phrases = ", ".join(f"'{p}'" for p in list(dict.fromkeys(prepared.money))[:3])
            found.append((weight["money_terms"], f"talks about money or offers: {phrases}"))
        terms = _top_terms(list(words.values()), word_weights)
        if terms:
            found.append((terms[0], "contains " + terms[1]))
        found.sort(key=lambda item: -item[0])
        return [sentence for _, sentence in found]


def _top_terms(tokens: list[str], weights: np.ndarray) -> tuple[float, str] | None:
    """The heaviest spam-leaning words of a comment, quoted, with their summed weight."""
    strong = np.flatnonzero(weights >= _MIN_REASON_LOG_ODDS)
    if not len(strong):
        return None
    chosen: list[str] = []
    total = 0.0
    for i in sorted(strong.tolist(), key=lambda k: -weights[k]):
        token = tokens[i]
        if "weblink" in token or "emailaddress" in token or token in _PLAIN_WORDS:
            continue  # links and addresses have their own reasons
        if any(token in c or c in token for c in chosen):
            continue
        chosen.append(token)
        total += float(weights[i])
        if len(chosen) == _MAX_TERMS:
            break
    if not chosen:
        return None
    return total, ", ".join(f"'{t}'" for t in chosen)


def _as_float(value: object) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(str(value))
    except ValueError:
        return None
