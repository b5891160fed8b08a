"""The hot paths' random numbers: strong, fork-safe, and drawn without ``os.urandom``."""

from __future__ import annotations

import os
import re
import threading
import uuid
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


def test_uuids_are_version_4_of_the_usual_variant_and_random_elsewhere() -> None:
    drawn = [randomness.uuid4() for _ in range(2000)]
    assert len(set(drawn)) == len(drawn)
    for text in drawn:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
    # The variant digit takes each of its four values, the others all sixteen.
    assert {text[19] for text in drawn} == set("89ab")
    assert {text[20] for text in drawn} == set("0123456789abcdef")


def test_the_hot_paths_never_ask_the_operating_system(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(size: int) -> bytes:
        raise AssertionError("os.urandom called on a hot path")

    monkeypatch.setattr(os, "urandom", refused)
    for _ in range(200):
        assert len(new_nonce()) == 22
        assert len(request_id_from(None)) == 32
        assert len(randomness.uuid4()) == 36
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


def test_draws_from_the_pool_never_repeat_within_or_across_threads() -> None:
    # Every byte of a thread's pool is handed out once: 16-byte draws across many refills
    # (and a draw larger than a pool, taken straight from the generator) never repeat.
    drawn: list[bytes] = []
    lock = threading.Lock()

    def draw() -> None:
        mine = [randomness.token_bytes(16) for _ in range(3 * randomness.POOL_BYTES // 16)]
        mine.append(randomness.token_bytes(randomness.POOL_BYTES + 1))
        with lock:
            drawn.extend(mine)

    threads = [threading.Thread(target=draw) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(drawn) == 4 * (3 * randomness.POOL_BYTES // 16 + 1)
    assert len(set(drawn)) == len(drawn)
    assert all(len(x) == randomness.POOL_BYTES + 1 for x in drawn if len(x) != 16)


def test_a_child_forked_twice_never_hands_out_its_parents_bytes() -> None:
    randomness.token_bytes(16)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            inner = os.fork()  # a grandchild: the count of forks goes on from the child's
            os.write(write, randomness.token_bytes(64 if inner == 0 else 32))
            if inner:
                os.waitpid(inner, 0)
        finally:
            os._exit(0)
    os.close(write)
    got = b""
    while len(got) < 96:
        chunk = os.read(read, 96)
        if not chunk:
            break
        got += chunk
    os.waitpid(pid, 0)
    os.close(read)
    mine = randomness.token_bytes(96)
    assert len(got) == 96
    # The two writes arrive in either order, each whole: no 16 bytes of either are the
    # parent's next ones, or the other's.
    blocks = [got[start:start + 16] for start in range(0, 96, 16)]
    assert len(set(blocks)) == 6
    assert not any(block in mine for block in blocks)


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
