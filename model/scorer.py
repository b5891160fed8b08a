"""Scoring comments: the lean path the service calls for every comment.

The saved pipeline is the reference, but calling scikit-learn for one short text costs
about a millisecond of overhead. :class:`Scorer` computes the very same numbers directly:
it hashes tokens the way :class:`~sklearn.feature_extraction.text.HashingVectorizer` does
(MurmurHash3, binary, L2-normalised), adds the scaled structural signals, takes the dot
product with the linear model's weights and applies the fitted sigmoid. Tests check it
against ``pipeline.predict_proba`` to 1e-9.

The model's probability also carries the fixed evidence of :mod:`model.evidence` (author
fields, user agent, words mixing alphabets), added to the calibrated log-odds in both
paths; a filled honeypot and a fast form are added on top when the service knows them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from model import batch, numbers
from model.artifact import Artifact, load_artifact
from model.confusables import skeleton_table
from model.errors import ArtifactError
from model.features import PreparedComment, prepare_comment, to_matrix
from model.fields import FILL_SECONDS_FIELD, HONEYPOT_FIELD
from model.hashing import BatchGrams, CharHasher, WordHasher, distinct
from model.reasons import (
    HONEYPOT_REASON,
    MAX_REASONS,
    MIN_REASON_LOG_ODDS,
    fast_fill_reason,
    reasons_for,
)
from model.reputation import public_suffixes
from model.thresholds import Thresholds
from model.verdict import Score

# Seconds under which a filled-in form is taken as a bot's.
FAST_FILL_SECONDS = 3.0
# No training data carries these signals, so they are fixed log-odds added to the model's
# score rather than learned: a filled honeypot is near-certain spam, a very fast form strong
# evidence.
HONEYPOT_LOG_ODDS = 8.0
FAST_FILL_LOG_ODDS = 3.0


@dataclass
class _Decisions:
    """A batch's decision values and what the reasons need from the sums.

    The distinct word columns of comment ``i``, sorted, are
    ``word_columns[word_bounds[i]:word_bounds[i + 1]]`` and their weights the same slice of
    ``word_weights``. Its n-grams, in order, are its tokens ``tokens[i]`` then the pairs of
    neighbouring tokens (see :func:`_gram`; a hasher that makes other n-grams gives them
    all as ``tokens[i]`` and no pairs), their columns
    ``token_columns[token_bounds[i]:token_bounds[i + 1]]`` then
    ``pair_columns[pair_bounds[i]:pair_bounds[i + 1]]``. Without ``tokens`` (no reasons
    asked for) the tokens, the columns of both and their bounds are left empty.
    """

    values: list[float]
    tokens: list[list[str]]
    token_columns: list[int]
    token_bounds: list[int]
    pair_columns: list[int]
    pair_bounds: list[int]
    word_columns: np.ndarray
    word_bounds: list[int]
    word_weights: np.ndarray
    word_norms: np.ndarray
    struct_terms: np.ndarray


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
        saved = artifact.manifest["thresholds"]
        self.thresholds = Thresholds(hold=float(saved["hold"]), discard=float(saved["discard"]))
        self.hold = self.thresholds.hold
        self.discard = self.thresholds.discard
        # The look-alike and public-suffix tables load here, not in the first request (0.3 s).
        skeleton_table()
        public_suffixes()
        try:
            self._unpack(artifact)
        except (AttributeError, KeyError, IndexError, TypeError, ValueError) as exc:
            raise ArtifactError(f"{artifact.directory} is not a model this Hedgerow can score "
                                f"with ({exc})", path=artifact.directory) from None

    def _unpack(self, artifact: Artifact) -> None:
        # From scorer.npz when the artifact has one; else from the pipeline's attributes.
        found = artifact.numbers or numbers.from_pipeline(artifact.pipeline)
        self._word = WordHasher(found.word)
        self._char = CharHasher(found.char)
        self._w_word: np.ndarray = found.word_weights
        self._w_char: np.ndarray = found.char_weights
        # Fold the max-abs scaling into the weights: w * (x / scale) = (w / scale) * x.
        self._w_struct_array: np.ndarray = found.structural_weights / found.structural_scale
        self._w_struct: list[float] = self._w_struct_array.tolist()
        self._intercept = found.intercept
        self._a = found.a
        self._b = found.b

    @classmethod
    def load(cls, path: Path | str) -> Scorer:
        """Load and verify the artifact at ``path`` (directory or its model.skops), without
        its scikit-learn pipeline when it has a ``scorer.npz``."""
        return cls(load_artifact(path, pipeline=False))

    @property
    def manifest(self) -> dict[str, Any]:
        """The artifact's manifest."""
        return self.artifact.manifest

    def _decisions(self, prepared: list[PreparedComment], tokens: bool,
                   known: BatchGrams | None = None) -> _Decisions:
        """Decision values of a batch, each computed exactly as for a comment on its own.

        Per comment the sums run over the same sorted distinct columns, added in the same
        order, as a lone comment's, so a comment's score never depends on the batch it came
        in. ``known`` holds the word n-gram columns met earlier in the same batch.
        """
        n = len(prepared)
        word, char = self._word, self._char
        texts = [p.text for p in prepared]
        lowers = [t.lower() for t in texts]
        if known is None:
            known = BatchGrams()

        # Word n-grams: the distinct columns of each comment, sorted (as for the characters).
        if word.pairs_only:
            token_lists = [word.tokens(low) for low in lowers]
            token_array, pair_array = word.token_columns(token_lists, known)
            token_counts = np.fromiter(map(len, token_lists), dtype=np.int64, count=n)
            pair_counts = np.maximum(token_counts - 1, 0)
        else:
            token_lists = [word.grams(t, low) for t, low in zip(texts, lowers, strict=True)]
            token_array = word.columns_batch(list(itertools.chain.from_iterable(token_lists)),
                                             known.grams)
            token_counts = np.fromiter(map(len, token_lists), dtype=np.int64, count=n)
            pair_array = np.zeros(0, dtype=np.int64)
            pair_counts = np.zeros(n, dtype=np.int64)
        word_columns, word_counts = _distinct_per_row(
            np.concatenate([token_array, pair_array]),
            np.concatenate([np.repeat(np.arange(n), token_counts),
                            np.repeat(np.arange(n), pair_counts)]),
            n, word.n_features)
        word_w = self._w_word[word_columns]
        word_norms = _norms(word_counts)

        # Character n-grams: the distinct columns of each comment's words, sorted.
        flat, counts = char.columns_flat(lowers)
        char_columns, char_counts = _distinct_per_row(flat, np.repeat(np.arange(n), counts), n,
                                                      char.n_features)
        char_norms = _norms(char_counts)

        terms = np.array([p.structural for p in prepared], dtype=float) * self._w_struct_array
        # Accumulating left to right gives the same float as summing the terms in Python.
        struct_sums = np.cumsum(terms, axis=1)[:, -1]
        # The same operations, in the same order, as a lone comment's decision.
        values = (segment_sums(word_w, word_counts) / word_norms
                  + segment_sums(self._w_char[char_columns], char_counts) / char_norms
                  + struct_sums + self._intercept)
        if not tokens:
            return _Decisions(values.tolist(), [], [], [], [], [], word_columns, [], word_w,
                              word_norms, terms)
        return _Decisions(values.tolist(), token_lists, token_array.tolist(),
                          [0, *np.cumsum(token_counts).tolist()], pair_array.tolist(),
                          [0, *np.cumsum(pair_counts).tolist()], word_columns,
                          [0, *np.cumsum(word_counts).tolist()], word_w, word_norms, terms)

    def _decision(self, prepared: PreparedComment, reasons: bool) -> tuple[float, list[str]]:
        """One comment's decision value (the same arithmetic as :meth:`_decisions`)."""
        text = prepared.text
        lower = text.lower()
        grams = self._word.grams(text, lower)
        columns = self._word.columns(grams)
        order = sorted(set(columns))
        word_norm = math.sqrt(len(order)) if order else 1.0
        word_w = self._w_word[np.fromiter(order, np.intp, len(order))]
        char_w = self._w_char[distinct(self._char.columns(lower))]
        char_norm = math.sqrt(len(char_w)) if len(char_w) else 1.0
        terms = [w * x for w, x in zip(self._w_struct, prepared.structural, strict=True)]
        struct_sum = 0.0
        for term in terms:  # left to right, as np.cumsum adds them in the batch path
            struct_sum += term
        decision = (run_sum(word_w) / word_norm + run_sum(char_w) / char_norm
                    + struct_sum + self._intercept)
        if not reasons:
            return decision, []
        # Each word's weight over the norm, as the decision divides them (the same floats
        # as in NumPy); only the words heavy enough to be told are looked up.
        told: list[int] = []
        told_weights: list[float] = []
        for column, w in zip(order, word_w.tolist(), strict=True):
            weight = w / word_norm
            if weight >= MIN_REASON_LOG_ODDS:
                told.append(column)
                told_weights.append(weight)
        tokens, told_weights = _told_words(grams, columns, told, told_weights)
        return decision, reasons_for(prepared, tokens, told_weights, terms)

    def model_probability(self, comment: Mapping[str, object]) -> float:
        """The model's probability: calibrated score plus the fixed evidence of the comment's
        fields (no honeypot or timing signals, which only the service knows)."""
        prepared = prepare_comment(comment)
        decision = self._decision(prepared, reasons=False)[0]
        log_odds = -(self._a * decision + self._b)
        log_odds += prepared.evidence_log_odds
        return _sigmoid(log_odds)

    def score(self, comment: Mapping[str, object], *, reasons: bool = True,
              prepared: PreparedComment | None = None) -> Score:
        """Score one comment given as form fields (Akismet names or ``content``/``text``).

        Optional ``honeypot`` (any non-empty value means a bot filled the hidden field) and
        ``fill_seconds`` (time from showing the form to submitting it) raise the score.
        ``prepared`` is :func:`~model.features.prepare_comment` of ``comment`` when the
        caller has made it already (its link domains, say), so the text is normalised once.
        """
        if prepared is None:
            prepared = prepare_comment(comment)
        decision, why = self._decision(prepared, reasons)
        return self._verdict(comment, prepared, decision, why)

    def score_many(self, comments: Iterable[Mapping[str, object]], *, reasons: bool = True,
                   processes: int | None = None) -> list[Score]:
        """Score many comments; exactly the verdicts :meth:`score` gives one by one.

        ``processes`` above 1 spreads a large batch over forked processes; see
        :func:`model.batch.score_many`.
        """
        return batch.score_many(self, comments, reasons=reasons, processes=processes)

    def score_prepared(self, comments: list[Mapping[str, object]],
                       prepared: list[PreparedComment], *, reasons: bool,
                       known: BatchGrams | None = None) -> list[Score]:
        """The verdicts on ``comments``, whose :func:`prepare_comment` results are ``prepared``.

        They are computed together, each exactly as :meth:`score` computes it alone.
        ``known`` holds the columns of word n-grams met earlier in the same batch, and gets
        those of this part.
        """
        found = self._decisions(prepared, tokens=reasons, known=known)
        if not reasons:
            return [self._verdict(comment, item, value, [])
                    for comment, item, value in zip(comments, prepared, found.values,
                                                    strict=True)]
        bounds = found.word_bounds
        # Each word's weight over its comment's norm, as the decision divides them. Only
        # the words heavy enough to be told are looked up (their order kept), as a lone
        # comment's are.
        weights = found.word_weights / np.repeat(found.word_norms, np.diff(bounds))
        told = np.flatnonzero(weights >= MIN_REASON_LOG_ODDS)
        told_weights = weights[told].tolist()
        told_columns = found.word_columns[told].tolist()
        cuts = np.searchsorted(told, bounds).tolist()
        struct_terms = found.struct_terms.tolist()
        scores = []
        for i, (comment, item) in enumerate(zip(comments, prepared, strict=True)):
            a, b = cuts[i], cuts[i + 1]
            tokens: list[str] = []
            word_weights: list[float] = []
            if b > a:
                columns = (found.token_columns[found.token_bounds[i]:found.token_bounds[i + 1]]
                           + found.pair_columns[found.pair_bounds[i]:found.pair_bounds[i + 1]])
                tokens, word_weights = _told_words(found.tokens[i], columns, told_columns[a:b],
                                                   told_weights[a:b])
            why = reasons_for(item, tokens, word_weights, struct_terms[i])
            scores.append(self._verdict(comment, item, found.values[i], why))
        return scores

    def _verdict(self, comment: Mapping[str, object], prepared: PreparedComment,
                 decision: float, reasons: list[str]) -> Score:
        log_odds = -(self._a * decision + self._b)
        log_odds += prepared.evidence_log_odds
        extra: list[str] = []
        honeypot = comment.get(HONEYPOT_FIELD)
        if honeypot not in (None, "", False):
            log_odds += HONEYPOT_LOG_ODDS
            extra.append(HONEYPOT_REASON)
        seconds = _as_float(comment.get(FILL_SECONDS_FIELD))
        if seconds is not None and 0 <= seconds < FAST_FILL_SECONDS:
            log_odds += FAST_FILL_LOG_ODDS
            extra.append(fast_fill_reason(seconds))
        extra += [e.reason for e in prepared.evidence if e.log_odds > 0 and e.reason]
        probability = _sigmoid(log_odds)
        spam = probability >= self.hold
        action = self.thresholds.action(probability)
        why = extra + reasons if reasons else extra
        return Score(spam=spam, probability=probability, reasons=why[:MAX_REASONS],
                     version=self.version, action=action)

    def pipeline_probabilities(self, comments: Iterable[Mapping[str, object]]) -> list[float]:
        """Model probabilities from the saved scikit-learn pipeline (the slow reference),
        with the same fixed evidence added to its log-odds."""
        prepared = [prepare_comment(c) for c in comments]
        learned = self.artifact.pipeline.predict_proba(to_matrix(prepared))[:, 1].tolist()
        out = []
        for p, item in zip(learned, prepared, strict=True):
            extra = item.evidence_log_odds
            if extra:
                p = min(max(p, 1e-300), 1 - 1e-16)
                p = _sigmoid(math.log(p / (1.0 - p)) + extra)
            out.append(p)
        return out


