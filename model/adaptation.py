"""Per-site adaptation: a small logistic layer over the shared model, learned online.

Each site's moderators see spam the shared model never trained on. A site's layer adds a
bounded shift to the shared model's log-odds::

    adapted log-odds = z + clip(w · x, -max_shift, +max_shift)

where ``x`` is a fixed-size description of the comment: a bias, the shared model's own
log-odds (so a site can trust it more or less), the model's structural signals scaled to
about [0, 1], and the comment's words, author-name words and link domains hashed (with a
sign) into ``buckets`` columns. Each moderator's verdict is one step of stochastic
gradient descent on the logistic loss of the adapted probability, with

- a learning rate that decays with the number of verdicts, ``lr / sqrt(1 + n / decay)``;
- every step's length clipped to ``max_step``, so no single verdict moves any comment's
  log-odds by more than ``max_step * MAX_FEATURE_NORM`` (:func:`max_shift_per_verdict`);
- every weight clipped to ``max_weight`` and the total shift to ``max_shift``, so a
  blatant spam stays spam however many verdicts a site sends;
- a slight weight decay, so columns no verdict refreshes drift back to the shared model.

The state is plain numbers of a fixed size (``(buckets + 18)`` float32 values and a
count), kept as JSON with the weights base64-packed: never a pickle. This module is pure
arithmetic: storage lives in ``service.spam.adaptation``.
"""

from __future__ import annotations

import base64
import json
import math
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from model.evidence import AUTHOR_NAME_FIELDS, AUTHOR_URL_FIELDS
from model.features import (
    LENGTH_CAP,
    STRUCTURAL_FEATURES,
    WORDS_CAP,
    PreparedComment,
    prepare_comment,
)

# 2: structural signals count links by reputation (a layer of format 1 starts afresh).
FORMAT = 2
# What each structural signal is divided by to lie in about [0, 1] (then clipped to it).
STRUCTURAL_SCALE: tuple[float, ...] = (
    2.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 3.0, 1.0,
    math.log1p(LENGTH_CAP), math.log1p(WORDS_CAP), 2.0, 2.0,
)
DENSE_FEATURES: tuple[str, ...] = ("bias", "model_log_odds", *STRUCTURAL_FEATURES)
DENSE_SIZE = len(DENSE_FEATURES)
# The shared model's log-odds enter as z / LOG_ODDS_SCALE, clipped to [-1, 1].
LOG_ODDS_SCALE = 8.0
# Every dense value lies in [-1, 1] and the hashed part has unit length.
MAX_FEATURE_NORM = math.sqrt(DENSE_SIZE + 1)

