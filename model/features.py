"""Turning what a comment form sends into the model's input row.

A row is the normalised text (for the word and character n-gram hashers) followed by a
fixed list of structural signals computed here in plain Python: links by where they point,
shouting, phone numbers, calls to action. Only fields a real form sends are used; dates
and comment ids never are. The author fields, the user agent and words mixing alphabets
appear in no training data, so they are fixed evidence (:mod:`model.evidence`) kept beside
the row rather than columns of it.

Length is capped low: the training data's long texts are mostly e-mail spam, and a
model allowed to count words would learn that a thoughtful paragraph is spam.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from model.evidence import Evidence, fixed_evidence
from model.fields import CONTENT
from model.normalize import NormalizedText, normalize_many, normalize_text
from model.reputation import Reputation, classify_host, is_shortener

TEXT_FIELDS = (CONTENT, "content", "CONTENT", "text")
# Characters and words past which a comment is simply "long": no longer counts more.
LENGTH_CAP = 300
WORDS_CAP = 50
# The digit ratio of a short text is taken over at least this many characters, so "+1"
# or "2024?" is not "full of digits".
_DIGIT_RATIO_MIN_CHARS = 40

_PHONE = re.compile(r"(?<!\w)\+?\d(?:[\s().-]?\d){8,14}(?!\w)")
_WORDS = re.compile(r"[a-z0-9$£€']+")
# A currency sign after a letter or another sign is a spreadsheet reference ("$B$2"), a
# template or a shell variable, not money.
_CURRENCY = re.compile(
    r"(?<![\w$£€])[$£€]\s?\d|\d\s?(?:[$£€]|usd\b|dollars?\b|euros?\b|pounds?\b)")
MONEY_WORDS = frozenset(
    "cash prize won win winner winning earn earning earnings income money paypal bitcoin crypto "
    "free bonus reward discount offer loan casino investment".split()
)
# Phrases promoting the commenter's own channel, site or account: the mark of comment spam.
# The regexes run on lower-cased text and only when one of the trigger words is present.
# Written to start with "my" itself (the word boundary before it checked behind), so the
# engine skips straight to each "my" of a text.
_OWN_THINGS = re.compile(
    r"my(?<=\bmy)\s+(?:channel|page|videos?|music|songs?|site|website|blog|profile|account|cover|"
    r"shop|store)\b"
)


def _at_word_start(*phrases: str) -> str:
    """The pattern ``\\b(?:phrase|…)``, each phrase written to start with its first letter
    (the word boundary before it checked behind), so the engine skips straight to those
    letters instead of trying the pattern at every word boundary of a text."""
    return "(?:" + "|".join(rf"{p[0]}(?<=\b{p[0]}){p[1:]}" for p in phrases) + ")"


_SELF_PROMOTION = re.compile(_at_word_start(
    r"check\s+(?:it\s+)?out\s+my", r"visit\s+(?:my|our)", r"see\s+(?:my|our)",
    r"watch\s+(?:my|our)", r"hear\s+(?:my|our)", r"listen\s+to\s+(?:my|our)",
    r"subscribe\s+(?:to\s+)?(?:my|me|our|us)", r"sub(?:s|scribe)?\s*(?:4|for|back)",
    r"follow\s+(?:me|us|my)",
    r"give\s+(?:me|my|us|our|it|this)\s+(?:\w+\s+)?a\s+(?:chance|try|listen|look)",
) + r"\b")
# Requests in the imperative ("subscribe", "click here", "order now"). Reports in the past
# tense ("I subscribed", "I checked out the map") ask nothing of anyone and are not matched.
_CALL_TO_ACTION = re.compile(
    r"\b(?:check\s+(?:it\s+|this\s+)?out|subscribe|click\s+here|"
    r"(?:please|pls|plz)\s+(?:like|share|sub\w*|check|visit|help|watch|support|follow)|"
    r"thumbs?\s+up|sign\s+up|call\s+now|text\s+\w+\s+to|reply\s+(?:yes|stop|now)|"
    r"order\s+now|buy\s+now|limited\s+time|act\s+now|apply\s+now)\b"
)
_CTA_TRIGGERS = frozenset(
    "check my visit see watch hear listen follow click please pls plz give thumbs thumb "
    "sign call text reply order buy limited act apply sub subs".split()
)
# Text each phrase pattern's every match holds one of ("now" stands for "call now", "order
# now", "buy now", "act now" and "apply now"); a text holding none cannot match, and
# looking for these strings is several times faster than running the pattern.
_CALL_TO_ACTION_HINTS = ("check", "subscribe", "click", "please", "pls", "plz", "thumb",
                         "sign", "now", "text", "reply", "limited")
_SELF_PROMOTION_HINTS = ("check", "visit", "see", "watch", "hear", "listen", "sub", "follow",
                         "give")
_CURRENCY_HINTS = ("$", "£", "€", "usd", "dollar", "euro", "pound")
# Four or more of one visible character in a row. It is looked for in normalised text, where
# runs of a word character are already cut to two (``www`` aside), so only the other
# visible characters ("!!!!", "$$$$") need to be tried, which is several times faster.
_LONG_REPEAT = re.compile(r"([^\w\s])\1{3,}")
_LONG_REPEAT_BYTES = re.compile(rb"(.)\1{3}", re.DOTALL)
_ASCII_UPPER = bytes(range(65, 91))
_ASCII_LETTERS = bytes(range(65, 91)) + bytes(range(97, 123))
_ASCII_DIGITS = b"0123456789"
# Every ASCII byte _WORDS does not take ([a-z0-9$'] among ASCII) as a space: split on
# spaces after this translation, ASCII text gives _WORDS's tokens.
_ASCII_WORDS_OR_SPACE = bytes(c if chr(c) in "abcdefghijklmnopqrstuvwxyz0123456789$'" else 32
                              for c in range(256))
# Word characters and white space among ASCII bytes: what remains without them is what
# _LONG_REPEAT can match in ASCII text.
_ASCII_WORD_AND_SPACE = bytes(c for c in range(128) if re.match(r"[\w\s]", chr(c)))

STRUCTURAL_FEATURES: tuple[str, ...] = (
    "reputable_links",
    "neutral_links",
    "suspicious_links",
    "shortener",
    "email_in_text",
    "phone_number",
    "digit_ratio",
    "capitals_ratio",
    "exclamations",
    "repeated_chars",
    "length",
    "words",
    "money_terms",
    "self_promotion",
)


@dataclass(frozen=True)
class PreparedComment:
    """A comment made ready for the model: normalised text plus structural values.

    ``structural`` follows :data:`STRUCTURAL_FEATURES`; ``cta`` (requests), ``promotion``
    (the commenter's own channel or site) and ``money`` keep the matched phrases so reasons
    can quote them; ``reputations`` gives each of ``normalized.domains``
    its :class:`~model.reputation.Reputation`; ``evidence`` is the fixed evidence from the
    author fields, the user agent and mixed alphabets, strongest first.
    """

    normalized: NormalizedText
    structural: tuple[float, ...]
    cta: tuple[str, ...]
    money: tuple[str, ...]
    phone: bool
    promotion: tuple[str, ...] = ()
    reputations: tuple[Reputation, ...] = ()
    evidence: tuple[Evidence, ...] = ()

    @property
    def evidence_log_odds(self) -> float:
        """The fixed evidence's log-odds, summed."""
        return sum((item.log_odds for item in self.evidence), 0.0)

    @property
    def text(self) -> str:
        """The text the n-gram hashers read."""
        return self.normalized.text


def _field(comment: Mapping[str, object], names: Sequence[str]) -> str:
    for name in names:
        value = comment.get(name)
        if value is not None and value != "":
            return str(value)
    return ""


def comment_text(comment: Mapping[str, object]) -> str:
    """The comment body from any accepted field name (``comment_content``, ``content``, …)."""
    return _field(comment, TEXT_FIELDS)


def prepare_comment(comment: Mapping[str, object]) -> PreparedComment:
    """Normalise a comment and compute its structural signals."""
    return _prepared(comment, normalize_text(comment_text(comment)))


def prepare_many(comments: Sequence[Mapping[str, object]]) -> list[PreparedComment]:
    """:func:`prepare_comment` of each comment, their texts normalised together."""
    texts = normalize_many([comment_text(c) for c in comments])
    return [_prepared(c, n) for c, n in zip(comments, texts, strict=True)]


def _prepared(comment: Mapping[str, object], normalized: NormalizedText) -> PreparedComment:
    """The comment made ready, its text normalised as ``normalized``."""
    plain = normalized.plain

    lower = plain.lower()
    raw_bytes = plain.encode("ascii", "ignore")
    letters = len(raw_bytes) - len(raw_bytes.translate(None, _ASCII_LETTERS))
    uppers = len(raw_bytes) - len(raw_bytes.translate(None, _ASCII_UPPER))
    # Digits inside links ("arxiv.org/abs/1706.03762") are part of an address, not of a
    # phone number or a lottery ticket: they are counted on the text with links replaced.
    prose = normalized.text if normalized.links or normalized.emails else plain
    prose_bytes = prose.encode("ascii", "ignore")
    digits = len(prose_bytes) - len(prose_bytes.translate(None, _ASCII_DIGITS))
    chars = max(len(prose), _DIGIT_RATIO_MIN_CHARS)
    tokens = _words(lower)
    cta: tuple[str, ...] = ()
    promotion: tuple[str, ...] = ()
    if "subscri" in lower or not _CTA_TRIGGERS.isdisjoint(tokens):
        if any(hint in lower for hint in _CALL_TO_ACTION_HINTS):
            cta = tuple(_CALL_TO_ACTION.findall(lower))
        if any(hint in lower for hint in _SELF_PROMOTION_HINTS):
            promotion = tuple(_SELF_PROMOTION.findall(lower))
    if "my" in tokens:
        promotion += tuple(_OWN_THINGS.findall(lower))
    money: tuple[str, ...] = ()
    if not MONEY_WORDS.isdisjoint(tokens):
        money = tuple(t for t in tokens if t in MONEY_WORDS)
    if digits and any(hint in lower for hint in _CURRENCY_HINTS):
        money += tuple(_CURRENCY.findall(lower))
    phone = digits >= 9 and bool(_PHONE.search(prose))
    words = len(plain.split())
    domains = normalized.domains
    reputations = tuple(classify_host(d) for d in domains) if domains else ()
    by_link = ([classify_host(d) for d in normalized.link_domains]
               if normalized.links else [])
    structural = (
        math.log1p(by_link.count(Reputation.REPUTABLE)),
        math.log1p(by_link.count(Reputation.NEUTRAL)),
        math.log1p(by_link.count(Reputation.SUSPICIOUS)),
        # Every shortener's host is suspicious: the others need no look-up.
        1.0 if any(is_shortener(d) for d, r in zip(domains, reputations, strict=True)
                   if r is Reputation.SUSPICIOUS) else 0.0,
        1.0 if normalized.emails else 0.0,
        1.0 if phone else 0.0,
        digits / chars,
        uppers / letters if letters >= 8 else 0.0,
        math.log1p(min(plain.count("!"), 20)),
        1.0 if _long_repeat(plain) else 0.0,
        math.log1p(min(len(plain), LENGTH_CAP)),
        math.log1p(min(words, WORDS_CAP)),
        math.log1p(len(money)),
        math.log1p(len(promotion)),
    )
    return PreparedComment(normalized=normalized, structural=structural, cta=cta, money=money,
                           phone=phone, promotion=promotion, reputations=reputations,
                           evidence=fixed_evidence(comment, normalized))


def _words(lower: str) -> list[str]:
    """The matches of :data:`_WORDS` in ``lower``, found by a byte translation in ASCII text."""
    if lower.isascii():
        return lower.encode("ascii").translate(_ASCII_WORDS_OR_SPACE).decode("ascii").split()
    return _WORDS.findall(lower)


def _long_repeat(plain: str) -> bool:
    """Whether ``plain`` holds a run of four of one visible character (:data:`_LONG_REPEAT`).

    In ASCII text only the characters other than word characters and white space can make
    a run, and they are few: a run in the text is a run among them, so where they hold
    none the text holds none.
    """
    if plain.isascii():
        others = plain.encode("ascii").translate(None, _ASCII_WORD_AND_SPACE)
        if len(others) < 4 or _LONG_REPEAT_BYTES.search(others) is None:
            return False
    return _LONG_REPEAT.search(plain) is not None


def to_matrix(prepared: Sequence[PreparedComment]) -> np.ndarray:
    """The pipeline's input: column 0 the text, then one column per structural feature."""
    matrix = np.empty((len(prepared), 1 + len(STRUCTURAL_FEATURES)), dtype=object)
    for i, item in enumerate(prepared):
        matrix[i, 0] = item.text
        matrix[i, 1:] = item.structural
    return matrix

