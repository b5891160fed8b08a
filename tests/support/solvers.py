"""Answering challenges as a client would: the arithmetic blank and the proof of work."""

from __future__ import annotations

import hashlib

from service.captcha import proof_of_work
from service.captcha.arithmetic import BLANK, MINUS, PLUS


def solve_prompt(prompt: str) -> int:
    """Work out a prompt's blank (``27 − ☐ = 21`` → 6)."""
    left, right = prompt.split(" = ")
    a, op, b = left.split(" ")
    if right == BLANK:
        x, y = int(a), int(b)
        return x + y if op == PLUS else x - y if op == MINUS else x * y
    c = int(right)
    if a == BLANK:
        return c - int(b) if op == PLUS else c + int(b)
    return c - int(a) if op == PLUS else int(a) - c


def solve_pow(salt: str, difficulty: int) -> int:
    """The first counter that solves the puzzle, searched as the widget's worker does."""
    for counter in range(proof_of_work.MAX_COUNTER):
        digest = hashlib.sha256(f"{salt}:{counter}".encode()).digest()
        if proof_of_work.leading_zero_bits(digest) >= difficulty:
            return counter
    raise ValueError("no solution below the counter limit")
