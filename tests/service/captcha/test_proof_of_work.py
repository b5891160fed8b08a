"""Adaptive proof of work: verified server-side, bound to the signed token, single-use."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import requests

from service.captcha import proof_of_work
from service.sites.registry import Site
from tests.support.flow import get_challenge, solution
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
