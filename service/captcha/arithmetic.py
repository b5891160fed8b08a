"""Arithmetic fill-in-the-blank challenges with a wide, flat answer space.

The answer (the blank) is drawn first, uniformly from :data:`ANSWERS`; the operation
and the other numbers are then chosen around it. So every answer is equally likely
whatever the prompt looks like, and the best blind guess passes ``1/len(ANSWERS)``
(1.1%) of challenges — against 10% for a plugin whose answers were always 1–10.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from service.randomness import below

BLANK = "\u2610"  # ☐
PLUS = "+"
MINUS = "\u2212"  # − (not the ASCII hyphen)
TIMES = "\u00d7"  # ×

ANSWERS = range(10, 100)


@dataclass(frozen=True)
class Challenge:
    """A question and its answer. ``prompt`` is what the visitor sees."""

    prompt: str
    answer: int


@functools.cache
def _times_factors(answer: int) -> tuple[tuple[int, int], ...]:
    return tuple((a, answer // a) for a in range(2, 10)
                 if answer % a == 0 and 2 <= answer // a <= 12)


@functools.cache
def _shapes(answer: int) -> tuple[str, ...]:
    return ("a+_", "_+a", "a-_", "_-a") + (("axb",) if _times_factors(answer) else ())


def generate() -> Challenge:
    """Draw a challenge whose answer is uniform over :data:`ANSWERS`.

    All numbers stay below 200 and multiplication stays within the times tables, so
    a person solves it in their head.
    """
    x = ANSWERS[below(len(ANSWERS))]
    shapes = _shapes(x)
    shape = shapes[below(len(shapes))]
    if shape == "a+_":
        a = 1 + below(99)
        return Challenge(f"{a} {PLUS} {BLANK} = {a + x}", x)
    if shape == "_+a":
        a = 1 + below(99)
        return Challenge(f"{BLANK} {PLUS} {a} = {a + x}", x)
    if shape == "a-_":
        c = 1 + below(99)
        return Challenge(f"{x + c} {MINUS} {BLANK} = {c}", x)
    if shape == "_-a":
        a = 1 + below(x - 1)
        return Challenge(f"{BLANK} {MINUS} {a} = {x - a}", x)
    factors = _times_factors(x)
    a, b = factors[below(len(factors))]
    return Challenge(f"{a} {TIMES} {b} = {BLANK}", x)


def parse_answer(raw: object) -> int | None:
    """An answer as an int, or None when it is not a plain whole number."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if -1_000_000 < raw < 1_000_000 else None
    if isinstance(raw, str):
        text = raw.strip()
        if 0 < len(text) <= 7 and (text.isdecimal() or (text[0] == "-" and text[1:].isdecimal())):
            return int(text)
    return None
