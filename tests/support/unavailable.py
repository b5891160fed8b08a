"""What a test does when something it needs is not on this machine.

Under CI (``CI`` set, as ``.ci/run`` sets it) everything a test needs is installed from
nothing, so a missing tool or data set is a broken set-up and the test fails; on a
developer's machine it skips, saying what to install.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def unavailable(reason: str) -> NoReturn:
    """Fail under CI, skip elsewhere, giving ``reason``."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)
