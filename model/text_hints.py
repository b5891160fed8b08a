"""Quick looks at texts: which of them could hold a de-obfuscation pattern.

:func:`model.normalize.deobfuscate` tries each of its rare rewrites only when a quick test
says it could apply. Those tests are regular-expression scans that try a match at many of
a text's characters; the hints here stand in for them for less. For a batch, NumPy
answers them for every text at once, over the texts laid end to end (:func:`batch_hints`);
for one text, byte translations and substring searches do (:func:`hints_of`). Each answer is
a necessary condition for the test it stands in for: a text without a hint's flag cannot
match, and a text with it is tested exactly as it would be alone, so the results never
differ from running every test.
"""

from __future__ import annotations

import numpy as np

# Flags of a text's hints (see batch_hints); ALL_HINTS asks for every test to be run.
SPACED_DOT = 1
SPACED_LETTERS = 2
LEET = 4
LONG_RUN = 8
ALL_HINTS = SPACED_DOT | SPACED_LETTERS | LEET | LONG_RUN


def _marks(*groups: tuple[str, int]) -> bytes:
    """A byte translation giving each character of a group its group's mark and 0 to the
    rest (the groups are ASCII and disjoint)."""
    table = bytearray(256)
    for chars, mark in groups:
        for char in chars:
            table[ord(char)] = mark
    return bytes(table)


def _table(chars: str) -> bytes:
    """A byte translation giving 1 for each of ``chars`` (all ASCII) and 0 for the rest."""
    return _marks((chars, 1))


_ASCII_LETTERS = "".join(map(chr, range(65, 91))) + "".join(map(chr, range(97, 123)))
_LETTER = _table(_ASCII_LETTERS)
# The separators of spaced-out letters ("s.u.b"), as in normalize._SPACED_LETTERS.
_SEPARATOR = _table(" .-_*")
# The look-alike digits and symbols of normalize._LEET_RUN.
_LEET = _table("013457$")
_WORD = _table(_ASCII_LETTERS + "0123456789_")
# ASCII white space as ``\s`` matches it (str.isspace).
_SPACE = _table("".join(c for c in map(chr, range(128)) if c.isspace()))
_DOT = _table(".")


# What one text's hints look for, as runs of marks (see hints_of).
_SEPARATOR_OR_LETTER = _marks((" .-_*", ord("s")), (_ASCII_LETTERS, ord("a")))
_LETTER_OR_LEET = _marks((_ASCII_LETTERS, ord("a")), ("013457$", ord("1")))


def batch_hints(texts: list[str]) -> list[int]:
    """For each text, the flags of the rewrites that could apply to it.

    :data:`SPACED_DOT`: a dot with white space before or after it; :data:`SPACED_LETTERS`:
    three separators with single ASCII letters between them; :data:`LEET`: an ASCII letter
    followed by a look-alike digit or symbol; :data:`LONG_RUN`: three equal word
    characters in a row. A text with characters past ASCII always has the first and the
    last flag, whose patterns can match such characters.
    """
    if not texts:
        return []
    # One byte a character ("?" for each past ASCII, in none of the tables), NUL between
    # texts: a window across two texts can only add a flag, never hide one.
    data = "\0".join(texts).encode("ascii", "replace")
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts = np.cumsum(lengths + 1) - lengths - 1

    def where(table: bytes) -> np.ndarray:
        return np.frombuffer(data.translate(table), dtype=bool)

    def owners(found: np.ndarray, flag: int) -> np.ndarray:
        """``flag`` for each text holding a window that starts where ``found`` is True."""
        marks = np.zeros(len(texts), dtype=np.int64)
        marks[np.searchsorted(starts, np.flatnonzero(found), side="right") - 1] = flag
        return marks

    letter, separator, space, dot = where(_LETTER), where(_SEPARATOR), where(_SPACE), where(_DOT)
    codes = np.frombuffer(data, dtype=np.uint8)
    same = codes[1:] == codes[:-1]
    flags = (owners((dot[1:] & space[:-1]) | (dot[:-1] & space[1:]), SPACED_DOT)
             | owners(separator[:-4] & letter[1:-3] & separator[2:-2] & letter[3:-1]
                      & separator[4:], SPACED_LETTERS)
             | owners(letter[:-1] & where(_LEET)[1:], LEET)
             | owners(same[1:] & same[:-1] & where(_WORD)[1:-1], LONG_RUN))
    beyond_ascii = np.fromiter((not t.isascii() for t in texts), dtype=bool, count=len(texts))
    flags[beyond_ascii] |= SPACED_DOT | LONG_RUN
    return flags.tolist()


def hints_of(text: str) -> int:
    """The flags :func:`batch_hints` gives ``text`` alone, and :data:`SPACED_DOT`, found
    without NumPy: for one text a few byte translations and searches cost less than
    setting up its arrays.

    :data:`SPACED_DOT` is always among them: prose has a space after nearly every full
    stop, and the test it stands in for costs less than looking.
    """
    flags = SPACED_DOT
    if text.isascii():
        data = text.encode("ascii")
        if _has_triple_word(data):
            flags |= LONG_RUN
    else:
        data = text.encode("ascii", "replace")
        flags |= LONG_RUN
    if b"sasas" in data.translate(_SEPARATOR_OR_LETTER):
        flags |= SPACED_LETTERS
    if b"a1" in data.translate(_LETTER_OR_LEET):
        flags |= LEET
    return flags


def _has_triple_word(data: bytes) -> bool:
    """Whether ``data`` holds three equal word characters in a row.

    Byte ``k`` of ``data`` XOR ``data`` moved on by one byte is zero where ``data[k]``
    equals the byte before it, so two zero bytes in a row (from the second byte on) mark
    three equal bytes: one big-integer shift and XOR rather than a pattern tried at every
    byte. Only where that happens is the byte itself looked at.
    """
    number = int.from_bytes(data, "big")
    equal = (number ^ (number >> 8)).to_bytes(len(data), "big")
    at = equal.find(b"\0\0", 1)
    while at >= 0:
        if _WORD[data[at]]:
            return True
        at = equal.find(b"\0\0", at + 1)
    return False
