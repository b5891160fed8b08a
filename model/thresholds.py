"""Where a spam probability turns into an action: accept, hold for a moderator, or discard."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Action = Literal["accept", "hold", "discard"]


@dataclass(frozen=True)
class Thresholds:
    """Where ``hold`` and ``discard`` start, as calibrated spam probabilities.

    Both bounds are inclusive: a probability equal to ``hold`` is held, one equal to
    ``discard`` is discarded. ``discard`` wins where both apply.
    """

    hold: float
    discard: float

    def action(self, probability: float) -> Action:
        """``"accept"``, ``"hold"`` or ``"discard"`` for a probability."""
        if probability >= self.discard:
            return "discard"
        if probability >= self.hold:
            return "hold"
        return "accept"
