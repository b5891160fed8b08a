"""The load bench's statistics (`bench/rounds.py`): the range it gives for the median of its
rounds, and each endpoint's share of the one-round-trip route."""

from __future__ import annotations

import math
import random
from typing import Any

from bench.rounds import ROUND_TRIP, median_interval, round_trip_table


def test_the_range_is_the_order_statistics_a_binomial_table_gives() -> None:
    # n = 12: P(X <= 2) = 79/4096 = 0.019 leaves the 3rd lowest and 3rd highest; n = 20:
    # P(X <= 5) = 0.021 leaves the 6th of each end; n = 6: only 1/64 each side, the ends.
    assert median_interval([float(v) for v in range(12, 0, -1)]) == (3.0, 10.0)
    assert median_interval([float(v) for v in range(1, 21)]) == (6.0, 15.0)
    assert median_interval([5.0, 1.0, 4.0, 2.0, 6.0, 3.0]) == (1.0, 6.0)


def test_too_few_rounds_give_no_range_rather_than_a_false_one() -> None:
    # Five values: even the lowest and highest miss the median 2/32 = 6 % of the time.
    assert median_interval([1.0, 2.0, 3.0, 4.0, 5.0]) is None
    assert median_interval([]) is None


def test_the_range_holds_a_skewed_distributions_median_at_least_as_often_as_it_says() -> None:
    draw = random.Random(20261130)
    true_median = math.log(2)  # of the exponential distribution with rate 1
    trials, held = 4000, 0
    for _ in range(trials):
        interval = median_interval([draw.expovariate(1.0) for _ in range(12)])
        assert interval is not None
        held += interval[0] <= true_median <= interval[1]
    # The n = 12 range's exact coverage is 1 - 2 * 79/4096 = 0.961.
    assert held / trials >= 0.95
    assert held / trials <= 0.975  # and not a range so wide that it says nothing


def test_the_share_of_the_round_trip_route_divides_out_each_rounds_speed() -> None:
    def runs(ratios: list[float]) -> list[dict[str, Any]]:
        return [{"rps": 1000 * r, "reference": {"rps": 1000.0}} for r in ratios]

    # The route is fast in some rounds and slow in others; the challenge follows it at
    # nine tenths every time, so its share is 0.90 with no spread at all.
    route = [0.5, 0.7, 0.6, 0.75, 0.55, 0.65]
    text = round_trip_table({
        "bare Flask GET / (baseline)": runs([1.0] * 6),
        ROUND_TRIP: runs(route),
        "GET /v1/challenge": runs([0.9 * r for r in route]),
        "POST /v1/siteverify": runs([0.5] * 5),  # a round short: no pairing, no row
    })
    assert "| GET /v1/challenge | 0.90 | 0.90–0.90 |" in text
    assert "siteverify" not in text and "baseline" not in text
