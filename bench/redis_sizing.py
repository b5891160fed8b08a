"""How much Redis Hedgerow uses: keys and bytes per challenge, per site, per feedback entry,
and how much memory one worker process holds.

Everything runs through the real app (Flask's test client) on a real, empty Redis (the
embedded server), with rate limits on, so every key a production request writes is
written. Redis's own ``used_memory`` before and after each phase gives the bytes; the
figures are then scaled to the units operators plan with. The per-worker figures come
from a real ``hedgerow serve`` with two workers, read from ``/proc`` (RSS counts pages a
worker shares with its siblings; PSS divides those shared pages among them).

Run: ``.venv/bin/python bench/redis_sizing.py [--flows 5000] [--sites 2000]
[--feedback 5000]``.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the checkout's packages, and tests/ for the solvers

import redis  # noqa: E402

from service import create_app  # noqa: E402
from service.store.embedded import EmbeddedRedis  # noqa: E402
from tests.support.solvers import solve_pow, solve_prompt  # noqa: E402

ORIGIN = "https://bench.example"
COMMENT = ("Thanks for the write-up. I tried the second approach on our staging cluster and "
           "it cut the rebuild time roughly in half; the only catch was the cache warm-up, "
           "which we handled with a small cron job. Would be curious whether you measured "
           "the cold-start case too.")


def _usage(client: redis.Redis) -> tuple[int, int]:
    info: dict[str, Any] = client.info("memory")  # type: ignore[assignment]
    return int(client.dbsize()), int(info["used_memory"])  # type: ignore[arg-type]


def _phase(client: redis.Redis, run: Any) -> tuple[int, int]:
    keys0, bytes0 = _usage(client)
    run()
    keys1, bytes1 = _usage(client)
    return keys1 - keys0, bytes1 - bytes0


def measure_redis(flows: int, sites: int, feedback: int) -> dict[str, tuple[int, int, int]]:
    """(count, keys added, bytes added) for each kind of work."""
    results: dict[str, tuple[int, int, int]] = {}
    with tempfile.TemporaryDirectory(prefix="hr-size-") as tmp, \
            EmbeddedRedis(Path(tmp)) as server:
        app = create_app({
            "SECRET_KEY": [secrets.token_urlsafe(48)], "REDIS_URL": server.url,
            "DATA_DIR": tmp, "RATELIMIT_ENABLED": True, "ACCESS_LOG": False,
            "POW_MIN_BITS": 1, "POW_MAX_BITS": 1,
            "RATELIMIT_CHALLENGE": "1000000/minute", "RATELIMIT_SOLVE": "1000000/minute",
            "RATELIMIT_CHALLENGE_SITE": "1000000/minute",
            "RATELIMIT_SOLVE_SITE": "1000000/minute",
            "RATELIMIT_SITEVERIFY": "1000000/minute",
            "RATELIMIT_COMMENT_CHECK": "1000000/minute", "FEEDBACK_ENTRIES_PER_DAY": 0,
            "FEEDBACK_BYTES_PER_DAY": 0,
        })
        state = app.extensions["hedgerow"]
        raw = redis.Redis(unix_socket_path=server.url.removeprefix("unix://"))
        http = app.test_client()
        site, secret = state.sites.add("Bench", [ORIGIN])

        def run_flows() -> None:
            for i in range(flows):
                # Ten flows per client network: visitors come back.
                environ = {"REMOTE_ADDR": f"10.{i // 2560 % 256}.{i // 10 % 256}.{i % 10 + 1}"}
                challenge = http.get(f"/v1/challenge?sitekey={site.sitekey}",
                                     headers={"Origin": ORIGIN}, environ_base=environ).get_json()
                body = {"token": challenge["token"],
                        "answer": solve_prompt(challenge["prompt"])}
                if "pow" in challenge:
                    body["pow"] = solve_pow(challenge["pow"]["salt"],
                                            challenge["pow"]["difficulty"])
                solved = http.post("/v1/solve", json=body, headers={"Origin": ORIGIN},
                                   environ_base=environ).get_json()
                verified = http.post("/v1/siteverify", data={
                    "secret": secret, "response": solved["response"]}).get_json()
                assert verified["success"], verified

        def run_sites() -> None:
            for i in range(sites):
                state.sites.add(f"Site {i}", [f"https://site{i}.example"])

        def run_feedback() -> None:
            for i in range(feedback):
                reply = http.post("/v1/feedback", headers={"Authorization": f"Bearer {secret}"},
                                  data={"comment_content": f"{COMMENT} ({i})",
                                        "comment_author": f"Reader {i}",
                                        "comment_author_email": f"reader{i}@example.org",
                                        "user_ip": f"198.51.{i // 256 % 256}.{i % 256}",
                                        "label": "ham" if i % 3 else "spam"})
                assert reply.status_code in (200, 201), reply.get_json()

        for name, count, run in (("challenge flows", flows, run_flows),
                                 ("sites", sites, run_sites),
                                 ("feedback entries", feedback, run_feedback)):
            # Each phase on an empty Redis (but for the one site), so keys that expire
            # during a later phase do not blur its count.
            raw.flushall()
            site, secret = state.sites.add("Bench", [ORIGIN])
            keys, used = _phase(raw, run)
            results[name] = (count, keys, used)
        raw.close()
        state.close()
    return results


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _kib(pid: int, field: str, path: str) -> int:
    for line in Path(f"/proc/{pid}/{path}").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def measure_workers(workers: int = 2) -> list[tuple[int, int]]:
    """(RSS, PSS) in KiB of the master, then each worker, of a real ``hedgerow serve``,
    every worker's model loaded."""
    import requests

    with tempfile.TemporaryDirectory(prefix="hr-size-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HEDGEROW_")}
        env.update(HEDGEROW_SECRET_KEY=secrets.token_urlsafe(48), HEDGEROW_DATA_DIR=tmp,
                   HEDGEROW_ACCESS_LOG="false")
        port = _free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "service", "serve", "--port", str(port), "--workers",
             str(workers)], env=env, cwd=REPO, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
                    if text.count("\nhedgerow_model_loaded{") >= workers:
                        break
                except requests.RequestException:
                    pass
                time.sleep(0.2)
            children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text()
            pids = [int(p) for p in children.split()]
            return [(_kib(pid, "VmRSS", "status"), _kib(pid, "Pss", "smaps_rollup"))
                    for pid in [process.pid, *pids]
                    if "redis" not in Path(f"/proc/{pid}/cmdline").read_text()]
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)


def main() -> None:
    """Print the sizing table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=5000)
    parser.add_argument("--sites", type=int, default=2000)
    parser.add_argument("--feedback", type=int, default=5000)
    args = parser.parse_args()
    scale = {"challenge flows": 1_000_000, "sites": 1_000, "feedback entries": 1_000_000}
    print("| work | measured on | keys per unit | MiB per unit |")
    print("|---|---|---|---|")
    for name, (count, keys, used) in measure_redis(args.flows, args.sites,
                                                   args.feedback).items():
        unit = scale[name]
        print(f"| {unit:,} {name} | {count:,} | {keys / count * unit:,.0f} | "
              f"{used / count * unit / 2**20:,.1f} |")
    processes = measure_workers()
    for i, (rss, pss) in enumerate(processes):
        name = f"worker {i}" if i else "master"
        print(f"{name}: RSS {rss / 1024:.0f} MiB, PSS {pss / 1024:.0f} MiB")
    print(f"all {len(processes)} processes: PSS {sum(p for _, p in processes) / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
