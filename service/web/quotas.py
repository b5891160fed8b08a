"""Answering a request that would break a site's daily feedback quota."""

from __future__ import annotations

import math
import time

from service.spam.feedback import Recorded
from service.web.errors import ApiError

_UNITS = {"entries": "entries", "bytes": "bytes of feedback"}


class FeedbackQuotaExceeded(ApiError):
    """The site has stored as much feedback today as it may."""

    status = 429
    code = "feedback-quota-exceeded"


def refuse_over_quota(recorded: Recorded) -> None:
    """Raise :class:`FeedbackQuotaExceeded` when ``recorded`` was refused by the quota."""
    if not recorded.over_quota:
        return
    retry_after = max(1, math.ceil(recorded.resets_at - time.time()))
    resets_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(recorded.resets_at))
    unit = _UNITS.get(recorded.over_quota, recorded.over_quota)
    raise FeedbackQuotaExceeded(
        f"This site's feedback quota is used up: at most {recorded.limit} {unit} a day. "
        f"It resets at 00:00 UTC ({resets_at}), in {retry_after} s.",
        headers={"Retry-After": str(retry_after)},
        extra={"resets_at": resets_at},
    )
