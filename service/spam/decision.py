"""Deciding what to do with a comment: the model's score plus what the form knows.

The model scores the text and author fields, and weighs a filled honeypot and the time
taken to fill the form in. This module adds what only the service knows: whether the
captcha was solved, Akismet's test conventions, and links to domains no accepted comment
of the site ever used. Each signal says so in ``reasons``, in words a moderator reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from model.features import PreparedComment
from model.fields import FILL_SECONDS_FIELD, HONEYPOT_FIELD
from model.normalize import normalize_text
from model.thresholds import Thresholds

# Akismet's documented test values, so plugins' own test suites behave as they expect.
GUARANTEED_SPAM_AUTHOR = "akismet-guaranteed-spam"
ALWAYS_HAM_ROLE = "administrator"


class ModelScore(Protocol):
    """What the spam model says about one comment."""

    @property
    def probability(self) -> float:
        """Calibrated spam probability."""

    @property
    def reasons(self) -> Sequence[str]:
        """Sentences a moderator reads."""


class SpamModel(Protocol):
    """The interface of a loaded spam model (:class:`model.scorer.Scorer`)."""

    version: str
    hold: float
    discard: float

    def score(self, comment: Mapping[str, object], *, reasons: bool = True,
              prepared: PreparedComment | None = None) -> ModelScore:
        """Score one comment (``prepared``: its text already normalised, if at hand)."""


@dataclass(frozen=True)
class FormSignals:
    """What the form and the captcha tell beyond the text."""

    honeypot: str = ""
    captcha: str = "absent"  # "absent", "passed" or "failed"
    captcha_error: str = ""
    captcha_required: bool = False
    seconds_to_submit: float | None = None


@dataclass
class Decision:
    """The answer of a comment check."""

    score: float
    action: str
    reasons: list[str] = field(default_factory=list)
    model: str = ""
    link_domains: tuple[str, ...] = ()

    @property
    def spam(self) -> bool:
        """Anything not accepted counts as spam for yes/no clients."""
        return self.action != "accept"

    def to_json(self) -> dict[str, Any]:
        """The JSON body of ``POST /v1/comment-check``."""
        return {
            "spam": self.spam,
            "score": round(self.score, 4),
            "action": self.action,
            "reasons": self.reasons,
            "model": self.model,
        }


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def link_domains(text: str) -> tuple[str, ...]:
    """The distinct domains a comment links to, in order of appearance."""
    return tuple(dict.fromkeys(normalize_text(text).domains))


def decide(
    comment: Mapping[str, str],
    model: SpamModel,
    thresholds: Thresholds,
    signals: FormSignals,
    domains: tuple[str, ...] = (),
    known_domains: set[str] | frozenset[str] = frozenset(),
    *,
    prepared: PreparedComment | None = None,
) -> Decision:
    """Combine the model's score with the form's signals into one decision.

    ``domains`` are the comment's link domains (:func:`link_domains`), of which
    ``known_domains`` appeared in accepted comments before. ``prepared``, the comment as
    :func:`model.features.prepare_comment` made it ready, spares the model normalising
    its text again.
    """
    if comment.get("comment_author", "").strip().lower() == GUARANTEED_SPAM_AUTHOR:
        return Decision(1.0, "discard", ["test author akismet-guaranteed-spam"], model.version,
                        domains)
    if comment.get("user_role", "").strip().lower() == ALWAYS_HAM_ROLE:
        return Decision(0.0, "accept", ["posted by an administrator"], model.version, domains)

    scored = model.score(_with_signals(comment, signals), prepared=prepared)
    probability = float(scored.probability)
    reasons = list(scored.reasons)
    floor = 0.0
    if signals.captcha == "failed":
        reasons.insert(0, f"captcha failed ({signals.captcha_error})")
        floor = max(floor, thresholds.discard)
    elif signals.captcha == "absent" and signals.captcha_required:
        reasons.insert(0, "captcha missing")
        floor = max(floor, thresholds.hold)
    unseen = [d for d in domains if d not in known_domains]
    if unseen:
        reasons.append(
            f"{_plural(len(unseen), 'link')} to "
            + ("a domain" if len(unseen) == 1 else "domains")
            + " never seen in accepted comments"
        )
    score = max(probability, floor)
    return Decision(score, thresholds.action(score), reasons, model.version, domains)


def _with_signals(comment: Mapping[str, str], signals: FormSignals) -> dict[str, object]:
    fields: dict[str, object] = dict(comment)
    if signals.honeypot:
        fields[HONEYPOT_FIELD] = signals.honeypot
    if signals.seconds_to_submit is not None:
        fields[FILL_SECONDS_FIELD] = signals.seconds_to_submit
    return fields