_WORD = re.compile(r"[a-z0-9][a-z0-9']+")
_HOST = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?(?:www\.)?([^/?#:\s]+)", re.IGNORECASE)


@dataclass(frozen=True)
class Params:
    """The layer's size and how fast, and how far, it may move."""

    buckets: int = 1024
    learning_rate: float = 1.0
    decay_verdicts: float = 100.0
    weight_decay: float = 1e-3
    max_step: float = 0.3
    max_weight: float = 3.0
    max_shift: float = 4.0

    def __post_init__(self) -> None:
        if self.buckets < 1 or self.learning_rate <= 0 or self.decay_verdicts <= 0:
            raise ValueError("buckets, learning_rate and decay_verdicts must be positive")
        if self.weight_decay < 0 or self.weight_decay * self.learning_rate >= 1:
            raise ValueError("weight_decay * learning_rate must be in [0, 1)")
        if min(self.max_step, self.max_weight, self.max_shift) <= 0:
            raise ValueError("max_step, max_weight and max_shift must be positive")

    @property
    def size(self) -> int:
        """How many weights a layer holds."""
        return DENSE_SIZE + self.buckets


@dataclass(frozen=True)
class Features:
    """One comment as the layer sees it: the shared log-odds and a sparse vector ``x``."""

    log_odds: float
    indices: np.ndarray
    values: np.ndarray


def max_shift_per_verdict(params: Params) -> float:
    """The most one verdict can move any comment's adapted log-odds.

    The step moves ``w · x`` by at most ``max_step * MAX_FEATURE_NORM`` (clipping weights
    only shortens it); the weight decay shrinks a bounded shift by at most
    ``rate * decay * max_shift / (1 - rate * decay)``.
    """
    shrink = params.learning_rate * params.weight_decay
    return params.max_step * MAX_FEATURE_NORM + shrink * params.max_shift / (1.0 - shrink)


def tokens_of(comment: Mapping[str, object], prepared: PreparedComment | None = None
              ) -> tuple[list[str], tuple[float, ...]]:
    """The words, author words and domains a layer hashes, and the structural signals.

    ``prepared`` is the comment already normalised, if at hand.
    """
    if prepared is None:
        prepared = prepare_comment(comment)
    words = set(_WORD.findall(prepared.text.lower()))
    author = _first(comment, AUTHOR_NAME_FIELDS).lower()
    tokens = sorted(words)
    tokens += sorted({"a:" + w for w in _WORD.findall(author)})
    tokens += sorted({"d:" + d.lower() for d in prepared.normalized.domains})
    host = _HOST.match(_first(comment, AUTHOR_URL_FIELDS).strip())
    if host:
        tokens.append("u:" + host.group(1).lower())
    return tokens, prepared.structural


def features(comment: Mapping[str, object], log_odds: float, params: Params,
             prepared: PreparedComment | None = None) -> Features:
    """The layer's input for a comment the shared model scored at ``log_odds``."""
    tokens, structural = tokens_of(comment, prepared)
    return encode(tokens, structural, log_odds, params)


def encode(tokens: list[str], structural: tuple[float, ...], log_odds: float,
           params: Params) -> Features:
    """Build the sparse vector: dense signals first, then the signed hashed tokens."""
    if len(structural) != len(STRUCTURAL_SCALE):
        raise ValueError("structural signals differ from this version's")
    z = _finite(log_odds)
    dense = [1.0, _clip(z / LOG_ODDS_SCALE, 1.0)]
    dense += [min(max(v / s, 0.0), 1.0) for v, s in zip(structural, STRUCTURAL_SCALE,
                                                         strict=True)]
    hashed: dict[int, float] = {}
    for token in dict.fromkeys(tokens):
        h = zlib.crc32(token.encode("utf-8", "surrogatepass"))
        column = DENSE_SIZE + h % params.buckets
        hashed[column] = hashed.get(column, 0.0) + (1.0 if h >> 31 else -1.0)
    norm = math.sqrt(sum(v * v for v in hashed.values())) or 1.0
    indices = np.fromiter([*range(DENSE_SIZE), *hashed], np.intp, DENSE_SIZE + len(hashed))
    values = np.array([*dense, *(v / norm for v in hashed.values())], dtype=float)
    return Features(z, indices, values)


class SiteLayer:
    """One site's weights and how many verdicts shaped them."""

    def __init__(self, weights: np.ndarray, updates: int, params: Params) -> None:
        if weights.shape != (params.size,):
            raise ValueError(f"expected {params.size} weights, got {weights.shape}")
        self.weights = weights
        self.updates = updates
        self.params = params

    @classmethod
    def zeros(cls, params: Params) -> SiteLayer:
        """A layer that changes nothing (a new or reset site)."""
        return cls(np.zeros(params.size), 0, params)

    @property
    def empty(self) -> bool:
        """True before the first verdict: the shared model's score stands as it is."""
        return self.updates == 0

    def learning_rate(self) -> float:
        """The step size of the next verdict."""
        p = self.params
        return p.learning_rate / math.sqrt(1.0 + self.updates / p.decay_verdicts)

    def raw_shift(self, x: Features) -> float:
        """``w · x`` before the shift is bounded."""
        return float(self.weights[x.indices] @ x.values)

    def shift(self, x: Features) -> float:
        """How far this site moves the comment's log-odds (within ``max_shift``)."""
        return _clip(self.raw_shift(x), self.params.max_shift)

    def log_odds(self, x: Features) -> float:
        """The adapted log-odds of the comment."""
        return x.log_odds + self.shift(x)

    def learn(self, x: Features, spam: bool) -> SiteLayer:
        """The layer after one verdict (this one is left unchanged)."""
        p = self.params
        raw = self.raw_shift(x)
        error = _sigmoid(x.log_odds + _clip(raw, p.max_shift)) - (1.0 if spam else 0.0)
        weights = self.weights * (1.0 - self.learning_rate() * p.weight_decay)
        # Past the bound the shift no longer responds, so pushing further out is pointless
        # (and would only let the weights grow); a verdict that pulls back still counts.
        pushes_out = (raw >= p.max_shift and error < 0) or (raw <= -p.max_shift and error > 0)
        if not pushes_out:
            step = -self.learning_rate() * error * x.values
            length = float(np.linalg.norm(step))
            if length > p.max_step:
                step *= p.max_step / length
            np.add.at(weights, x.indices, step)
        np.clip(weights, -p.max_weight, p.max_weight, out=weights)
        return SiteLayer(weights, self.updates + 1, p)

    def to_json(self) -> str:
        """The layer as plain JSON: a count and the weights as base64 little-endian float32."""
        packed = self.weights.astype("<f4").tobytes()
        return json.dumps({"format": FORMAT, "updates": self.updates,
                           "buckets": self.params.buckets,
                           "weights": base64.b64encode(packed).decode("ascii")})

    @classmethod
    def from_json(cls, text: str, params: Params) -> SiteLayer:
        """Read :meth:`to_json`'s output; ``ValueError`` for anything else."""
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise ValueError("unknown format")
            if data.get("buckets") != params.buckets:
                raise ValueError("made with another number of buckets")
            updates = data["updates"]
            if not isinstance(updates, int) or updates < 0:
                raise ValueError("bad update count")
            raw = base64.b64decode(data["weights"], validate=True)
        except (KeyError, TypeError, json.JSONDecodeError, ValueError) as exc:
            raise ValueError(f"not a stored site layer ({exc})") from None
        if len(raw) != 4 * params.size:
            raise ValueError("not a stored site layer (wrong size)")
        weights = np.frombuffer(raw, dtype="<f4").astype(float)
        if not np.isfinite(weights).all():
            raise ValueError("not a stored site layer (weights not finite)")
        np.clip(weights, -params.max_weight, params.max_weight, out=weights)
        return cls(weights, updates, params)


def _first(comment: Mapping[str, object], names: tuple[str, ...]) -> str:
    for name in names:
        value = comment.get(name)
        if value is not None and value != "":
            return str(value)
    return ""


def _clip(value: float, bound: float) -> float:
    return min(max(value, -bound), bound)


def _finite(value: float) -> float:
    if math.isnan(value):
        return 0.0
    return min(max(value, -50.0), 50.0)


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def logit(probability: float) -> float:
    """The log-odds of a probability, finite even at 0 and 1."""
    p = min(max(probability, 1e-12), 1.0 - 1e-12)
    return math.log(p / (1.0 - p))


def probability(log_odds: float) -> float:
    """The probability of some log-odds."""
    return _sigmoid(log_odds)