def segment_sums(values: np.ndarray, counts: np.ndarray | list[int]) -> np.ndarray:
    """The sum of each run of ``values``, the runs ``counts`` long, back to back.

    Each run is summed alone (its first value, then the rest added pairwise), so a run's
    sum is the same float wherever it sits in ``values``: a comment's sum never depends on
    its batch. An empty run sums to 0.
    """
    counts = np.asarray(counts, dtype=np.int64)
    sums = np.zeros(len(counts))
    # reduceat would give an empty run the value at its start, and the run before it only
    # its first value: only the other runs are summed. Each one then ends where the next
    # begins (or at the end).
    filled = counts > 0
    if len(values):
        sums[filled] = np.add.reduceat(values, (np.cumsum(counts) - counts)[filled])
    return sums


def run_sum(values: np.ndarray) -> float:
    """The sum of ``values`` as :func:`segment_sums` takes it for one run."""
    return float(np.add.reduceat(values, _FIRST)[0]) if len(values) else 0.0


_FIRST = np.zeros(1, dtype=np.intp)


def _norms(counts: np.ndarray) -> np.ndarray:
    """The L2 norm of each row of ``counts`` binary features (1 for an empty row)."""
    return np.sqrt(np.maximum(counts, 1)).astype(float)


def _distinct_per_row(columns: np.ndarray, rows: np.ndarray, n: int,
                      n_features: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's distinct columns, sorted, back to back, and how many each row has.

    ``columns[k]`` belongs to row ``rows[k]``, one of ``n``.
    """
    if n == 1:
        found = distinct(columns)
        return found, np.array([len(found)], dtype=np.int64)
    key_type = _key_type(n, n_features)
    rows = rows.astype(key_type, copy=False)
    keys = distinct(rows * n_features + columns.astype(key_type, copy=False))
    rows = keys // n_features
    return keys - rows * n_features, np.bincount(rows, minlength=n)


def _key_type(rows: int, n_features: int) -> type[np.signedinteger[Any]]:
    """The smallest integer type for ``row * n_features + column`` keys (sorting 32-bit
    keys takes half the time)."""
    return np.int32 if rows * n_features < 2**31 else np.int64


def _told_words(tokens: list[str], columns: list[int], told: list[int],
                weights: list[float]) -> tuple[list[str], list[float]]:
    """The n-grams of the ``told`` columns and their ``weights``, in order of appearance.

    ``columns`` are the columns of the n-grams of ``tokens`` (see :func:`_gram`); a column
    shared by two n-grams is told as the first.
    """
    firsts = [columns.index(c) for c in told]
    ranked = sorted(range(len(told)), key=firsts.__getitem__)
    return [_gram(tokens, firsts[j]) for j in ranked], [weights[j] for j in ranked]


def _gram(tokens: list[str], k: int) -> str:
    """N-gram ``k`` of a text of ``tokens``: its tokens, then its pairs of neighbours."""
    if k < len(tokens):
        return tokens[k]
    k -= len(tokens)
    return tokens[k] + " " + tokens[k + 1]


def _as_float(value: object) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(str(value))
    except ValueError:
        return None
