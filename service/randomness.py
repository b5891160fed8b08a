"""Unpredictable numbers for the hot paths, drawn without a system call each.

``os.urandom`` (and so :mod:`secrets` and ``random.SystemRandom``) makes a
``getrandom(2)`` call per draw and lets go of the GIL around it. A challenge drew about
nine times (its request id, its nonce, each choice of its question), and under load each
release hands the GIL to another thread and has to win it back: measured with
``bench/load_bench.py``, that cost a challenge about a fifth of its worker CPU.

OpenSSL's generator (``ssl.RAND_bytes``) is as strong: a DRBG seeded from the operating
system, reseeded on its own schedule and after a ``fork`` (so gunicorn's workers never
share a stream with their parent or each other). It draws in this process and keeps the
GIL, which for 16 bytes is far cheaper than letting go of it. Cold paths (site secrets,
the signing key) keep :mod:`secrets`.
"""

from __future__ import annotations

import base64
import ssl

_SPAN = 1 << 32


def token_bytes(size: int) -> bytes:
    """``size`` random bytes from OpenSSL's generator."""
    return ssl.RAND_bytes(size)


def token_urlsafe(size: int) -> str:
    """``size`` random bytes as unpadded URL-safe base64 (as :func:`secrets.token_urlsafe`)."""
    return base64.urlsafe_b64encode(ssl.RAND_bytes(size)).rstrip(b"=").decode("ascii")


def token_hex(size: int) -> str:
    """``size`` random bytes as ``2 * size`` hex digits."""
    return ssl.RAND_bytes(size).hex()


def below(n: int) -> int:
    """A uniform int in ``[0, n)``, for ``0 < n < 2**32``, from one 32-bit draw (drawn
    again in the rare case it falls in the top slice that ``n`` does not divide).

    The same distribution as ``random.SystemRandom().randrange(n)``, from OpenSSL's
    generator and through fewer layers.
    """
    if not 0 < n < _SPAN:
        raise ValueError("n must be in [1, 2**32)")
    limit = _SPAN - _SPAN % n
    while True:
        value = int.from_bytes(ssl.RAND_bytes(4), "big")
        if value < limit:
            return value % n
