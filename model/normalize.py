"""Text normalisation: markup to text, links out, obfuscation undone.

Comment forms send plain text, HTML, or text written to slip past filters
("w w w . site . com", zero-width spaces, "subscr1be"). Everything the model sees goes
through :func:`normalize_text` first, at training and at scoring time alike, so both
see the same text.

Comments are written by strangers, so every step here takes time linear in the length of
its input: no pattern may backtrack over a run it already scanned from an earlier start.
Links, e-mail addresses and ``<a>`` elements are found by small scanners built from such
patterns, with the same results the plain regular expressions gave.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import regex

from model.confusables import unconfuse
from model.reputation import Reputation, classify_host
from model.text_hints import (
    ALL_HINTS,
    LEET,
    LONG_RUN,
    SPACED_DOT,
    SPACED_LETTERS,
    batch_hints,
    hints_of,
)

# Characters that render as nothing and are used to split words past filters: every format
# character (general category Cf: zero-width spaces and joiners, soft hyphen, invisible
# operators such as U+2062, bidi controls, tag characters, the byte-order mark) and every
# other default-ignorable code point (variation selectors, Hangul fillers, …), chosen by
# Unicode property so that no hand-kept list can miss one.
_INVISIBLE = regex.compile(r"[\p{Cf}\p{Default_Ignorable_Code_Point}]")
# Lone surrogates (a JSON body may hold "\ud800") cannot be encoded, so hashing them would
# fail later.
_SURROGATE = re.compile("[\ud800-\udfff]")

# An <a> element is its opening tag (up to the first ">"), then anything up to the first
# closing tag; _replace_anchors pairs them without rescanning (see there).
_A_OPEN = re.compile(r"<a\b", re.IGNORECASE)
_A_CLOSE = re.compile(r"</a\s*>", re.IGNORECASE)
_HREF = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_BREAK_TAG = re.compile(r"<\s*(?:br|/p|p|/div|div|/li|li)\b[^>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")

# Top-level domains that mark a bare domain written without a scheme. Ones that are also
# common words ("it", "me", "to", "in") are left out: "the song.It" is a typo, not a link.
_TLDS = (
    "com|net|org|gov|edu|info|biz|ly|io|uk|ru|fr|nl|pl|tk|tv|xyz|online|site|club|top|store|shop|"
    "gl|ws|cc|au|br|cn|jp|eu|mobi|gd"
)
# Spelled-out dots ("site . com", "site dot com") are only rejoined before these.
_SPACED_TLDS = "com|net|org|info|biz|ly|ru|tk|xyz"
# A dot with white space before or after it, then one of _SPACED_TLDS. Starting with the
# dot itself lets the regex engine skip straight to the dots of a text.
_SPACED_DOT_HINT = re.compile(rf"\.(?:(?<=\s\.)\s*|\s+)(?:{_SPACED_TLDS})\b")
_TLD_AFTER_DOT = re.compile(rf"\.(?:{_TLDS})\b")
_LETTER_SEPARATORS = re.compile(r"[ .\-_*]")
# A link is either a scheme or "www." with what follows it up to a space, quote or bracket,
# or a bare domain: dot-separated labels ending in one of _TLDS, then an optional path.
# Case by case rather than IGNORECASE, written to start with a class of the first letters:
# the engine then skips straight to the h's and w's of a text (with IGNORECASE it tries a
# match at every character). "ſ" is the one letter besides "s" and "S" that IGNORECASE
# takes for an "s".
_LINK_START = re.compile(
    r"[hHwW](?:(?<=[hH])[tT][tT][pP][sSſ]?://|(?<=[wW])[wW][wW]\.)(?=[^\s<>\"'()\[\]])")
_LINK_REST = re.compile(r"[^\s<>\"'()\[\]]+")
# A run of dot-separated labels, from a word boundary on.
_DOMAIN_LABELS = re.compile(r"\b[a-z0-9][a-z0-9-]*+(?:\.[a-z0-9-]++)*+", re.IGNORECASE)
# What every bare domain holds (as _LAST_DOT_TLD reads it): the scan for one jumps to these.
_DOT_TLD = re.compile(rf"\.(?:{_TLDS})\b", re.IGNORECASE)
# Matched over one run of labels: greedy, so it ends after the last ".tld" in the run.
_LAST_DOT_TLD = re.compile(rf".*\.(?:{_TLDS})\b", re.IGNORECASE | re.DOTALL)
_LINK_PATH = re.compile(r"/[^\s<>\"'()\[\]]*")
_HOST_END = re.compile(r"[/?#:]")
_SPACED_WWW = re.compile(r"\bw\s+w\s+w\s*\.\s*", re.IGNORECASE)
# Possessive runs of spaces: a spelled-out dot can only follow a whole run, and giving
# spaces back one at a time made a long run cost its length squared.
_SPACED_DOT = re.compile(
    r"(?<=[a-z0-9])(?:\s*+(?:\.|\(dot\)|\[dot\]|\{dot\})|\s++dot(?=\s))"
    rf"\s*+(?=(?:{_SPACED_TLDS})\b)",
    re.IGNORECASE,
)
# Written to start with the "h" itself (the word boundary before it checked behind), case
# by case as _LINK_START is, so the engine skips straight to each "h" of a text.
_SPACED_SCHEME = re.compile(
    r"[hH](?<=\b[hH])\s*+[tT]\s*+[tT]\s*+[pP]\s*+([sSſ]?)\s*+:\s*+/\s*+/\s*+")
_SPACED_LETTERS = re.compile(r"\b(?:[A-Za-z][ .\-_*]){3,}[A-Za-z]\b")
# What every match of _SPACED_LETTERS holds, found several times faster than a match.
_SPACED_LETTERS_HINT = re.compile(r"[ .\-_*][A-Za-z][ .\-_*][A-Za-z][ .\-_*]")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s"})
# A run of look-alike digits or symbols with letters on both sides: "subscr1be", "ch4nnel".
# Written to start with the look-alike itself (the letter before it checked behind), so the
# engine skips straight to the digits and symbols of a text.
_LEET_RUN = re.compile(r"[013457$](?<=[A-Za-z][013457$])[013457$]?(?=[A-Za-z])")
_LONG_RUN = re.compile(r"(\w)\1{2,}")
_LONG_RUN_HINT = re.compile(r"(\w)\1\1")
# The same in ASCII text, where \w is these: matching bytes is faster.
_LONG_RUN_HINT_ASCII = re.compile(rb"([0-9A-Za-z_])\1\1")
# An e-mail address: [\w.+-]+ "@" dot-separated [\w-]+ labels, the last all letters.
# _email_spans finds the "@" and domain first, then the part before it.
_EMAIL_DOMAIN = re.compile(r"@[\w-]++(?:\.[\w-]++)*\.[a-z]{2,}\b", re.IGNORECASE)
_EMAIL_LOCAL = re.compile(r"[\w.+-]+")
_EMAIL_START = re.compile(r"\b(?=[\w.+-])")
# Runs of spaces and tabs other than a single space: only those need rewriting to one space.
_SPACES = re.compile(r"[\t\r\f\v][ \t\r\f\v]*| [ \t\r\f\v]+")
# A run of white space holding a line break; starting only where a run starts keeps a long
# run without one from being rescanned from each of its characters.
_NEWLINES = re.compile(r"(?<!\s)\s*\n\s*")

# Longest normalised text (after markup removal and NFKC); beyond this a comment is
# spam-shaped anyway, and the limit keeps the cost of scoring one comment bounded.
MAX_CHARS = 5000
# Longest raw text looked at. Markup and entities shrink text, so this is well above
# MAX_CHARS; it bounds the work done before the normalised text can be cut.
MAX_RAW_CHARS = 4 * MAX_CHARS
# NFKC can turn one character into eighteen ("\ufdfa"), so only as much of the text is
# normalised as the limit needs, in growing prefixes, starting with this many characters.
_NFKC_FIRST_CHUNK = 512
# A prefix is enough once its NFKC output exceeds the limit by this much: only the
# characters around the cut can normalise differently from the whole text.
_NFKC_MARGIN = 64

@dataclass(frozen=True)
class NormalizedText:
    """A comment's text made ready for the model.

    ``text`` is the cleaned text with each link replaced by ``weblink`` and its domain's
    labels, or by ``sourcelink`` alone when it points at a reputable host (see
    :mod:`model.reputation`); ``plain`` is the cleaned text with links left as written;
    ``links`` and ``domains`` list what was found, in order of appearance; ``emails`` the
    e-mail addresses written in the text (replaced by ``emailaddress`` in ``text``).
    ``mixed_words`` counts words that mixed Latin letters with another alphabet before
    look-alike letters were mapped back to Latin, and ``mixed_scripts`` names those
    alphabets. ``link_domains`` gives each of ``links`` its :func:`link_domain` (``""``
    for none).
    """

    text: str
    plain: str
    links: tuple[str, ...]
    domains: tuple[str, ...]
    emails: tuple[str, ...] = ()
    mixed_words: int = 0
    mixed_scripts: tuple[str, ...] = ()
    link_domains: tuple[str, ...] = ()


def strip_invisible(raw: str) -> str:
    """Remove byte-order marks, zero-width characters, soft hyphens and bidi controls."""
    return raw if raw.isascii() else _INVISIBLE.sub("", raw)


def nfkc_prefix(text: str, limit: int) -> str:
    """The NFKC form of ``text``, cut to at most ``limit`` characters.

    Normalises growing prefixes of ``text`` and stops as soon as one yields enough, so text
    that NFKC expands many times over costs no more than the part that is kept.
    """
    size = _NFKC_FIRST_CHUNK
    while size < len(text):
        out = unicodedata.normalize("NFKC", text[:size])
        if len(out) >= limit + _NFKC_MARGIN:
            return out[:limit]
        size *= 2
    return unicodedata.normalize("NFKC", text)[:limit]


def _replace_anchors(text: str, replace: Callable[[str, str], str]) -> str:
    """``text`` with each ``<a …>…</a>`` element replaced by ``replace(attributes, inner)``.

    An element opens at ``<a`` and runs to the first ``>``, then to the first closing tag.
    When either is missing, no later element can have one, so the scan stops there instead
    of trying every later ``<a`` to the end of the text.
    """
    out: list[str] = []
    pos = 0
    while (opening := _A_OPEN.search(text, pos)) is not None:
        gt = text.find(">", opening.end())
        if gt < 0:
            break
        closing = _A_CLOSE.search(text, gt + 1)
        if closing is None:
            break
        out += (text[pos:opening.start()],
                replace(text[opening.end():gt], text[gt + 1:closing.start()]))
        pos = closing.end()
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


def markup_to_text(raw: str) -> tuple[str, list[str]]:
    """Turn HTML markup into text and return it with the targets of its ``<a href>`` links.

    Hashtag anchors (whose text starts with ``#``) and profile mentions (``+Name``) are kept
    as their text, not counted as links.
    """
    hrefs: list[str] = []

    def anchor(attrs: str, inner: str) -> str:
        label = html.unescape(_ANY_TAG.sub("", inner)).strip()
        href_match = _HREF.search(attrs)
        if href_match and not label.startswith(("#", "+")):
            href = html.unescape(next(g for g in href_match.groups() if g is not None)).strip()
            if href and not href.lower().startswith(("mailto:", "javascript:")):
                hrefs.append(href)
                # The target is what the spammer is advertising; keep the label only when
                # it says something beyond the address itself.
                return f" {href} " if label in ("", href) else f" {label} {href} "
        return f" {label} "

    text = _replace_anchors(raw, anchor)
    # A tag ends at a ">": looking only up to the last one keeps an unclosed "<br" from
    # being scanned to the end of the text once per "<br".
    last = text.rfind(">")
    if last >= 0:
        text = _BREAK_TAG.sub("\n", text[:last + 1]) + text[last + 1:]
    text = _ANY_TAG.sub("", text)
    text = html.unescape(text)
    if "&" in text and ";" in text:
        text = html.unescape(text)  # double-escaped input ("&amp;#39;")
    return text, hrefs


def deobfuscate(text: str, hints: int = ALL_HINTS) -> str:
    """Undo common tricks that hide words and links from filters.

    Rejoins spaced-out addresses ("w w w . site . com", "site (dot) com"), spaced letters
    ("s u b s c r i b e"), look-alike digits inside words ("subscr1be"), and shortens runs of
    one repeated letter to two. ``hints`` are the flags :func:`~model.text_hints.batch_hints`
    gave ``text``: a quick test below is skipped when its flag is absent and no rewrite has
    changed the text yet.
    """
    # Each rewrite runs only when a cheap test says it could apply: most comments need none.
    lower = text.lower()
    original = text
    if "/" in text and ":" in text:
        text = _SPACED_SCHEME.sub(_join_scheme, text)
    if "w w" in lower:
        text = _SPACED_WWW.sub("www.", text)
    # This test reads the text as it came, so its flag holds whatever was rewritten.
    if "dot" in lower or (hints & SPACED_DOT and _SPACED_DOT_HINT.search(lower)):
        text = _SPACED_DOT.sub(".", text)
    if text != original:
        hints = ALL_HINTS
    if hints & SPACED_LETTERS and _SPACED_LETTERS_HINT.search(text):
        text = _SPACED_LETTERS.sub(_join_letters, text)
        hints = ALL_HINTS if text != original else hints
    if hints & LEET:
        text = _LEET_RUN.sub(_unleet, text)
        hints = ALL_HINTS if text != original else hints
    if hints & LONG_RUN and _has_long_run(text):
        return _LONG_RUN.sub(_shorten_run, text)
    return text


def _has_long_run(text: str) -> bool:
    """Whether ``text`` holds three equal word characters in a row (:data:`_LONG_RUN_HINT`)."""
    if text.isascii():
        return _LONG_RUN_HINT_ASCII.search(text.encode("ascii")) is not None
    return _LONG_RUN_HINT.search(text) is not None


def squeeze_spaces(text: str) -> str:
    """``text`` with each run of spaces and tabs (not line breaks) made one space."""
    # A run to rewrite holds two spaces or one of these; a line break alone is kept.
    if "  " in text or "\t" in text or "\r" in text or "\f" in text or "\v" in text:
        return _SPACES.sub(" ", text)
    return text


def _join_scheme(match: re.Match[str]) -> str:
    return f"http{match.group(1)}://"


def _unleet(match: re.Match[str]) -> str:
    return match.group(0).translate(_LEET)


def _join_letters(match: re.Match[str]) -> str:
    return _LETTER_SEPARATORS.sub("", match.group(0))


def _shorten_run(match: re.Match[str]) -> str:
    run = match.group(0)
    return run if run.lower() == "www" else run[:2]


def link_domain(link: str) -> str:
    """The lower-case host of a link, without ``www.`` or a port (``""`` if there is none)."""
    rest = link.split("://", 1)[1] if "://" in link else link
    host = _HOST_END.split(rest, maxsplit=1)[0].lower().strip(".")
    return host[4:] if host.startswith("www.") else host


@dataclass(frozen=True)
class CleanText:
    """What :func:`clean` makes of a raw comment (see there)."""

    text: str
    hrefs: list[str]
    mixed_words: int = 0
    mixed_scripts: tuple[str, ...] = ()


def clean(raw: str) -> CleanText:
    """Invisible characters out, markup to text, NFKC, look-alikes mapped, obfuscation undone.

    Keeps at most :data:`MAX_CHARS` characters of text, and the link targets found in
    ``<a href>`` markup (within the first :data:`MAX_RAW_CHARS` of ``raw``), and counts
    the words that mixed alphabets before look-alike letters were mapped to Latin.
    """
    text, hrefs, mixed, scripts = _unmask(raw)
    return _finish(text, hrefs, mixed, scripts, hints_of(text))


def clean_many(raws: list[str]) -> list[CleanText]:
    """:func:`clean` of each text, the quick tests of the de-obfuscation taken together."""
    unmasked = [_unmask(raw) for raw in raws]
    hints = batch_hints([u[0] for u in unmasked])
    return [_finish(*u, hints=h) for u, h in zip(unmasked, hints, strict=True)]


def _unmask(raw: str) -> tuple[str, list[str], int, tuple[str, ...]]:
    """The steps of :func:`clean` before de-obfuscation: invisible characters out, markup
    to text, NFKC and look-alikes mapped. Returns the text, the ``<a href>`` targets, and
    the count and alphabets of words mixing alphabets."""
    text = strip_invisible(raw[:MAX_RAW_CHARS])
    hrefs: list[str] = []
    if "<" in text or "&" in text:
        text, hrefs = markup_to_text(text)
    mixed = 0
    scripts: tuple[str, ...] = ()
    if text.isascii():
        text = text[:MAX_CHARS]
    else:
        text = strip_invisible(nfkc_prefix(text, MAX_CHARS))
        text = _SURROGATE.sub("\ufffd", text)
        unconfused = unconfuse(text)
        text, mixed, scripts = unconfused.text, unconfused.mixed_words, unconfused.scripts
    return text, hrefs, mixed, scripts


def _finish(text: str, hrefs: list[str], mixed: int, scripts: tuple[str, ...],
            hints: int = ALL_HINTS) -> CleanText:
    """The rest of :func:`clean` after :func:`_unmask`: obfuscation undone, spaces squeezed."""
    text = squeeze_spaces(deobfuscate(text, hints))
    if "\n" in text:
        text = _NEWLINES.sub("\n", text)
    return CleanText(text.strip(), hrefs, mixed, scripts)


def clean_text(raw: str) -> tuple[str, list[str]]:
    """The cleaned text of :func:`clean` and the ``<a href>`` targets found in markup."""
    cleaned = clean(raw)
    return cleaned.text, cleaned.hrefs


def _next_domain(text: str, pos: int) -> tuple[int, int] | None:
    """Start and end of the first bare domain (with its path) at or after ``pos``.

    Runs of labels are tried from ``pos`` on, each after the last. A run holding a domain
    holds a match of :data:`_DOT_TLD`, so none is tried before the first such match ahead
    is near: no run crosses a space or a line break, so the runs that start before the
    last one of those ahead of the match all end before it, hold no TLD, and are skipped.
    """
    dot = None
    while True:
        if dot is None or dot.start() < pos:
            dot = _DOT_TLD.search(text, pos)
            if dot is None:
                return None
            at = dot.start()
            pos = max(pos, text.rfind(" ", pos, at) + 1, text.rfind("\n", pos, at) + 1)
        labels = _DOMAIN_LABELS.search(text, pos)
        if labels is None:
            return None
        start, end = labels.span()
        # Endpos one past the labels lets the TLD's word boundary see the next character.
        tld = _LAST_DOT_TLD.match(text, start, end + 1) if text.find(".", start, end) >= 0 else None
        if tld is not None:
            path = _LINK_PATH.match(text, tld.end())
            return start, path.end() if path else tld.end()
        # A later start inside these labels would end in the same labels, and no label
        # here is a TLD: go on after them.
        pos = end


def _link_spans(text: str) -> list[tuple[int, int]]:
    """Start and end of each link in ``text``, left to right, none overlapping.

    At any position a scheme or ``www.`` link wins over a bare domain. The next match of
    each kind is kept until the scan passes it, so no part of the text is searched twice.
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    scheme = _LINK_START.search(text)
    domain = _next_domain(text, 0)
    while True:
        if scheme is not None and scheme.start() < pos:
            scheme = _LINK_START.search(text, pos)
        if domain is not None and domain[0] < pos:
            domain = _next_domain(text, pos)
        if scheme is not None and (domain is None or scheme.start() <= domain[0]):
            rest = _LINK_REST.match(text, scheme.end())
            span = (scheme.start(), rest.end() if rest else scheme.end())
        elif domain is not None:
            span = domain
        else:
            return spans
        spans.append(span)
        pos = span[1]


def _email_spans(text: str) -> list[tuple[int, int]]:
    """Start and end of each e-mail address in ``text``, left to right.

    Each ``@`` is tried once: the address ends at the last all-letter label of the domain
    after it and begins at the first word boundary of the run of address characters before
    it (not before the previous address's end).
    """
    spans: list[tuple[int, int]] = []
    reverse = text[::-1]  # the run before an "@" is found by reading backwards from it
    n = len(text)
    pos = 0
    for domain in _EMAIL_DOMAIN.finditer(text):
        at = domain.start()
        local = _EMAIL_LOCAL.match(reverse, n - at)
        start = local and _EMAIL_START.search(text, max(at - len(local.group()), pos), at)
        if start:
            spans.append((start.start(), domain.end()))
            pos = domain.end()
    return spans


def _replace_spans(text: str, spans: list[tuple[int, int]], replace: Callable[[str], str]) -> str:
    """``text`` with each span's text replaced by ``replace`` of it."""
    out: list[str] = []
    pos = 0
    for start, end in spans:
        out += (text[pos:start], replace(text[start:end]))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def normalize_text(raw: str) -> NormalizedText:
    """Normalise one comment's text; see :class:`NormalizedText`.

    Neither ``text`` nor ``plain`` is longer than :data:`MAX_CHARS`.
    """
    return _with_links(clean(raw))


def normalize_many(raws: list[str]) -> list[NormalizedText]:
    """:func:`normalize_text` of each text, the texts cleaned together (:func:`clean_many`)."""
    return [_with_links(cleaned) for cleaned in clean_many(raws)]


def _with_links(cleaned: CleanText) -> NormalizedText:
    """The normalised text of a cleaned one: e-mail addresses and links found and replaced."""
    plain, hrefs = cleaned.text, cleaned.hrefs
    links: list[str] = []
    link_domains: list[str] = []
    seen = set()

    def replace(found: str) -> str:
        link = found.rstrip(".,;:!?")
        domain = link_domain(link)
        if link.lower() not in seen:
            seen.add(link.lower())
            links.append(link)
            link_domains.append(domain)
        # A cited source's domain says nothing a moderator needs the model to learn as a
        # word; other domains keep their labels, whose words ("cheap", "pills") are evidence.
        if classify_host(domain) is Reputation.REPUTABLE:
            return " sourcelink "
        if domain.replace(".", "").isdigit() or ":" in domain:
            # An address's numbers are no words, and read as a phone number they would
            # count twice.
            return " weblink ipaddress "
        return " weblink " + " ".join(domain.split(".")) + " "

    email_spans = _email_spans(plain) if "@" in plain else []
    emails = tuple(plain[start:end] for start, end in email_spans) if email_spans else ()
    text = _replace_spans(plain, email_spans, lambda _: " emailaddress ") if emails else plain
    lower = text.lower()
    if "http" in lower or "www" in lower or _TLD_AFTER_DOT.search(lower):
        text = _replace_spans(text, _link_spans(text), replace)
    for href in hrefs:
        if href.lower() not in seen:
            seen.add(href.lower())
            links.append(href)
            link_domains.append(link_domain(href))
    domains = dict.fromkeys(d for d in link_domains if d) if links else {}
    if links:
        text = squeeze_spaces(text).strip()
    # Links and addresses are replaced by longer words; the model reads no more than the cap.
    text = text[:MAX_CHARS]
    return NormalizedText(
        text=text, plain=plain, links=tuple(links), domains=tuple(domains), emails=emails,
        mixed_words=cleaned.mixed_words, mixed_scripts=cleaned.mixed_scripts,
        link_domains=tuple(link_domains),
    )


def dedup_key(raw: str) -> str:
    """The key two comments share when they are the same text (case, spacing, markup aside)."""
    plain, _ = clean_text(raw)
    return " ".join(plain.casefold().split())
