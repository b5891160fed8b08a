"""The app the in-process benchmarks measure: a fresh one, on its own Redis, with a site."""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ORIGIN = "https://bench.example"


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
