"""What the other way to verify (``mode=work``, no arithmetic) costs a bot, as a ratio to
the usual way measured in the same run.

The arithmetic is no obstacle to a script, so what a bot pays either way is the proof
of work. This runs the real app in-process against a real (embedded) Redis with the
shipped puzzle policy, and for each way fetches a challenge, solves it as a script
would (the prompt parsed, the puzzle searched in Python, as ``tests/support/solvers``
does), posts the solution and verifies the response. It reports, per verified solve,
the difficulty, the hashes computed and the bot's CPU seconds, each way's median, and
the ratio of the other way to the usual one. Each solve uses a fresh client address,
so every challenge is a clean visitor's (failures and volume would raise both ways
alike).

Run: ``.venv/bin/python bench/other_way_bench.py [--n 20]``.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the checkout's packages, and tests/ for the solvers

from flask.testing import FlaskClient  # noqa: E402

from service import create_app  # noqa: E402
from service.store.embedded import EmbeddedRedis  # noqa: E402
from tests.support.solvers import solve_pow, solve_prompt  # noqa: E402

ORIGIN = "https://bench.example"


def one_solve(client: FlaskClient, sitekey: str, secret: str, mode: str, address: str
              ) -> dict[str, float]:
    """A verified solve the given way: its difficulty, hashes and the bot's CPU seconds."""
    environ = {"REMOTE_ADDR": address}
    query = f"/v1/challenge?sitekey={sitekey}" + ("&mode=work" if mode == "work" else "")
    challenge = client.get(query, environ_base=environ).get_json()
    start = time.process_time()
    body: dict[str, Any] = {"token": challenge["token"]}
    if mode != "work":
        body["answer"] = solve_prompt(challenge["prompt"])
    counter = solve_pow(challenge["pow"]["salt"], challenge["pow"]["difficulty"])
    body["pow"] = counter
    cpu = time.process_time() - start
    solved = client.post("/v1/solve", json=body, environ_base=environ).get_json()
    verdict = client.post("/v1/siteverify",
                          data={"secret": secret, "response": solved["response"]}).get_json()
    assert verdict["success"] is True, verdict
    return {"bits": challenge["pow"]["difficulty"], "hashes": counter + 1, "cpu": cpu}


def run(n: int) -> dict[str, dict[str, float]]:
    """Median difficulty, hashes and CPU seconds per verified solve, for each way."""
    with tempfile.TemporaryDirectory(prefix="hr-bench-") as tmp, \
            EmbeddedRedis(Path(tmp)) as redis_server:
        app = create_app({
            "SECRET_KEY": [secrets.token_urlsafe(48)], "REDIS_URL": redis_server.url,
            "DATA_DIR": tmp, "RATELIMIT_ENABLED": False,
        })
        state = app.extensions["hedgerow"]
        site, secret = state.sites.add("Bench", [ORIGIN])
        client = app.test_client()
        results: dict[str, dict[str, float]] = {}
        for index, mode in enumerate(("arithmetic", "work")):
            # One /24 network per solve: a clean visitor each time.
            runs = [one_solve(client, site.sitekey, secret, mode, f"10.{index}.{i % 256}.1")
                    for i in range(n)]
            results[mode] = {key: statistics.median(r[key] for r in runs)
                             for key in ("bits", "hashes", "cpu")}
            results[mode]["mean_hashes"] = statistics.mean(r["hashes"] for r in runs)
        state.close()
        return results


def report(results: dict[str, dict[str, float]], n: int) -> str:
    """A markdown table: each way per verified solve, and the other way as × the usual."""
    usual = results["arithmetic"]
    lines = ["| way | bits | median hashes | mean hashes | median bot CPU s | × usual (CPU) |",
             "|---|---:|---:|---:|---:|---:|"]
    for mode, row in results.items():
        lines.append(
            f"| {mode} | {row['bits']:.0f} | {row['hashes']:,.0f} | {row['mean_hashes']:,.0f} "
            f"| {row['cpu']:.3f} | {row['cpu'] / usual['cpu']:.0f} |"
        )
    lines.append(f"\n{n} verified solves each way, fresh client address per solve.")
    return "\n".join(lines)


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20, help="verified solves per way")
    args = parser.parse_args()
    print(report(run(args.n), args.n))


if __name__ == "__main__":
    main()
