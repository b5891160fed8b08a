"""The statistics of the load bench's rounds: medians, the range that holds a median, and
each endpoint's share of the bare app's one-round-trip route. Pure functions of the
rounds' results, without the bench's servers or its path set-up."""

from __future__ import annotations

import math
import statistics
from typing import Any

# The bare app's route that makes one Redis round trip: the ceiling of what touches Redis.
ROUND_TRIP = "bare Flask GET /redis (one round trip)"


def median(values: list[float]) -> float:
    """The median of ``values``, as a float."""
    return float(statistics.median(values))


def median_interval(values: list[float], confidence: float = 0.95
                    ) -> tuple[float, float] | None:
    """The range that holds the median of what the rounds sample with at least
    ``confidence``, whatever their distribution: the k-th lowest and k-th highest of
    ``values``, k the largest that keeps the chance of the median lying outside within
    ``1 - confidence`` (each value falls either side of it with even odds). None when
    there are too few values for any (at 95 %, fewer than six)."""
    ordered = sorted(values)
    count = len(ordered)
    tail, outside, excluded = (1 - confidence) / 2, 0.0, 0
    # ``excluded`` values can be dropped from each end while the chance that the median
    # lies beyond the next one, on one side, stays within the tail.
    while excluded < count:
        outside += math.comb(count, excluded) / 2 ** count
        if outside > tail:
            break
        excluded += 1
    if excluded == 0:
        return None
    return ordered[excluded - 1], ordered[count - excluded]


def held(values: list[float]) -> str:
    """The cell of :func:`median_interval`'s range of ``values`` ("—" when none)."""
    interval = median_interval(values)
    return f"{interval[0]:.2f}–{interval[1]:.2f}" if interval else "—"


def round_trip_table(results: dict[str, list[dict[str, Any]]]) -> str:
    """Each endpoint's requests/s as a share of the bare app's one-round-trip route's in
    the same round (both as ratios to their own bare runs), the median over the rounds
    with its 95 % range: how near each comes to the ceiling of anything that touches
    Redis once, with how fast a round trip was that round divided out."""
    ceiling = [r["rps"] / r["reference"]["rps"] for r in results.get(ROUND_TRIP, [])]
    rows = ["| endpoint | × one round trip | median's 95 % range |", "|---|---:|---:|"]
    for name, runs in results.items():
        if name.startswith("bare Flask") or len(runs) != len(ceiling):
            continue
        shares = [r["rps"] / r["reference"]["rps"] / top
                  for r, top in zip(runs, ceiling, strict=True)]
        rows.append(f"| {name} | {median(shares):.2f} | {held(shares)} |")
    return "\n".join(rows)
