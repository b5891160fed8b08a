"""Round trips to Redis per request on the hot paths, with rate limits off and on.

Counted, not timed: each endpoint is called once to warm the worker's caches, then once
more while every request this thread sends to Redis is counted
(``tests/support/round_trips.py``), against a real (embedded) Redis, in-process. With
rate limits on, the budgets a request spends (a challenge spends its client's and its
site's, every rule of each) run at the start of its operation's own script, in the same
round trip (``service/store/budgets.py``); on a Redis Cluster, whose slots a script cannot
span, each rule is one more. A request its spent budget refuses makes one too: the script
that refuses it reports the rule's windows, from which ``Retry-After`` is worked out.
Run: ``.venv/bin/python bench/round_trips.py``.
"""

from __future__ import annotations

import argparse
import sys
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the checkout's packages, and tests/ for the solvers

from bench.apps import ORIGIN, bench_app  # noqa: E402
from tests.support.flow import solution  # noqa: E402
from tests.support.round_trips import counting_round_trips  # noqa: E402

COMMENT = {"comment_content": "Thanks, the pruning tips worked for our hedge.",
           "comment_author": "Ann", "user_ip": "192.0.2.7"}


# Budgets small enough to spend in a few calls: every one two rules, as the defaults are.
SMALL_BUDGETS = {f"RATELIMIT_{scope}": "2/minute;50/hour" for scope in (
    "CHALLENGE", "CHALLENGE_SITE", "SOLVE", "SOLVE_SITE", "SITEVERIFY", "COMMENT_CHECK")}


def count(limits: bool, refused: bool = False) -> dict[str, int]:
    """Round trips of each hot endpoint's second call; with ``refused``, of a call its
    spent budget refuses (budgets of two a minute, spent by the calls before)."""
    config = {"RATELIMIT_ENABLED": limits, **(SMALL_BUDGETS if refused else {})}
    with bench_app("hr-trips-", **config) as (app, state, site, secret):
        client: Any = app.test_client()
        challenge = f"/v1/challenge?sitekey={site.sitekey}"
        if refused:  # what would answer or be refused: a spent budget refuses either way
            answers = iter([{"token": "x.y.z", "answer": 1}] * 4)
            responses = iter(["x.y.z"] * 4)
        else:
            answers = iter([solution(client.get(challenge).json) for _ in range(2)])
            responses = iter([client.post("/v1/solve", json=solution(client.get(challenge).json))
                              .json["response"] for _ in range(2)])
        akismet = urllib.parse.urlencode({**COMMENT, "api_key": secret, "blog": ORIGIN})
        calls: dict[str, Callable[[], Any]] = {
            "GET /v1/challenge": lambda: client.get(challenge),
            "POST /v1/solve": lambda: client.post("/v1/solve", json=next(answers)),
            "POST /v1/siteverify": lambda: client.post(
                "/v1/siteverify", data={"secret": secret, "response": next(responses)}),
            "POST /v1/comment-check": lambda: client.post(
                "/v1/comment-check", json=COMMENT,
                headers={"Authorization": f"Bearer {secret}"}),
            "POST /1.1/comment-check": lambda: client.post(
                "/1.1/comment-check", data=akismet,
                content_type="application/x-www-form-urlencoded"),
        }
        found = {}
        for name, call in calls.items():
            for _ in range(3 if refused else 1):  # the third is the first refused
                call()
            with counting_round_trips() as counter:
                reply = call()
            answered = (reply.status_code == 429 or reply.text == "invalid" if refused
                        else reply.status_code == 200)
            if not answered:
                raise RuntimeError(f"{name} answered {reply.status_code}: {reply.text}")
            found[name] = counter.count
        state.close()
        return found


def main() -> None:
    """Print the table of round trips per endpoint."""
    argparse.ArgumentParser(description=__doc__).parse_args()
    off, on, over = count(limits=False), count(limits=True), count(True, refused=True)
    print("| endpoint | round trips, rate limits off | with the default rate limits "
          "| refused by a spent budget |")
    print("|---|---:|---:|---:|")
    for name in off:
        print(f"| {name} | {off[name]} | {on[name]} | {over[name]} |")


if __name__ == "__main__":
    main()
