"""Text normalisation: markup to text, links out, obfuscation undone.

Comment forms send plain text, HTML, or text written to slip past filters
("w w w . site . com", zero-width spaces, "subscr1be"). Everything the model sees goes
through :func:`normalize_comment` first, at training and at scoring time alike, so both
see the same text.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

# Characters that render as nothing and are used to split words past filters.
_INVISIBLE = re.compile("[\ufeff\u200b\u200c\u200d\u2060\u180e\u00ad\u200e\u200f\u202a-\u202e]")

_A_TAG = re.compile(r"<a\b([^>]*)>(.*?)</a\s*>", re.IGNORECASE | re.DOTALL)
_HREF = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_BREAK_TAG = re.compile(r"<\s*(?:br|/p|p|/div|div|/li|li)\b[^>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")

# Top-level domains that mark a bare domain written without a scheme. Ones that are also
# common words ("it", "me", "to", "in") are left out: "the song.It" is a typo, not a link.
_TLDS = (
    "com|net|org|info|biz|ly|io|uk|ru|fr|nl|pl|tk|tv|xyz|online|site|club|top|store|shop|"
    "gl|ws|cc|au|br|cn|jp|eu|mobi|gd"
)
# Spelled-out dots ("site . com", "site dot com") are only rejoined before these.
_SPACED_TLDS = "com|net|org|info|biz|ly|ru|tk|xyz"
_SPACED_DOT_HINT = re.compile(rf"(?:\s\.|\.\s)\s*(?:{_SPACED_TLDS})\b")
_TLD_AFTER_DOT = re.compile(rf"\.(?:{_TLDS})\b")
_LETTER_SEPARATORS = re.compile(r"[ .\-_*]")
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'()\[\]]+"
    rf"|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:{_TLDS})\b(?:/[^\s<>\"'()\[\]]*)?",
    re.IGNORECASE,
)
_SPACED_WWW = re.compile(r"\bw\s+w\s+w\s*\.\s*", re.IGNORECASE)
_SPACED_DOT = re.compile(
    rf"(?<=[a-z0-9])\s*(?:\.|\(dot\)|\[dot\]|\{{dot\}}|\s+dot\s+)\s*(?=(?:{_SPACED_TLDS})\b)",
    re.IGNORECASE,
)
_SPACED_SCHEME = re.compile(r"\bh\s*t\s*t\s*p\s*(s?)\s*:\s*/\s*/\s*", re.IGNORECASE)
_SPACED_LETTERS = re.compile(r"\b(?:[A-Za-z][ .\-_*]){3,}[A-Za-z]\b")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s"})
# A run of look-alike digits or symbols with letters on both sides: "subscr1be", "ch4nnel".
_LEET_RUN = re.compile(r"(?<=[A-Za-z])[013457$]{1,2}(?=[A-Za-z])")
_LONG_RUN = re.compile(r"(\w)\1{2,}")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\f\v]+")
_NEWLINES = re.compile(r"\s*\n\s*")

# Longest text looked at; beyond this a comment is spam-shaped anyway, and the limit keeps
# the cost of scoring one comment bounded.
MAX_CHARS = 5000

SHORTENERS = frozenset(
    "bit.ly goo.gl tinyurl.com ow.ly t.co adf.ly is.gd buff.ly cutt.ly rebrand.ly tiny.cc "
    "shorturl.at rb.gy bitly.com youtu.be".split()
)


@dataclass(frozen=True)
class NormalizedText:
    """A comment's text made ready for the model.

    ``text`` is the cleaned text with each link replaced by ``weblink`` and its domain's
    labels; ``plain`` is the cleaned text with links left as written; ``links`` and
    ``domains`` list what was found, in order of appearance; ``emails`` the e-mail
    addresses written in the text (replaced by ``emailaddress`` in ``text``).
    """

    text: str
    plain: str
    links: tuple[str, ...]
    domains: tuple[str, ...]
    emails: tuple[str, ...] = ()


def strip_invisible(raw: str) -> str:
    """Remove byte-order marks, zero-width characters, soft hyphens and bidi controls."""
    return raw if raw.isascii() else _INVISIBLE.sub("", raw)


def markup_to_text(raw: str) -> tuple[str, list[str]]:
    """Turn HTML markup into text and return it with the targets of its ``<a href>`` links.

    Hashtag anchors (whose text starts with ``#``) and profile mentions (``+Name``) are kept
    as their text, not counted as links.
    """
    hrefs: list[str] = []

    def anchor(match: re.Match[str]) -> str:
        attrs, inner = match.group(1), _ANY_TAG.sub("", match.group(2))
        label = html.unescape(inner).strip()
        href_match = _HREF.search(attrs)
        if href_match and not label.startswith(("#", "+")):
            href = html.unescape(next(g for g in href_match.groups() if g is not None)).strip()
            if href and not href.lower().startswith(("mailto:", "javascript:")):
                hrefs.append(href)
                # The target is what the spammer is advertising; keep the label only when
                # it says something beyond the address itself.
                return f" {href} " if label in ("", href) else f" {label} {href} "
        return f" {label} "

    text = _A_TAG.sub(anchor, raw)
    text = _BREAK_TAG.sub("\n", text)
    text = _ANY_TAG.sub("", text)
    text = html.unescape(text)
    if "&" in text and ";" in text:
        text = html.unescape(text)  # double-escaped input ("&amp;#39;")
    return text, hrefs


def deobfuscate(text: str) -> str:
    """Undo common tricks that hide words and links from filters.

    Rejoins spaced-out addresses ("w w w . site . com", "site (dot) com"), spaced letters
    ("s u b s c r i b e"), look-alike digits inside words ("subscr1be"), and shortens runs of
    one repeated letter to two.
    """
    # Each rewrite runs only when a cheap test says it could apply: most comments need none.
    lower = text.lower()
    if "/" in text:
        text = _SPACED_SCHEME.sub(lambda m: f"http{m.group(1)}://", text)
    if "w w" in lower:
        text = _SPACED_WWW.sub("www.", text)
    if "dot" in lower or _SPACED_DOT_HINT.search(lower):
        text = _SPACED_DOT.sub(".", text)
    text = _SPACED_LETTERS.sub(_join_letters, text)
    if any(ch in text for ch in "013457$"):
        text = _LEET_RUN.sub(lambda m: m.group(0).translate(_LEET), text)
    return _LONG_RUN.sub(_shorten_run, text)


def _join_letters(match: re.Match[str]) -> str:
    return _LETTER_SEPARATORS.sub("", match.group(0))


def _shorten_run(match: re.Match[str]) -> str:
    run = match.group(0)
    return run if run.lower() == "www" else run[:2]


def link_domain(link: str) -> str:
    """The lower-case host of a link, without ``www.`` or a port (``""`` if there is none)."""
    rest = link.split("://", 1)[1] if "://" in link else link
    host = re.split(r"[/?#:]", rest, maxsplit=1)[0].lower().strip(".")
    return host[4:] if host.startswith("www.") else host


def clean_text(raw: str) -> tuple[str, list[str]]:
    """Invisible characters out, markup to text, NFKC, obfuscation undone, spaces tidied.

    Returns the text and the link targets found in ``<a href>`` markup.
    """
    text = strip_invisible(raw[:MAX_CHARS])
    hrefs: list[str] = []
    if "<" in text or "&" in text:
        text, hrefs = markup_to_text(text)
    if not text.isascii():
        text = strip_invisible(unicodedata.normalize("NFKC", text))
    text = _SPACES.sub(" ", deobfuscate(text))
    if "\n" in text:
        text = _NEWLINES.sub("\n", text)
    return text.strip(), hrefs


def normalize_text(raw: str) -> NormalizedText:
    """Normalise one comment's text; see :class:`NormalizedText`."""
    plain, hrefs = clean_text(raw)
    links: list[str] = []
    seen = set()

    def replace(match: re.Match[str]) -> str:
        link = match.group(0).rstrip(".,;:!?")
        domain = link_domain(link)
        if link.lower() not in seen:
            seen.add(link.lower())
            links.append(link)
        return " weblink " + " ".join(domain.split(".")) + " "

    emails = tuple(_EMAIL.findall(plain)) if "@" in plain else ()
    text = _EMAIL.sub(" emailaddress ", plain) if emails else plain
    lower = text.lower()
    if "http" in lower or "www" in lower or _TLD_AFTER_DOT.search(lower):
        text = _URL.sub(replace, text)
    for href in hrefs:
        if href.lower() not in seen:
            seen.add(href.lower())
            links.append(href)
    domains: list[str] = []
    for link in links:
        domain = link_domain(link)
        if domain and domain not in domains:
            domains.append(domain)
    if links:
        text = _SPACES.sub(" ", text).strip()
    return NormalizedText(
        text=text, plain=plain, links=tuple(links), domains=tuple(domains), emails=emails
    )


def dedup_key(raw: str) -> str:
    """The key two comments share when they are the same text (case, spacing, markup aside)."""
    plain, _ = clean_text(raw)
    return " ".join(plain.casefold().split())
