"""Assembling a training set from files of different kinds, each with its own weight.

Comments are the target; SMS messages and e-mails are other media whose spam vocabulary
still helps ("free", "win", "click here"), so they are added with a lower weight, and so is
edited prose (:mod:`model.prose`), the long legitimate text the other files lack. E-mails
are cleaned first: the SpamAssassin ham carries mailing-list footers, ``[list]`` subject tags
and ``>`` quoted lines that would teach the model "looks like a list mail = ham".
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from enum import StrEnum

from model.data import LabelledData

EMAIL_MAX_CHARS = 1000


class Kind(StrEnum):
    """What medium a data file holds."""

    COMMENTS = "comments"
    SMS = "sms"
    EMAIL = "email"
    PROSE = "prose"


# Weight of one row of each kind relative to one comment. Chosen by leave-one-video-out
# cross-validation (see MODEL_CARD.md); e-mail ham is left out entirely because even cleaned
# it mostly teaches the model what mailing lists look like.
DEFAULT_WEIGHTS: dict[Kind, float] = {Kind.COMMENTS: 1.0, Kind.SMS: 0.3, Kind.EMAIL: 0.3,
                                      Kind.PROSE: 0.3}
EMAIL_HAM_WEIGHT = 0.0

_EMAIL_NAME = re.compile(r"spamassassin|easy_ham|hard_ham|^spam_\d|email|e-mail|mail", re.I)
_SMS_NAME = re.compile(r"sms", re.I)
_PROSE_NAME = re.compile(r"prose|brown", re.I)
_HEADER_LINE = re.compile(
    r"^(?:date|from|to|cc|bcc|subject|message-id|reply-to|sender|in-reply-to|references|"
    r"x-[\w-]+|content-[\w-]+|mime-version|return-path|received|delivered-to|list-[\w-]+)"
    r"\s*:.*$",
    re.IGNORECASE | re.MULTILINE,
)
_QUOTED_LINE = re.compile(r"^\s*(?:>|\|).*$", re.MULTILINE)
_WROTE_LINE = re.compile(r"^.*\b(?:wrote|writes|said):\s*$", re.IGNORECASE | re.MULTILINE)
_SUBJECT_TAG = re.compile(r"^\s*(?:(?:re|fwd?|aw)\s*:\s*|\[[^\]\n]{1,40}\]\s*)+",
                          re.IGNORECASE)
_FOOTER = re.compile(
    r"^(?:_{5,}|-{5,}|-- ?$|=+$).*|^.*(?:mailing list|listinfo|unsubscribe|"
    r"yahoo! groups|sponsor ---|sourceforge\.net|lists\.\w+).*$",
    re.IGNORECASE | re.MULTILINE,
)
_BLANK_RUNS = re.compile(r"\n\s*\n+")


def clean_email(text: str) -> str:
    """Strip the parts of an e-mail that reveal a mailing list rather than spam or ham.

    Drops subject tags (``[ILUG]``, ``Re:``), header-like lines, quoted lines, "X wrote:"
    lines and everything from a list footer or signature on; keeps at most
    :data:`EMAIL_MAX_CHARS` characters.
    """
    text = _SUBJECT_TAG.sub("", text)
    text = _HEADER_LINE.sub("", text)
    text = _QUOTED_LINE.sub("", text)
    text = _WROTE_LINE.sub("", text)
    footer = _FOOTER.search(text)
    if footer and footer.start() > 0:
        text = text[: footer.start()]
    text = _BLANK_RUNS.sub("\n", text).strip()
    return text[:EMAIL_MAX_CHARS]


def detect_kind(name: str, data: LabelledData, *, tab_format: bool = False) -> Kind:
    """Guess a file's medium from its name, format and text lengths.

    The SMS collection's headerless ``label<TAB>text`` or a name with "sms" is SMS; a name
    with "prose" or "brown" is edited prose; a name like the SpamAssassin files or texts
    with a median over 500 characters is e-mail; everything else is comments.
    """
    if tab_format or _SMS_NAME.search(name):
        return Kind.SMS
    if _PROSE_NAME.search(name):
        return Kind.PROSE
    if _EMAIL_NAME.search(name):
        return Kind.EMAIL
    if data.text and statistics.median(len(t) for t in data.text) > 500:
        return Kind.EMAIL
    return Kind.COMMENTS


@dataclass
class TrainingSet:
    """Rows to fit on, each with a weight and the kind of file it came from."""

    data: LabelledData = field(default_factory=LabelledData)
    weight: list[float] = field(default_factory=list)
    kind: list[Kind] = field(default_factory=list)

    def add(self, data: LabelledData, kind: Kind,
            weights: dict[Kind, float] | None = None) -> None:
        """Add a file's rows with the weight of its kind (e-mails cleaned first)."""
        weights = weights or DEFAULT_WEIGHTS
        agents = data.agents()
        for i in range(len(data)):
            text, label = data.text[i], data.label[i]
            weight = weights.get(kind, DEFAULT_WEIGHTS[kind])
            if kind is Kind.EMAIL:
                text = clean_email(text)
                if label == 0:
                    weight *= EMAIL_HAM_WEIGHT
            if weight <= 0 or not text.strip():
                continue
            self.data.append(text, label, data.source[i], author=data.author[i],
                             email=data.email[i], url=data.url[i],
                             user_agent=agents[i])
            self.weight.append(weight)
            self.kind.append(kind)

    def __len__(self) -> int:
        return len(self.data)

    def comment_rows(self) -> list[int]:
        """Indices of the rows that are comments (the medium the model is judged on)."""
        return [i for i, k in enumerate(self.kind) if k is Kind.COMMENTS]
