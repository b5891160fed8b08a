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

Each call to it costs about the same whatever it draws (16 bytes or 4,096:
``bench/pieces_bench.py``), and a challenge draws five times. So each thread draws
:data:`POOL_BYTES` at a time and hands them out in order, every byte once. A forked
child never hands out what its parent drew: it throws away the pools it inherited
before its first draw.
"""

from __future__ import annotations

import base64
import os
import ssl
import threading
import uuid

_SPAN = 1 << 32
POOL_BYTES = 4096


class _Pool:
    """One thread's bytes drawn from the generator and not yet handed out."""

    __slots__ = ("data", "at", "forks")

    def __init__(self) -> None:
        self.data = b""
        self.at = 0
        self.forks = -1  # the fork count (_Forks) when the bytes were drawn


class _Forks:
    """How many times this process's line has forked since the first pool was filled."""

    count = 0
    watching = False

    @classmethod
    def watch(cls) -> None:
        """Count forks from now on (once per process; children inherit the watch)."""
        if not cls.watching:
            cls.watching = True
            os.register_at_fork(after_in_child=cls._forked)

    @classmethod
    def _forked(cls) -> None:
        cls.count += 1


_threads = threading.local()


def token_bytes(size: int) -> bytes:
    """``size`` random bytes from OpenSSL's generator, never handed out before."""
    try:
        pool: _Pool = _threads.pool
    except AttributeError:
        pool = _threads.pool = _Pool()
    start = pool.at
    end = start + size
    if end > len(pool.data) or pool.forks != _Forks.count:
        if size > POOL_BYTES:
            return ssl.RAND_bytes(size)
        _Forks.watch()
        pool.data, pool.forks = ssl.RAND_bytes(POOL_BYTES), _Forks.count
        start, end = 0, size
    pool.at = end
    return pool.data[start:end]


def token_urlsafe(size: int) -> str:
    """``size`` random bytes as unpadded URL-safe base64 (as :func:`secrets.token_urlsafe`)."""
    return base64.urlsafe_b64encode(token_bytes(size)).rstrip(b"=").decode("ascii")


def token_hex(size: int) -> str:
    """``size`` random bytes as ``2 * size`` hex digits."""
    return token_bytes(size).hex()


def uuid4() -> str:
    """A random (version 4) UUID in its usual text form, as ``str(uuid.uuid4())``, from
    the pool rather than ``os.urandom``."""
    return str(uuid.UUID(bytes=token_bytes(16), version=4))


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
        value = int.from_bytes(token_bytes(4), "big")
        if value < limit:
            return value % n
