"""The promotion gate's arithmetic: per slice, with a stated tolerance."""

from __future__ import annotations

from typing import Any

import pytest

from model.gate import TOLERANCE_ROWS, allowance, compare, tolerance_text
from model.scoreboard import OVERALL, slice_metrics


def _results(version: str, wrong: dict[str, int], rows: dict[str, int],
             seen: int = 0) -> dict[str, Any]:
    slices = {}
    for name, n in rows.items():
        labels = [i % 2 for i in range(n)]
        # The first ``wrong`` rows get the wrong side of the threshold.
        probability = [(0.1 if y else 0.9) if i < wrong[name] else (0.9 if y else 0.1)
                       for i, y in enumerate(labels)]
        slices[name] = slice_metrics(labels, probability, 0.5, 0.95)
    return {"benchmark": "b1", "version": version, "slices": slices, "possibly_seen": seen}


ROWS = {OVERALL: 1200, "comments/a.csv": 60, "sms/SMS": 800, "feedback/Blog": 340}


def test_the_allowance_grows_with_the_slice() -> None:
    assert allowance(10) == TOLERANCE_ROWS
    assert allowance(800) == 4
    assert "more wrong decisions than the active model on any slice" in tolerance_text()


def test_a_regression_on_one_slice_refuses_even_when_the_whole_is_fine() -> None:
    active = _results("old", {OVERALL: 30, "comments/a.csv": 2, "sms/SMS": 20,
                              "feedback/Blog": 8}, ROWS)
    # Better on SMS and overall, but seven more wrong on the site's own feedback slice.
    candidate = _results("new", {OVERALL: 28, "comments/a.csv": 2, "sms/SMS": 11,
                                 "feedback/Blog": 15}, ROWS)
    result = compare(candidate, active)
    assert not result.passed
    assert [s.name for s in result.failed] == ["feedback/Blog"]
    assert "refused" in result.summary() and "feedback/Blog (+7 wrong, allowed +2)" in \
        result.summary()
    assert any("WORSE" in line and "feedback/Blog" in line for line in result.table())


def test_within_the_tolerance_on_every_slice_passes() -> None:
    active = _results("old", {OVERALL: 30, "comments/a.csv": 2, "sms/SMS": 20,
                              "feedback/Blog": 8}, ROWS)
    candidate = _results("new", {OVERALL: 36, "comments/a.csv": 4, "sms/SMS": 24,
                                 "feedback/Blog": 8}, ROWS)
    result = compare(candidate, active)
    assert result.passed, result.summary()
    assert result.summary().startswith("passed on benchmark b1 (1200 rows, 3 slices)")
    worse = _results("new", {OVERALL: 30, "comments/a.csv": 2, "sms/SMS": 25,
                             "feedback/Blog": 8}, ROWS)
    assert [s.name for s in compare(worse, active).failed] == ["sms/SMS"]


def test_a_candidate_that_may_have_seen_the_benchmark_is_refused() -> None:
    same = {OVERALL: 0, "comments/a.csv": 0, "sms/SMS": 0, "feedback/Blog": 0}
    result = compare(_results("new", same, ROWS, seen=40), _results("old", same, ROWS))
    assert not result.passed and "may have trained on 40 of its rows" in result.summary()
    noted = compare(_results("new", same, ROWS), _results("old", same, ROWS, seen=40))
    assert noted.passed and "which favours it" in noted.summary()


def test_results_from_different_benchmarks_are_not_compared() -> None:
    one = _results("a", {OVERALL: 0, "comments/a.csv": 0, "sms/SMS": 0, "feedback/Blog": 0},
                   ROWS)
    with pytest.raises(ValueError, match="different benchmarks"):
        compare(one, dict(one, benchmark="b2"))


def test_slice_metrics_on_a_slice_of_one_class() -> None:
    m = slice_metrics([1, 1, 1, 1], [0.9, 0.2, 0.97, 0.6], hold=0.5, discard=0.95)
    assert m["wrong"] == m["missed_spam"] == 1 and m["ham_held"] == 0
    assert m["roc_auc"] is None and m["f1"] == pytest.approx(6 / 7)
    ham = slice_metrics([0, 0, 0], [0.1, 0.6, 0.99], hold=0.5, discard=0.95)
    assert ham["f1"] is None and ham["ham_held"] == 2 and ham["ham_discarded"] == 1
