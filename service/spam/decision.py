"""Deciding what to do with a comment: the model's score plus what the form knows.

The model scores the text and author fields, and weighs a filled honeypot and the time
taken to fill the form in. This module adds what only the service knows: whether the
captcha was solved, Akismet's test conventions, and links to domains no accepted comment
of the site ever used. Each signal says so in ``reasons``, in words a moderator reads.

``discard`` drops a comment unseen, so it asks for more than a high score (docs/model.md,
"Actions"): at least two independent signals, not every link to a reputable or known
site, and a site that has not turned discarding off. Anything else that high is held, saying why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from model.features import PreparedComment
from model.fields import FILL_SECONDS_FIELD, HONEYPOT_FIELD
from model.normalize import normalize_text
from model.reasons import LINK_REASON_PREFIXES, WORDS_REASON_PREFIX
from model.reputation import Reputation, classify_host, registrable_domain
from model.thresholds import Thresholds

# Fewer independent signals than this hold a comment instead of discarding it.
DISCARD_MIN_SIGNALS = 2


def is_reference_domain(domain: str) -> bool:
    """Whether ``domain`` is a reference, institutional or established news host
    (:func:`model.reputation.classify_host`)."""
    return classify_host(domain) is Reputation.REPUTABLE


def reputable_for_site(own_hosts: Iterable[str], accepted: Iterable[str]
                       ) -> Callable[[str], bool]:
    """The link domains that never justify a discard alone for one site: reputable hosts,
    the site's own (``own_hosts``, from its origins) and those its accepted comments used.

    Hosts are compared by registrable domain, so ``blog.example.com`` covers
    ``www.example.com``.
    """
    trusted = {registrable_domain(h) or h.lower() for h in own_hosts}
    trusted |= {registrable_domain(h) or h.lower() for h in accepted}
    trusted.discard("")

    def reputable(domain: str) -> bool:
        return is_reference_domain(domain) or (registrable_domain(domain)
                                               or domain.lower()) in trusted

    return reputable


def links_all_reputable(domains: Iterable[str],
                        reputable: Callable[[str], bool] = is_reference_domain) -> bool:
    """True when the comment links somewhere and every link domain is ``reputable``."""
    found = list(domains)
    return bool(found) and all(reputable(d) for d in found)


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
    never_discard: bool = False,
    reputable: Callable[[str], bool] = is_reference_domain,
) -> Decision:
    """Combine the model's score with the form's signals into one decision.

    ``domains`` are the comment's link domains (:func:`link_domains`), of which
    ``known_domains`` appeared in accepted comments before. ``prepared``, the comment as
    :func:`model.features.prepare_comment` made it ready, spares the model normalising
    its text again. ``never_discard`` (the site's setting) holds whatever would be
    discarded; ``reputable`` tells which link domains never justify a discard alone.
    """
    if comment.get("comment_author", "").strip().lower() == GUARANTEED_SPAM_AUTHOR:
        reasons = ["test author akismet-guaranteed-spam"]
        if never_discard:
            return Decision(1.0, "hold", [*reasons, _NEVER_DISCARD], model.version, domains)
        return Decision(1.0, "discard", reasons, model.version, domains)
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
    action: str = thresholds.action(score)
    if action == "discard":
        kept = _why_not_discard(scored.reasons, signals, bool(unseen), domains, never_discard,
                                reputable)
        if kept:
            action = "hold"
            reasons.append(kept)
    if action == "hold" and not reasons:
        reasons.append(f"spam score {score:.2f} reaches the hold threshold {thresholds.hold:.2f}")
    return Decision(score, action, reasons, model.version, domains)


_NEVER_DISCARD = "held, not discarded: this site never discards"


def independent_signals(model_reasons: Iterable[str], signals: FormSignals,
                        unseen_links: bool) -> list[str]:
    """The independent signals behind a decision, one name each.

    Every reason the model tells is one feature, except its words ("contains 'see'"): the
    score is mostly made of them already, so they are no second opinion. Its reasons about
    links and links to domains unseen on the site are one signal, ``links``; a failed
    captcha is one more.
    """
    found: dict[str, None] = {}
    for reason in model_reasons:
        if reason.startswith(WORDS_REASON_PREFIX):
            continue
        found["links" if reason.startswith(LINK_REASON_PREFIXES) else reason] = None
    if unseen_links:
        found["links"] = None
    if signals.captcha == "failed":
        found["captcha failed"] = None
    return list(found)


def _why_not_discard(model_reasons: Iterable[str], signals: FormSignals, unseen_links: bool,
                     domains: Sequence[str], never_discard: bool,
                     reputable: Callable[[str], bool]) -> str:
    """'' when a comment scored for discard may be discarded, else the reason to hold it."""
    if never_discard:
        return _NEVER_DISCARD
    if links_all_reputable(domains, reputable):
        return "held, not discarded: every link points to a reputable or known site"
    found = independent_signals(model_reasons, signals, unseen_links)
    if len(found) < DISCARD_MIN_SIGNALS:
        if not found:
            return "held, not discarded: no signal beyond the overall score"
        return f"held, not discarded: one signal only ({found[0]})"
    return ""


def _with_signals(comment: Mapping[str, str], signals: FormSignals) -> dict[str, object]:
    fields: dict[str, object] = dict(comment)
    if signals.honeypot:
        fields[HONEYPOT_FIELD] = signals.honeypot
    if signals.seconds_to_submit is not None:
        fields[FILL_SECONDS_FIELD] = signals.seconds_to_submit
    return fields
