"""The probability-to-action rule, at and around its boundaries."""

from __future__ import annotations

import math

import pytest

from model.thresholds import Thresholds

HOLD, DISCARD = 0.5, 0.9


@pytest.mark.parametrize(
    ("probability", "action"),
    [
        (0.0, "accept"),
        (math.nextafter(HOLD, 0.0), "accept"),
        (HOLD, "hold"),
        (math.nextafter(HOLD, 1.0), "hold"),
        (math.nextafter(DISCARD, 0.0), "hold"),
        (DISCARD, "discard"),
        (1.0, "discard"),
    ],
)
def test_each_bound_starts_its_action(probability: float, action: str) -> None:
    assert Thresholds(hold=HOLD, discard=DISCARD).action(probability) == action


def test_equal_bounds_leave_no_room_for_hold() -> None:
    same = Thresholds(hold=0.7, discard=0.7)
    assert same.action(math.nextafter(0.7, 0.0)) == "accept"
    assert same.action(0.7) == "discard"
    assert same.action(1.0) == "discard"


def test_discard_wins_when_it_is_set_below_hold() -> None:
    inverted = Thresholds(hold=0.9, discard=0.6)
    assert inverted.action(0.5) == "accept"
    assert inverted.action(0.6) == "discard"
    assert inverted.action(0.95) == "discard"


def test_the_service_decides_with_the_same_rule() -> None:
    from service.spam import decision

    assert decision.Thresholds is Thresholds
