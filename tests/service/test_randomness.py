"""The hot paths' random numbers: strong, fork-safe, and drawn without ``os.urandom``."""

from __future__ import annotations

import os
import re
from collections import Counter

import pytest

from service import randomness
from service.captcha import arithmetic
from service.signing import new_nonce
from service.web.access_log import request_id_from


def test_tokens_have_the_secrets_modules_shapes() -> None:
    assert len(randomness.token_bytes(16)) == 16
    assert re.fullmatch(r"[0-9a-f]{32}", randomness.token_hex(16))
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", randomness.token_urlsafe(16))
    assert len({randomness.token_urlsafe(16) for _ in range(1000)}) == 1000


def test_the_hot_paths_never_ask_the_operating_system(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(size: int) -> bytes:
        raise AssertionError("os.urandom called on a hot path")

    monkeypatch.setattr(os, "urandom", refused)
    for _ in range(200):
        assert len(new_nonce()) == 22
        assert len(request_id_from(None)) == 32
        arithmetic.generate()


def test_a_forked_child_draws_a_stream_of_its_own() -> None:
    randomness.token_bytes(16)  # the parent's generator is in use before the fork
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.write(write, randomness.token_bytes(32))
        finally:
            os._exit(0)
    os.close(write)
    child = os.read(read, 32)
    os.waitpid(pid, 0)
    os.close(read)
    assert len(child) == 32 and child != randomness.token_bytes(32)


def test_below_is_uniform_in_range_and_refuses_a_range_it_cannot_draw() -> None:
    for n in (1, 2, 3, 90, 99, 3 * 2 ** 30, 2 ** 32 - 1):
        assert all(0 <= randomness.below(n) < n for _ in range(200))
    assert randomness.below(1) == 0
    # For 3 * 2**30 the top slice is 2**30 draws: drawn again, not folded onto the low
    # values (folding would make the first third of the range come up half the time).
    n = 3 * 2 ** 30
    first_third = sum(randomness.below(n) < 2 ** 30 for _ in range(3000))
    assert 850 < first_third < 1150
    counts = Counter(randomness.below(90) for _ in range(27_000))
    assert set(counts) == set(range(90))
    assert min(counts.values()) > 200 and max(counts.values()) < 400
    for bad in (0, -1, 2 ** 32):
        with pytest.raises(ValueError):
            randomness.below(bad)
