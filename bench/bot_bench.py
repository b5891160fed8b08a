"""What a captcha-solving bot pays per verified solve, end to end against a live server.

The arithmetic is no obstacle to a script (the prompt is text), so what prices a bot is
the proof of work and the rate limits. This starts a real (embedded) Redis and
``hedgerow serve`` on loopback, registers a site, and runs a bot that does what a
script can: reads the prompt, solves the puzzle in Python, posts the answer and has
the site verify the response, waiting out every 429 as told by ``Retry-After``. The
server trusts one proxy hop, as behind the shipped nginx, so the bot and a person are
told apart by ``X-Forwarded-For``.

Two policies run in the same session: the baseline prices failures and request rate
only (volume pricing off, the old 20-bit maximum), the other is the shipped default.
For each: a person's first challenge; the bot's ramp (its first solves, while volume
pricing grows); its steady state (difficulty, hashes and bot CPU seconds per verified
solve, the same work in a browser at 1M hashes/s, verified solves per minute); and its
hour. The hour is compressed: the ramp and a few minutes of steady state are measured,
the rest of the hour is that steady state up to the hourly rate limit, and the end of
the hour is checked by replaying an hour's worth of solves into the store for a fresh
identity and fetching a real challenge.

Run: ``.venv/bin/python bench/bot_bench.py [--minutes 3] [--write]``.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the checkout's packages, and tests/ for the solvers

from service.captcha.clients import ClientIdentifier  # noqa: E402
from service.signing import TokenSigner  # noqa: E402
from service.sites.registry import SiteRegistry  # noqa: E402
from service.store.embedded import EmbeddedRedis, terminate  # noqa: E402
from service.store.redis_store import Store, connect  # noqa: E402
from tests.support.solvers import solve_pow, solve_prompt  # noqa: E402

RESULTS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
MARKER = "<!-- bot-bench -->"
BROWSER_HASHES_PER_SECOND = 1_000_000
ORIGIN = "https://bench.example"
# The shipped defaults this bench reports against (see service/config.py).
HOURLY_BUDGET = 500  # RATELIMIT_SOLVE's hourly part
RAMP_SOLVES = 20 + 2 * (20 - 12)  # free solves, then a bit per two solves from 12 to 20


@dataclass
class Solve:
    """One verified solve."""

    at: float
    difficulty: int
    hashes: int
    cpu: float


@dataclass
class BotRun:
    """Everything one bot identity did."""

    solves: list[Solve] = field(default_factory=list)
    waited: float = 0.0
    started: float = 0.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``hedgerow serve`` with one worker on loopback."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "service", "serve", "--port", str(self.port),
             "--workers", "1"],
            env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"hedgerow serve exited: {log.read_text()}")
            try:
                if requests.get(self.url + "/readyz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("hedgerow serve did not become ready")

    def stop(self) -> None:
        """Stop the server."""
        terminate(self.process, timeout=20)
        self._log.close()


def _retry_after(reply: requests.Response) -> float:
    return float(reply.headers.get("Retry-After", "1"))


class Bot:
    """A script that solves challenges from one address and has them verified."""

    def __init__(self, url: str, sitekey: str, secret: str, address: str) -> None:
        self.url, self.sitekey, self.secret = url, sitekey, secret
        self.http = requests.Session()
        self.http.headers["X-Forwarded-For"] = address
        self.run = BotRun(started=time.monotonic())

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        # Waiting out a 429 costs the bot time, not CPU.
        while True:
            reply = self.http.request(method, self.url + path, timeout=60, **kwargs)
            if reply.status_code != 429:
                return reply
            pause = _retry_after(reply)
            self.run.waited += pause
            time.sleep(pause)

    def challenge(self) -> dict[str, Any]:
        """Fetch a challenge."""
        reply = self._call("GET", "/v1/challenge", params={"sitekey": self.sitekey})
        reply.raise_for_status()
        return reply.json()

    def solve_once(self) -> Solve:
        """Fetch, solve and have verified one challenge."""
        cpu = time.process_time()
        challenge = self.challenge()
        work = challenge["pow"]
        counter = solve_pow(work["salt"], work["difficulty"])
        body = {"token": challenge["token"], "answer": solve_prompt(challenge["prompt"]),
                "pow": counter}
        solved = self._call("POST", "/v1/solve", json=body).json()
        cpu = time.process_time() - cpu
        if not solved.get("success"):
            raise RuntimeError(f"the bot failed a solve: {solved}")
        # The site's backend, not the bot, verifies: its CPU is not the bot's.
        verdict = self._call("POST", "/v1/siteverify",
                             data={"secret": self.secret, "response": solved["response"]})
        if not verdict.json().get("success"):
            raise RuntimeError(f"siteverify refused a solve: {verdict.text}")
        result = Solve(time.monotonic(), int(work["difficulty"]), counter + 1, cpu)
        self.run.solves.append(result)
        return result


def _hour(run: BotRun, ramp: int) -> dict[str, float]:
    """The ramp and steady state of a run, and the hour they make up."""
    ramp_part, steady = run.solves[:ramp], run.solves[ramp:]
    ramp_minutes = (ramp_part[-1].at - run.started) / 60
    steady_minutes = (steady[-1].at - ramp_part[-1].at) / 60
    per_minute = len(steady) / steady_minutes
    hashes = statistics.fmean(s.hashes for s in steady)
    cpu = statistics.fmean(s.cpu for s in steady)
    in_hour = min(HOURLY_BUDGET, ramp + per_minute * max(0.0, 60 - ramp_minutes))
    rest = in_hour - ramp
    hour_hashes = sum(s.hashes for s in ramp_part) + rest * hashes
    hour_cpu = sum(s.cpu for s in ramp_part) + rest * cpu
    return {
        "ramp_minutes": ramp_minutes,
        "ramp_cpu": sum(s.cpu for s in ramp_part),
        "steady_solves": len(steady),
        "steady_bits": statistics.median(s.difficulty for s in steady),
        "steady_bits_min": min(s.difficulty for s in steady),
        "steady_bits_max": max(s.difficulty for s in steady),
        "per_minute": per_minute,
        "hashes": hashes,
        "cpu": cpu,
        "browser": hashes / BROWSER_HASHES_PER_SECOND,
        "hour_solves": in_hour,
        "hour_cpu": hour_cpu,
        "hour_browser_per_solve": hour_hashes / in_hour / BROWSER_HASHES_PER_SECOND,
    }


def measure(name: str, redis_url: str, tmp: Path, key: str, minutes: float,
            extra_env: dict[str, str]) -> dict[str, Any]:
    """Run a person and a bot against one server; returns what they paid."""
    prefix = f"bench-{name}"
    store = Store(connect(redis_url), prefix=prefix)
    site, secret = SiteRegistry(store).add("Bench", [ORIGIN])
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEDGEROW_")}
    env.update(HEDGEROW_SECRET_KEY=key, HEDGEROW_REDIS_URL=redis_url,
               HEDGEROW_DATA_DIR=str(tmp), HEDGEROW_KEY_PREFIX=prefix,
               HEDGEROW_TRUSTED_PROXIES="1", **extra_env)
    server = Server(env, tmp / f"serve-{name}.log")
    try:
        person = Bot(server.url, site.sitekey, secret, "192.0.2.10").challenge()
        bot = Bot(server.url, site.sitekey, secret, "2001:db8:b07:1::1")
        print(f"[{name}] ramp: {RAMP_SOLVES} solves", file=sys.stderr)
        for _ in range(RAMP_SOLVES):
            bot.solve_once()
        deadline = time.monotonic() + minutes * 60
        print(f"[{name}] steady state: {minutes} min", file=sys.stderr)
        while time.monotonic() < deadline or len(bot.run.solves) < RAMP_SOLVES + 3:
            bot.solve_once()
        result = _hour(bot.run, RAMP_SOLVES)
        # The end of the hour, compressed: an hour's budget of solves replayed into the
        # store for a fresh identity in another /64, then one real challenge.
        clients = ClientIdentifier(TokenSigner([key]))
        replayed = "2001:db8:b07:2::1"
        for _ in range(HOURLY_BUDGET - 1):
            store.note_solve(clients.identity(replayed), True)
        hour_end = Bot(server.url, site.sitekey, secret, replayed).challenge()
    finally:
        server.stop()
        store.client.close()
    return {"person_bits": person["pow"]["difficulty"],
            "hour_end_bits": hour_end["pow"]["difficulty"], **result}


def report(base: dict[str, Any], new: dict[str, Any], minutes: float) -> str:
    """A markdown table of both policies, with the ratio of the new to the baseline."""
    rows: list[tuple[str, str, str, str]] = []

    def row(label: str, fmt: str, key: str, ratio: bool = False) -> None:
        ratio_text = f"{new[key] / base[key]:.0f}×" if ratio and base[key] else ""
        rows.append((label, fmt.format(base[key]), fmt.format(new[key]), ratio_text))

    def ramp(r: dict[str, Any]) -> str:
        return f"{r['ramp_minutes']:.1f} min, {r['ramp_cpu']:.1f} s"

    def bits(r: dict[str, Any]) -> str:
        return f"{r['steady_bits']:.0f} ({r['steady_bits_min']}–{r['steady_bits_max']})"

    row("a person's first challenge (bits)", "{}", "person_bits")
    rows.append((f"bot ramp: first {RAMP_SOLVES} solves (wall time, bot CPU)", ramp(base),
                 ramp(new), ""))
    rows.append(("bot steady state: difficulty, bits (median, range)", bits(base), bits(new),
                 ""))
    row("bot steady state: hashes per verified solve", "{:,.0f}", "hashes", ratio=True)
    row("bot steady state: bot CPU s per verified solve (Python)", "{:.3f}", "cpu", ratio=True)
    row("bot steady state: browser s per verified solve (1M hashes/s)", "{:.3f}", "browser",
        ratio=True)
    row("bot steady state: verified solves per minute per identity", "{:.1f}", "per_minute")
    row("bot hour: verified solves per identity", "{:.0f}", "hour_solves")
    row("bot hour: bot CPU s per identity", "{:.0f}", "hour_cpu")
    row("bot hour: browser s per verified solve, averaged", "{:.3f}",
        "hour_browser_per_solve", ratio=True)
    row("end of an hour's budget, replayed (bits)", "{}", "hour_end_bits")
    lines = ["| | baseline: failures and rate only | default: also volume | × |",
             "|---|---:|---:|---:|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    lines += ["", f"Steady state measured over {minutes:g} min after the ramp "
              f"({base['steady_solves']} and {new['steady_solves']} verified solves)."]
    return "\n".join(lines)


def main() -> None:
    """Run both policies and print (or write into docs/benchmarks.md with --write)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=3.0,
                        help="steady-state minutes measured per policy")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    key = secrets.token_urlsafe(48)
    with tempfile.TemporaryDirectory(prefix="hr-bot-") as tmp, \
            EmbeddedRedis(Path(tmp)) as redis_server:
        baseline = measure("baseline", redis_server.url, Path(tmp), key, args.minutes,
                           {"HEDGEROW_POW_FREE_SOLVES": str(10**9),
                            "HEDGEROW_POW_MAX_BITS": "20"})
        default = measure("default", redis_server.url, Path(tmp), key, args.minutes, {})
    table = report(baseline, default, args.minutes)
    print(table)
    if args.write:
        text = RESULTS.read_text(encoding="utf-8")
        before, _, rest = text.partition(MARKER)
        _, _, after = rest.partition(MARKER)
        RESULTS.write_text(f"{before}{MARKER}\n{table}\n{MARKER}{after}", encoding="utf-8")


if __name__ == "__main__":
    main()
