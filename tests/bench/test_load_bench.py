"""The load bench's statistics: the range it gives for the median of its rounds."""

from __future__ import annotations

import math
import random

from bench.load_bench import median_interval


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
