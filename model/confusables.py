"""Look-alike letters: Cyrillic, Greek and other letters written in place of Latin ones.

"Frее Bіtсоіn" with Cyrillic е, і, с and о reads as English but shares no word with
"Free Bitcoin", and NFKC does not fold one script into another. Unicode's confusables data
(UTS #39, as shipped by the ``confusable-homoglyphs`` package) says which characters look
like which; :func:`unconfuse` maps the letters that look like an ASCII letter or digit back
to it, within words where that makes sense, and counts the words that mix Latin letters
with another alphabet, which ordinary writing in any language almost never does.

Work is one pass over the words of the text, and none at all for ASCII text.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_WORD = re.compile(r"\w+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_ASCII_LETTERS = bytes(range(65, 91)) + bytes(range(97, 123))
# Scripts that legitimately share a word with Latin letters ("iPhone用", "MacBookの") or
# that name no script; a Latin letter next to any other alphabet inside one word is a mix.
_NOT_A_MIX = frozenset({"LATIN", "CJK", "HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA",
                        "IDEOGRAPHIC", "BOPOMOFO", "HANGUL", "MODIFIER",
                        "COMBINING", "FULLWIDTH", "HALFWIDTH", "MATHEMATICAL", "DIGIT"})


@dataclass(frozen=True)
class Unconfused:
    """Text with look-alike letters mapped to ASCII, and how many words mixed alphabets.

    ``mixed_words`` counts words holding Latin letters and letters of another alphabet;
    ``scripts`` names those other alphabets (``"CYRILLIC"``, ``"GREEK"``, …), sorted.
    """

    text: str
    mixed_words: int = 0
    scripts: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def skeleton_table() -> dict[str, str]:
    """Each non-ASCII character that looks like one ASCII letter or digit, mapped to it.

    Built once from the confusables data. Where the data's prototype is the lower-case
    ``l`` (UTS #39 folds ``I``, ``l`` and ``1`` together) an upper-case source maps to
    ``I``, so "ВІТСОІN" reads "BITCOIN".
    """
    data = json.loads(resources.files("confusable_homoglyphs")
                      .joinpath("confusables.json").read_text(encoding="utf-8"))
    table: dict[str, str] = {}
    for char, glyphs in data.items():
        if len(char) != 1 or char.isascii():
            continue
        ascii_like = [g["c"] for g in glyphs
                      if len(g["c"]) == 1 and g["c"].isascii() and g["c"].isalnum()]
        if not ascii_like:
            continue
        target = ascii_like[0]
        if target == "l" and char.isupper():
            target = "I"
        table[char] = target
    return table


@lru_cache(maxsize=4096)
def script_of(char: str) -> str:
    """The script a letter's Unicode name starts with (``"LATIN"``, ``"CYRILLIC"``, …)."""
    if char.isascii():
        return "LATIN"
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else ""


def _foreign(char: str) -> str:
    """The alphabet of a non-Latin letter that should not share a word with Latin ones."""
    if char.isascii() or not char.isalpha():
        return ""
    script = script_of(char)
    return "" if script in _NOT_A_MIX else script


def letter_counts(text: str) -> tuple[int, int]:
    """How many letters of ``text`` are Latin, and how many of other alphabets."""
    # ASCII letters are Latin; only the other characters need their script looked up, once
    # per distinct character.
    ascii_part = text.encode("ascii", "ignore")
    latin = len(ascii_part) - len(ascii_part.translate(None, _ASCII_LETTERS))
    other = 0
    for ch, count in Counter(_NON_ASCII.findall(text)).items():
        if ch.isalpha():
            if script_of(ch) == "LATIN":
                latin += count
            else:
                other += count
    return latin, other


def unconfuse(text: str) -> Unconfused:
    """Map look-alike letters to ASCII inside words that are meant to read as Latin.

    A word is mapped when it holds an ASCII letter ("Frее"), or when every letter in it is
    a look-alike and the text is mostly Latin ("соре" in an English sentence). Words of a
    text written in Cyrillic or Greek are left alone, so a Russian comment stays Russian.
    """
    if text.isascii():
        return Unconfused(text)
    table = skeleton_table()
    latin, other = letter_counts(text)
    mostly_latin = latin > other
    out: list[str] = []
    pos = mixed = 0
    scripts: set[str] = set()
    for match in _WORD.finditer(text):
        word = match.group()
        if word.isascii():
            continue
        has_ascii = any(ch.isascii() and ch.isalpha() for ch in word)
        foreign = {s for s in map(_foreign, word) if s}
        if foreign and any(script_of(ch) == "LATIN" for ch in word if ch.isalpha()):
            mixed += 1
            scripts |= foreign
        letters = [ch for ch in word if ch.isalpha()]
        if has_ascii or (mostly_latin and letters and all(ch in table for ch in letters)):
            mapped = "".join(table.get(ch, ch) for ch in word)
            if mapped != word:
                out += (text[pos:match.start()], mapped)
                pos = match.end()
    if not out:
        return Unconfused(text, mixed, tuple(sorted(scripts)))
    out.append(text[pos:])
    return Unconfused("".join(out), mixed, tuple(sorted(scripts)))
