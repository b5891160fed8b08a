"""Why a comment looks like spam, in sentences a moderator reads."""

from __future__ import annotations

import math

from model.features import STRUCTURAL_FEATURES, PreparedComment
from model.reputation import Reputation

# A verdict tells at most this many reasons.
MAX_REASONS = 5
HONEYPOT_REASON = "filled in the hidden honeypot field"
# Below this many log-odds towards spam, a signal or a word is not worth telling.
MIN_REASON_LOG_ODDS = 0.15
# Words too common to explain anything to a moderator, even when the model weighs them.
_PLAIN_WORDS = frozenset(
    "a an and are as at be but by com do for from get go got has have he her his how i if in "
    "is it its me my no not of on or our out so that the their them they this to too up us "
    "was we what when who will with you your".split()
)
# Words quoted in the "contains …" reason.
_MAX_TERMS = 3
# How the sentences about links and about the weightiest words begin: the service counts
# all link sentences as one signal and the words as none (service/spam/decision.py).
SHORTENER_REASON = "uses a link shortener, which hides where the link goes"
LINK_REASON_PREFIXES = ("links to ", SHORTENER_REASON)
WORDS_REASON_PREFIX = "contains '"

_NEUTRAL, _SUSPICIOUS, _SELF_PROMOTION, _MONEY_TERMS = (
    STRUCTURAL_FEATURES.index(name)
    for name in ("neutral_links", "suspicious_links", "self_promotion", "money_terms"))
# (structural feature, threshold, whether reaching it suffices, sentence), in reason order.
_SIGNAL_SENTENCES: tuple[tuple[int, float, bool, str], ...] = tuple(
    (STRUCTURAL_FEATURES.index(name), above, inclusive, sentence)
    for name, above, inclusive, sentence in (
        ("shortener", 0.0, False, SHORTENER_REASON),
        ("email_in_text", 0.0, False, "gives an e-mail address"),
        ("phone_number", 0.0, False, "contains a phone number"),
        ("digit_ratio", 0.15, False, "is full of digits"),
        ("capitals_ratio", 0.6, False, "is written mostly in capital letters"),
        ("exclamations", math.log1p(3), True, "uses many exclamation marks"),
        ("repeated_chars", 0.0, False, "repeats characters"),
    ))


def top_terms(tokens: list[str], weights: list[float]) -> tuple[float, str] | None:
    """The heaviest spam-leaning words of a comment, quoted, with their summed weight."""
    strong = [i for i, w in enumerate(weights) if w >= MIN_REASON_LOG_ODDS]
    if not strong:
        return None
    chosen: list[str] = []
    total = 0.0
    for i in sorted(strong, key=lambda k: -weights[k]):
        token = tokens[i]
        if ("weblink" in token or "sourcelink" in token or "emailaddress" in token
                or token in _PLAIN_WORDS):
            continue  # links and addresses have their own reasons
        if any(token in c or c in token for c in chosen):
            continue
        chosen.append(token)
        total += weights[i]
        if len(chosen) == _MAX_TERMS:
            break
    if not chosen:
        return None
    return total, ", ".join(f"'{t}'" for t in chosen)


def reasons_for(prepared: PreparedComment, tokens: list[str], word_weights: list[float],
                struct_terms: list[float]) -> list[str]:
    """Why the model leans towards spam for this comment, heaviest reason first.

    ``tokens`` are the comment's distinct word n-grams and ``word_weights`` what each adds
    to the decision; ``struct_terms`` are what each structural feature adds. A reason is
    told only when it is present in the comment and pushes towards spam.
    """
    found: list[tuple[float, str]] = []
    value = prepared.structural
    weight = struct_terms
    n = prepared.normalized
    # Links are told by where they point; a cited source is never a reason.
    for index, reputation, what in (((_SUSPICIOUS, Reputation.SUSPICIOUS, "suspicious "),
                                     (_NEUTRAL, Reputation.NEUTRAL, "")) if n.domains else ()):
        domains = [d for d, r in zip(n.domains, prepared.reputations, strict=False)
                   if r is reputation]
        if domains and weight[index] > MIN_REASON_LOG_ODDS:
            shown = ", ".join(domains[:3]) + (", …" if len(domains) > 3 else "")
            plural = "domain" if len(domains) == 1 else "domains"
            found.append((weight[index], f"{LINK_REASON_PREFIXES[0]}{len(domains)} {what}{plural} "
                          f"({shown})"))
    # A signal is told only when it is present in this comment and pushes towards spam.
    for index, above, inclusive, sentence in _SIGNAL_SENTENCES:
        x = value[index]
        if ((x >= above) if inclusive else (x > above)) and (
                weight[index] > MIN_REASON_LOG_ODDS):
            found.append((weight[index], sentence))
    # Self-promotion is told with the requests that came with it ("check out", "subscribe").
    if prepared.promotion and weight[_SELF_PROMOTION] > MIN_REASON_LOG_ODDS:
        told = dict.fromkeys(prepared.promotion + prepared.cta)
        phrases = ", ".join(f"'{p}'" for p in told)
        found.append((weight[_SELF_PROMOTION], f"asks readers to act: {phrases}"))
    if prepared.money and weight[_MONEY_TERMS] > MIN_REASON_LOG_ODDS:
        phrases = ", ".join(f"'{p}'" for p in list(dict.fromkeys(prepared.money))[:3])
        found.append((weight[_MONEY_TERMS], f"talks about money or offers: {phrases}"))
    terms = top_terms(tokens, word_weights)
    if terms:
        found.append((terms[0], "contains " + terms[1]))
    found.sort(key=lambda item: -item[0])
    return [sentence for _, sentence in found]


def fast_fill_reason(seconds: float) -> str:
    """The reason told when the form was filled in faster than a person types."""
    return f"form was filled in {seconds:.1f} s"
