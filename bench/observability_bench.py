"""What the per-request metrics and the JSON access log cost.

Median microseconds of ``GET /healthz`` and of a whole captcha flow's three requests,
in-process against a real (embedded) Redis, for the same app built with
``HEDGEROW_ACCESS_LOG`` off and on (lines to /dev/null), reported as a ratio measured in
the same run. The metrics are always on; their cost is inside both figures, and the
``/metrics`` scrape itself is timed beside them.

Run: ``.venv/bin/python bench/observability_bench.py [--n 3000]``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the checkout's packages, and tests/ for the solvers

from bench.timing import median_us  # noqa: E402
from service import create_app  # noqa: E402
from service.store.embedded import EmbeddedRedis  # noqa: E402
from tests.support.solvers import solve_prompt  # noqa: E402

ORIGIN = "https://bench.example"



def build(access_log: bool, redis_url: str, data_dir: str) -> dict[str, Callable[[], Any]]:
    """The timed actions of one app."""
    app = create_app({"SECRET_KEY": [secrets.token_urlsafe(48)], "REDIS_URL": redis_url,
                      "DATA_DIR": data_dir, "RATELIMIT_ENABLED": False, "POW_ENABLED": False,
                      "ACCESS_LOG": access_log})
    state = app.extensions["hedgerow"]
    site, secret = state.sites.add("Bench", [ORIGIN])
    client = app.test_client()
    headers = {"Origin": ORIGIN}

    def flow() -> None:
        challenge = client.get(f"/v1/challenge?sitekey={site.sitekey}", headers=headers)
        body = challenge.get_json()
        solved = client.post("/v1/solve", headers=headers, json={
            "token": body["token"], "answer": solve_prompt(body["prompt"])}).get_json()
        client.post("/v1/siteverify", data={"secret": secret, "response": solved["response"]})

    for _ in range(200):  # warm up
        client.get("/healthz")
    return {"GET /healthz": lambda: client.get("/healthz"),
            "captcha flow (3 requests)": flow,
            "GET /metrics": lambda: client.get("/metrics")}


def measure(n: int, redis_url: str, data_dir: str, rounds: int = 10) -> dict[str, list[float]]:
    """Median µs per action for the log off and on, in alternating rounds (so that a
    change in the machine's load falls on both alike)."""
    apps = {False: build(False, redis_url, data_dir), True: build(True, redis_url, data_dir)}
    share = {"GET /healthz": n, "captcha flow (3 requests)": n // 3, "GET /metrics": n // 10}
    samples: dict[str, dict[bool, list[float]]] = {k: {False: [], True: []} for k in share}
    for _ in range(rounds):
        for logged, actions in apps.items():
            for name, action in actions.items():
                samples[name][logged].append(median_us(action, max(1, share[name] // rounds)))
    return {name: [statistics.median(by[False]), statistics.median(by[True])]
            for name, by in samples.items()}


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hr-bench-") as tmp, \
            EmbeddedRedis(Path(tmp)) as server, open(os.devnull, "w") as sink, \
            contextlib.redirect_stderr(sink):
        results = measure(args.n, server.url, tmp)
    print("| request | access log off, median µs | on, median µs | on ÷ off |")
    print("|---|---|---|---|")
    for name, (off, on) in results.items():
        print(f"| {name} | {off:.0f} | {on:.0f} | {on / off:.2f} |")


if __name__ == "__main__":
    main()
