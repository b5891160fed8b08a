"""Adaptive proof of work: verified server-side, bound to the signed token, single-use."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import requests
import time_machine

from service import create_app
from service.captcha import proof_of_work
from service.sites.registry import Site
from service.web.state import AppState
from tests.support.flow import get_challenge, solution
from tests.support.live_server import LiveServer, based_session
from tests.support.solvers import solve_pow


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """Proof of work on, with small difficulties so the tests stay fast."""
    return {**app_config, "POW_ENABLED": True, "POW_MIN_BITS": 8, "POW_MAX_BITS": 12}


def test_leading_zero_bits() -> None:
    assert proof_of_work.leading_zero_bits(b"\x00\x00\xff") == 16
    assert proof_of_work.leading_zero_bits(b"\x00\x1f") == 11
    assert proof_of_work.leading_zero_bits(b"\x80") == 0
    assert proof_of_work.leading_zero_bits(b"\x00\x00") == 16


def test_solve_and_verify_agree() -> None:
    counter = solve_pow("salt", 10)
    digest = hashlib.sha256(f"salt:{counter}".encode()).digest()
    assert proof_of_work.leading_zero_bits(digest) >= 10
    assert proof_of_work.verify("salt", 10, counter)
    assert proof_of_work.verify("salt", 10, str(counter))
    for junk in (None, "", "-1", "1e3", 2**40, True, [counter], "9" * 30):
        assert not proof_of_work.verify("salt", 10, junk)


def test_policy_grows_with_failures_and_rate_and_is_capped() -> None:
    policy = proof_of_work.Policy(min_bits=12, max_bits=20)
    assert policy.difficulty(0, 1) == 12
    assert policy.difficulty(3, 1) == 15
    assert policy.difficulty(0, 35) == 15
    assert policy.difficulty(50, 500) == 20


def test_policy_grows_with_volume_up_to_a_second_of_browser_work() -> None:
    policy = proof_of_work.Policy()  # the defaults: 20 free solves an hour
    assert policy.difficulty(0, 1, 0) == 12  # a person's first challenge
    assert policy.difficulty(0, 1, 20) == 12  # the free solves
    assert policy.difficulty(0, 1, 21) == 13
    assert policy.difficulty(0, 1, 22) == 13
    assert policy.difficulty(0, 1, 23) == 14
    assert policy.difficulty(0, 1, 36) == 20
    # Volume alone stops at 20 bits (2**20 hashes: about a second in a browser) …
    assert policy.difficulty(0, 1, 10_000) == 20
    assert 2**policy.volume_bits >= 1_000_000
    # … failures and request rate add to it, up to the maximum.
    assert policy.difficulty(1, 9, 10_000) == 21
    assert policy.difficulty(5, 9, 10_000) == policy.max_bits == 22


def test_challenge_carries_a_puzzle(http: requests.Session, site: tuple[Site, str]) -> None:
    challenge = get_challenge(http, site[0].sitekey)
    assert challenge["pow"]["algorithm"] == "SHA-256"
    assert challenge["pow"]["difficulty"] == 8
    assert len(challenge["pow"]["salt"]) >= 16


def _solve(http: requests.Session, body: dict[str, Any]) -> dict[str, Any]:
    return http.post("/v1/solve", json=body).json()


def test_solved_puzzle_and_answer_pass(http: requests.Session, site: tuple[Site, str]) -> None:
    assert _solve(http, solution(get_challenge(http, site[0].sitekey)))["success"] is True


def test_missing_forged_or_too_cheap_work_is_rejected_and_burns(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    for tamper, code in (
        (lambda body, salt: body.pop("pow"), "missing-input-pow"),
        (lambda body, salt: body.update(pow=_unsolved(salt, body["pow"] + 1)),
         "invalid-input-pow"),
        # Work for an easier puzzle than the token asks for.
        (lambda body, salt: body.update(pow=_cheap(salt, 8)), "invalid-input-pow"),
    ):
        challenge = get_challenge(http, site[0].sitekey)
        body = solution(challenge)
        honest = dict(body)
        tamper(body, challenge["pow"]["salt"])
        result = _solve(http, body)
        assert result["success"] is False and result["error-codes"] == [code]
        assert _solve(http, honest)["error-codes"] == ["timeout-or-duplicate"]


def _unsolved(salt: str, start: int) -> int:
    """The first counter from ``start`` whose digest has no leading zero bit at all."""
    counter = start
    while proof_of_work.leading_zero_bits(
        hashlib.sha256(f"{salt}:{counter}".encode()).digest()
    ):
        counter += 1
    return counter


def _cheap(salt: str, bits: int) -> int:
    """A counter with some zero bits, but fewer than ``bits``."""
    for counter in range(1_000_000):
        digest = hashlib.sha256(f"{salt}:{counter}".encode()).digest()
        if 2 <= proof_of_work.leading_zero_bits(digest) < bits:
            return counter
    raise AssertionError("unreachable")


def test_failures_raise_the_difficulty_for_that_client(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    first = get_challenge(http, site[0].sitekey)["pow"]["difficulty"]
    for _ in range(3):
        challenge = get_challenge(http, site[0].sitekey)
        body = solution(challenge, answer=0)  # always wrong: answers are 10–99
        assert _solve(http, body)["error-codes"] == ["wrong-answer"]
    later = get_challenge(http, site[0].sitekey)["pow"]["difficulty"]
    assert later >= first + 3
    for _ in range(20):
        get_challenge(http, site[0].sitekey)
    assert get_challenge(http, site[0].sitekey)["pow"]["difficulty"] == 12  # the cap


@pytest.fixture
def volume_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """Three free solves per 600 s, then a bit per two solves, from 4 up to 6 bits."""
    return {**app_config, "TRUSTED_PROXIES": 1, "POW_MIN_BITS": 4, "POW_MAX_BITS": 10,
            "POW_FREE_SOLVES": 3, "POW_VOLUME_BITS": 6, "POW_SOLVES_WINDOW": 600}


def test_a_bot_that_never_fails_pays_more_after_its_free_solves(
    volume_config: dict[str, Any], site: tuple[Site, str]
) -> None:
    server = LiveServer(create_app(volume_config)).start()
    try:
        with based_session(server.url) as http, \
                time_machine.travel(1_900_000_000, tick=False) as clock:
            seen = []
            # Fewer than ten challenges a minute, so the request rate adds nothing.
            for i in range(9):
                bot = {"X-Forwarded-For": f"2001:db8:b07::{i + 1:x}"}  # one /64
                challenge = get_challenge(http, site[0].sitekey, **bot)
                seen.append(challenge["pow"]["difficulty"])
                assert _solve_as(http, solution(challenge), bot)["success"] is True
            person = get_challenge(http, site[0].sitekey, **{"X-Forwarded-For": "192.0.2.1"})
            # Two windows later the bot's solves no longer count (its tenth challenge
            # this minute adds the request-rate bit).
            clock.shift(2 * 600)
            rested = get_challenge(http, site[0].sitekey,
                                   **{"X-Forwarded-For": "2001:db8:b07::99"})
    finally:
        server.stop()
    # Solves 4 and 5 add a bit, 6 and 7 another; volume stops at POW_VOLUME_BITS.
    assert seen == [4, 4, 4, 4, 5, 5, 6, 6, 6]
    assert person["pow"]["difficulty"] == 4
    assert rested["pow"]["difficulty"] == 4 + 1


def _solve_as(http: requests.Session, body: dict[str, Any], headers: dict[str, str]
              ) -> dict[str, Any]:
    return http.post("/v1/solve", json=body, headers=headers).json()


def test_solves_are_counted_over_a_sliding_window(state: AppState) -> None:
    store, window = state.store, 600
    start = 1_900_000_200 - 1_900_000_200 % window  # the start of a window
    for _ in range(10):
        store.note_solve("someone", True, solves_window=window, now=start + 1)
    store.note_solve("someone", False, solves_window=window, now=start + 2)
    now = store.note_request("someone", solves_window=window, now=start + 5)
    assert (now.failures, now.requests, now.solves) == (1, 1, 10)
    # Half a window into the next one, half of the previous window still counts.
    later = store.note_request("someone", solves_window=window, now=start + window * 1.5)
    assert later.solves == pytest.approx(5)
    assert store.note_request("someone", solves_window=window, now=start + 2 * window).solves == 0
    assert store.note_request("someone else", solves_window=window, now=start + 5).solves == 0
    assert state.store.counters()["solve_succeeded"] == 10
