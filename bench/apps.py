"""The app the in-process benchmarks measure: a fresh one, on its own Redis, with a site."""

from __future__ import annotations

import json
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ORIGIN = "https://bench.example"
# Rate-limit budgets of the defaults' shape that no run can spend.
UNSPENDABLE = "100000000/minute;100000000/hour"
BUDGETS = ("CHALLENGE", "SOLVE", "CHALLENGE_SITE", "SOLVE_SITE", "SITEVERIFY",
           "COMMENT_CHECK")
# Verdicts the moderators of a site that learned send before it is measured, so that its
# comment checks go through a layer of its own (as every site's do once it sends feedback).
VERDICTS = 5


def verdicts(count: int = VERDICTS) -> list[bytes]:
    """Bodies of ``POST /v1/feedback``: ``count`` spam verdicts, on comments of their own."""
    return [json.dumps({"comment_content": f"Cheap pills {i}, order now at "
                                           f"https://pills{i}.example",
                        "label": "spam"}).encode() for i in range(count)]


@contextmanager
def bench_app(prefix: str, **config: Any) -> Iterator[tuple[Any, Any, Any, str]]:
    """``(app, state, site, secret)``: an app on an embedded Redis in a temporary directory
    named with ``prefix``, the site "Bench" (at :data:`ORIGIN`) registered and the model
    loaded. ``config`` adds to the settings. The service is the one on ``sys.path``."""
    from service import create_app
    from service.store.embedded import EmbeddedRedis

    with tempfile.TemporaryDirectory(prefix=prefix) as tmp, \
            EmbeddedRedis(Path(tmp)) as redis_server:
        app = create_app({"SECRET_KEY": [secrets.token_urlsafe(48)],
                          "REDIS_URL": redis_server.url, "DATA_DIR": tmp, **config})
        state = app.extensions["hedgerow"]
        site, secret = state.sites.add("Bench", [ORIGIN])
        state.models.current()
        yield app, state, site, secret
