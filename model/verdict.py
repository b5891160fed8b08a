"""The verdict on one comment, as the scorer gives it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Score:
    """The verdict on one comment.

    ``spam`` is true at or above the model's hold threshold; ``action`` is ``"accept"``,
    ``"hold"`` (spam, for a moderator) or ``"discard"`` (spam above the discard threshold);
    ``reasons`` are sentences a moderator can read; ``version`` names the model.
    """

    spam: bool
    probability: float
    reasons: list[str] = field(default_factory=list)
    version: str = ""
    action: str = "accept"
