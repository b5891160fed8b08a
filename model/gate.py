"""The promotion gate: on the benchmark, a candidate may not do worse than the active model.

Both models are scored on the one frozen benchmark (:mod:`model.benchmark`), each at its own
hold threshold, and compared slice by slice (each medium and file, each site's feedback) as
well as over all rows. On every one of them the candidate may make at most
``max(TOLERANCE_ROWS, TOLERANCE_SHARE × rows)`` more wrong decisions (spam let through plus
ham held) than the active model; one slice beyond that refuses it, however good the rest.
A candidate that may have trained on benchmark rows cannot be judged fairly and is refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from model.scoreboard import OVERALL

# A retrain on the same base moves a slice of 50 comments by a row or so either way; a
# model that forgot a medium gets tens of rows more wrong.
TOLERANCE_ROWS = 2
TOLERANCE_SHARE = 0.005


def allowance(rows: int) -> int:
    """How many more wrong decisions than the active model a slice of ``rows`` tolerates."""
    return max(TOLERANCE_ROWS, math.ceil(TOLERANCE_SHARE * rows))


def tolerance_text() -> str:
    """The tolerance in words, as the gate states it."""
    return (f"at most max({TOLERANCE_ROWS}, {TOLERANCE_SHARE:.1%} of the rows) more wrong "
            "decisions than the active model on any slice")


@dataclass(frozen=True)
class SliceVerdict:
    """One slice's comparison."""

    name: str
    candidate: dict[str, Any]
    active: dict[str, Any]

    @property
    def rows(self) -> int:
        """Rows in the slice."""
        return int(self.candidate["rows"])

    @property
    def extra_wrong(self) -> int:
        """Wrong decisions the candidate makes beyond the active model's (may be negative)."""
        return int(self.candidate["wrong"]) - int(self.active["wrong"])

    @property
    def passed(self) -> bool:
        """True when the slice is within the tolerance."""
        return self.extra_wrong <= allowance(self.rows)


@dataclass(frozen=True)
class GateResult:
    """The comparison behind a promotion decision."""

    benchmark: str
    candidate_version: str
    active_version: str
    slices: list[SliceVerdict]
    candidate_seen: int = 0
    active_seen: int = 0

    @property
    def failed(self) -> list[SliceVerdict]:
        """Slices on which the candidate is worse beyond the tolerance."""
        return [s for s in self.slices if not s.passed]

    @property
    def passed(self) -> bool:
        """True when the candidate may be promoted."""
        return not self.failed and self.candidate_seen == 0

    def table(self) -> list[str]:
        """The per-slice comparison, one line per slice."""
        width = max([len(s.name) for s in self.slices] + [5])
        lines = [f"  {'slice':<{width}} {'rows':>6}  {'wrong: new':>10} {'active':>6} "
                 f"{'allowed':>7}  {'F1 new':>6} {'active':>6}"]
        for s in self.slices:
            f1_new, f1_old = s.candidate.get("f1"), s.active.get("f1")
            lines.append(
                f"  {s.name:<{width}} {s.rows:>6}  {s.candidate['wrong']:>10} "
                f"{s.active['wrong']:>6} {'+' + str(allowance(s.rows)):>7}  "
                f"{_f(f1_new):>6} {_f(f1_old):>6}  {'ok' if s.passed else 'WORSE'}")
        return lines

    def summary(self) -> str:
        """One sentence for the operator."""
        overall = next((s for s in self.slices if s.name == OVERALL), None)
        where = (f"on benchmark {self.benchmark} ({overall.rows if overall else '?'} rows, "
                 f"{len(self.slices) - 1} slices)")
        if self.candidate_seen:
            return (f"refused {where}: {self.candidate_version} may have trained on "
                    f"{self.candidate_seen} of its rows, so its scores there would flatter it; "
                    "retrain it now that the benchmark exists")
        if self.failed:
            worst = ", ".join(f"{s.name} ({s.extra_wrong:+d} wrong, allowed "
                              f"+{allowance(s.rows)})" for s in self.failed)
            return f"refused {where}: {self.candidate_version} is worse on {worst}"
        note = ""
        if self.active_seen:
            note = (f" ({self.active_version} may have trained on {self.active_seen} benchmark "
                    "rows, which favours it)")
        return (f"passed {where}: {self.candidate_version} is within the tolerance of "
                f"{self.active_version} on every slice{note}")


def _f(value: Any) -> str:
    return "-" if value is None else f"{value:.3f}"


def compare(candidate: dict[str, Any], active: dict[str, Any]) -> GateResult:
    """Judge two models' :func:`model.scoreboard.results` on the same benchmark."""
    if candidate["benchmark"] != active["benchmark"]:
        raise ValueError("the two results come from different benchmarks")
    slices = [SliceVerdict(name, metrics, active["slices"][name])
              for name, metrics in candidate["slices"].items()]
    return GateResult(benchmark=str(candidate["benchmark"]),
                      candidate_version=str(candidate["version"]),
                      active_version=str(active["version"]), slices=slices,
                      candidate_seen=int(candidate.get("possibly_seen", 0)),
                      active_seen=int(active.get("possibly_seen", 0)))
