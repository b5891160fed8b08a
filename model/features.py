"""Turning what a comment form sends into the model's input row.

A row is the normalised text (for the word and character n-gram hashers) followed by a
fixed list of structural signals computed here in plain Python: links, their domains,
shouting, phone numbers, calls to action. Only fields a real form sends are used
(text, author name, e-mail, URL); dates and comment ids never are.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from model.fields import AUTHOR, AUTHOR_URL, CONTENT
from model.normalize import SHORTENERS, NormalizedText, normalize_text

TEXT_FIELDS = (CONTENT, "content", "CONTENT", "text")
AUTHOR_FIELDS = (AUTHOR, "AUTHOR", "author")
URL_FIELDS = (AUTHOR_URL, "author_url", "url")

_PHONE = re.compile(r"(?<!\w)\+?\d(?:[\s().-]?\d){8,14}(?!\w)")
_WORDS = re.compile(r"[a-z0-9$£€']+")
_CURRENCY = re.compile(r"[$£€]\s?\d|\d\s?(?:[$£€]|usd\b|dollars?\b|euros?\b|pounds?\b)")
MONEY_WORDS = frozenset(
    "cash prize won win winner winning earn earning earnings income money paypal bitcoin crypto "
    "free bonus reward discount offer loan casino investment".split()
)
# Phrases asking the reader to do something; the regex runs on lower-cased text and only
# when one of the trigger words is present.
_CALL_TO_ACTION = re.compile(
    r"\b(?:check(?:\s+it)?\s+out|my\s+(?:channel|page|videos?|music|songs?|site|website|blog|"
    r"profile|account|cover|shop|store)|subscrib\w*|sub(?:s|scribe)?\s*(?:4|for|back)|"
    r"visit\s+(?:my|our|us|the)|follow\s+(?:me|us)|click\s+(?:here|on|the)|"
    r"(?:please|pls|plz)\s+(?:like|share|sub\w*|check|visit|help|watch|support|follow)|"
    r"give\s+(?:me|it|us|this)\s+a\s+(?:chance|try|listen|look)|thumbs?\s+up|"
    r"sign\s+up|call\s+now|text\s+\w+\s+to|reply\s+(?:yes|stop|now)|order\s+now|"
    r"buy\s+now|limited\s+time|act\s+now|apply\s+now)\b"
)
_CTA_TRIGGERS = frozenset(
    "check my visit follow click please pls plz give thumbs thumb sign call text reply order "
    "buy limited act apply sub subs".split()
)
_LONG_REPEAT = re.compile(r"(\S)\1{3,}")
_ASCII_UPPER = bytes(range(65, 91))
_ASCII_LETTERS = bytes(range(65, 91)) + bytes(range(97, 123))
_ASCII_DIGITS = b"0123456789"
_DOMAIN_IN_NAME = re.compile(r"https?://|www\.|\.(?:com|net|org|info|biz|ru)\b", re.IGNORECASE)

STRUCTURAL_FEATURES: tuple[str, ...] = (
    "links",
    "domains",
    "has_link",
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
    "calls_to_action",
    "author_url_given",
    "author_name_has_link",
)


@dataclass(frozen=True)
class PreparedComment:
    """A comment made ready for the model: normalised text plus structural values.

    ``structural`` follows :data:`STRUCTURAL_FEATURES`; ``cta`` and ``money`` keep the matched
    phrases so reasons can quote them.
    """

    normalized: NormalizedText
    structural: tuple[float, ...]
    cta: tuple[str, ...]
    money: tuple[str, ...]
    phone: bool

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
    normalized = normalize_text(comment_text(comment))
    plain = normalized.plain
    author = _field(comment, AUTHOR_FIELDS)
    author_url = _field(comment, URL_FIELDS)

    lower = plain.lower()
    raw_bytes = plain.encode("ascii", "ignore")
    letters = len(raw_bytes) - len(raw_bytes.translate(None, _ASCII_LETTERS))
    uppers = len(raw_bytes) - len(raw_bytes.translate(None, _ASCII_UPPER))
    digits = len(raw_bytes) - len(raw_bytes.translate(None, _ASCII_DIGITS))
    chars = max(len(plain), 1)
    tokens = _WORDS.findall(lower)
    cta: tuple[str, ...] = ()
    if "subscri" in lower or not _CTA_TRIGGERS.isdisjoint(tokens):
        cta = tuple(m.group(0) for m in _CALL_TO_ACTION.finditer(lower))
    money: tuple[str, ...] = ()
    if not MONEY_WORDS.isdisjoint(tokens):
        money = tuple(t for t in tokens if t in MONEY_WORDS)
    if digits:
        money += tuple(m.group(0) for m in _CURRENCY.finditer(lower))
    phone = digits >= 9 and bool(_PHONE.search(plain))
    words = len(plain.split())
    structural = (
        math.log1p(len(normalized.links)),
        math.log1p(len(normalized.domains)),
        1.0 if normalized.links else 0.0,
        1.0 if any(d in SHORTENERS for d in normalized.domains) else 0.0,
        1.0 if normalized.emails else 0.0,
        1.0 if phone else 0.0,
        digits / chars,
        uppers / letters if letters >= 8 else 0.0,
        math.log1p(min(plain.count("!"), 20)),
        1.0 if _LONG_REPEAT.search(normalized.plain) else 0.0,
        math.log1p(min(len(plain), 2000)),
        math.log1p(min(words, 400)),
        math.log1p(len(money)),
        math.log1p(len(cta)),
        1.0 if author_url.strip() else 0.0,
        1.0 if _DOMAIN_IN_NAME.search(author) else 0.0,
    )
    return PreparedComment(normalized=normalized, structural=structural, cta=cta, money=money,
                           phone=phone)


def to_matrix(prepared: Sequence[PreparedComment]) -> np.ndarray:
    """The pipeline's input: column 0 the text, then one column per structural feature."""
    matrix = np.empty((len(prepared), 1 + len(STRUCTURAL_FEATURES)), dtype=object)
    for i, item in enumerate(prepared):
        matrix[i, 0] = item.text
        matrix[i, 1:] = item.structural
    return matrix

