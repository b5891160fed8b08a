"""Hashcash-style proof of work that makes every attempt cost the client CPU time.

A challenge carries a salt (its nonce) and a difficulty in bits; the client finds a
counter ``n`` such that ``SHA-256(salt ":" n)`` starts with that many zero bits. The
difficulty is inside the signed token, so a client cannot lower it, and the salt is
the single-use nonce, so a solution cannot be replayed. The expected work doubles with
each bit: 2**12 hashes take a browser a few milliseconds, 2**20 about a second.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

ALGORITHM = "SHA-256"
MAX_COUNTER = 2**32


@dataclass(frozen=True)
class Policy:
    """How hard the puzzle gets: ``min_bits`` for a clean client, up to ``max_bits``.

    Three things about the client's identity add bits. Each recent failure adds
    ``bits_per_failure``; every ``requests_per_bit`` challenges it fetched in the last
    minute add one. And volume: past the first ``free_solves`` successful solves in the
    last ``solves_window`` seconds, every ``solves_per_bit`` more add one bit, until
    volume alone has raised the puzzle to ``volume_bits``. At ``volume_bits`` = 20 a
    browser hashing a million times a second spends about a second per solve, so a bot
    that never fails still pays for its volume, while a person (a handful of solves an
    hour) always gets ``min_bits``.
    """

    min_bits: int = 12
    max_bits: int = 22
    bits_per_failure: int = 1
    requests_per_bit: int = 10
    free_solves: int = 20
    solves_per_bit: int = 2
    volume_bits: int = 20
    solves_window: int = 3600

    def volume_extra(self, recent_solves: float) -> int:
        """Bits added for ``recent_solves`` successful solves in the window."""
        beyond = int(recent_solves) - self.free_solves
        if beyond <= 0:
            return 0
        earned = -(-beyond // max(1, self.solves_per_bit))  # ceiling division
        return max(0, min(earned, self.volume_bits - self.min_bits))

    def difficulty(
        self, recent_failures: int, recent_requests: int, recent_solves: float = 0
    ) -> int:
        """The difficulty for a client with this recent history."""
        extra = (
            recent_failures * self.bits_per_failure
            + recent_requests // self.requests_per_bit
            + self.volume_extra(recent_solves)
        )
        return max(self.min_bits, min(self.max_bits, self.min_bits + extra))


def leading_zero_bits(digest: bytes) -> int:
    """How many zero bits ``digest`` starts with."""
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + (8 - byte.bit_length())
    return bits


def _digest(salt: str, counter: int) -> bytes:
    return hashlib.sha256(f"{salt}:{counter}".encode()).digest()


def verify(salt: str, difficulty: int, counter: object) -> bool:
    """True when ``counter`` solves the puzzle (one hash: cheap for the server)."""
    if isinstance(counter, str):
        if not counter.isdecimal() or len(counter) > 10:
            return False
        counter = int(counter)
    if isinstance(counter, bool) or not isinstance(counter, int):
        return False
    if not 0 <= counter < MAX_COUNTER:
        return False
    return leading_zero_bits(_digest(salt, counter)) >= difficulty
