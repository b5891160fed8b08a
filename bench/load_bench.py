"""Requests per second and latency of the hot endpoints under load, against bare Flask.

Starts a Redis server (Debian's ``redis-server`` on a loopback port), ``hedgerow serve``
as in production (its default workers and threads, rate limits off so that the measured
work is the endpoint's own) and a bare Flask app with one JSON route on the same gunicorn
setup (``bench/bare_flask.py``), then drives each with ``wrk`` (Debian package ``wrk``) in
interleaved rounds: in every round each endpoint (with ``--compare``, on both servers)
between two runs of the bare app. Each endpoint's requests/s, p50 and p99 are reported
as the median over the rounds, and as ratios to the bare app's runs on either side of it
(the median of those ratios; beside it, from six rounds on, the range that holds the
median of what the rounds sample with 95 % confidence whatever their distribution
(``bench/rounds.py``); and the lowest and highest of them: how far one round strays
from another). The bare app's own speed wanders on a shared machine (from
2,887 to 4,844 requests/s from one round to the next in one run), and a ratio to the
runs just before and after it is not moved by how fast the machine was a minute
earlier, as a ratio to one bare run at the start of the round was. So is the CPU
time the server's workers spent per request (from ``/proc``), which the load of other
processes on the machine moves less than it moves requests/s, and beside it the context
switches their threads made per request (a thread that waits, for Redis, the GIL or a
socket, gives up its core; one preempted has it taken), and the CPU time the Redis
server spent per request, and wrk's own, both of which on one machine come out of the
same cores. After the rounds, each server's workers' RSS and PSS are read from
``/proc/PID/smaps_rollup``.

``POST /v1/solve`` and ``POST /v1/siteverify`` spend single-use tokens, so each round
gets a fresh pool, minted in this process with the server's key before the round: correct
answers to challenges (with a one-bit proof of work, so that its check runs) and response
tokens as a solve would sign them. Every request in the pool succeeds once; a reply that
is not ``"success":true`` is counted, and so is running out of the pool. The JSON
comment check runs for two sites: one that never sent feedback, and one whose moderators
sent a few verdicts before the rounds (:func:`teach`), whose checks go through its own
adaptation layer as every site's do once it teaches the service.

With ``--compare DIR``, a second ``hedgerow serve`` runs the code of another checkout (say
the previous release, ``git archive``d into DIR) on the same Redis, and its endpoints are
measured in the same rounds, marked "(DIR's name)": a before-and-after from one run. Each
endpoint runs on the two servers one after the other, the first of the two taking turns
from round to round (:func:`round_order`). ``--workers`` and ``--threads`` set both
servers' setup (the service's through ``HEDGEROW_WORKERS`` and ``HEDGEROW_THREADS``), and
``--compare-env`` can give the other server another: ``--compare . --compare-env
HEDGEROW_THREADS=1`` measures the same code on one thread a worker, in the same rounds.

With ``--profile DIR``, each endpoint then gets one more run while ``py-spy`` samples one
of the service's workers, writing a flame graph per endpoint into DIR.

``--only TEXT`` measures only the endpoints whose name contains TEXT.

``--limits`` turns rate limits on, every budget two rules as the defaults are but too
large for the run to spend (``100000000/minute;100000000/hour``), so that each request
pays for its budgets as it does in production; ``--write`` then fills the second table.

``--redis unix`` puts Redis on a Unix socket, as ``hedgerow serve`` reaches the Redis it
embeds, instead of a loopback TCP port.
Run: ``.venv/bin/python bench/load_bench.py [--rounds 3] [--seconds 5] [--write]
[--profile docs/profiles] [--only challenge] [--redis unix]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the checkout's packages, and tests/ for the solvers

from bench.apps import BUDGETS, ORIGIN, UNSPENDABLE, verdicts  # noqa: E402
from bench.rounds import ROUND_TRIP, held, median, round_trip_table  # noqa: E402
from service.captcha.flow import Captcha  # noqa: E402
from service.captcha.proof_of_work import Policy  # noqa: E402
from service.config import Settings  # noqa: E402
from service.signing import Purpose, TokenSigner, new_nonce  # noqa: E402
from service.sites.registry import SiteRegistry  # noqa: E402
from service.store.embedded import terminate  # noqa: E402
from service.store.redis_store import Store, connect  # noqa: E402
from tests.support.processes import wait_until_ok  # noqa: E402
from tests.support.solvers import solve_pow, solve_prompt  # noqa: E402

RESULTS = REPO / "docs" / "benchmarks.md"
MARKER = "<!-- load-bench -->"
LIMITS_MARKER = "<!-- load-bench-limits -->"
POOL_SCRIPT = Path(__file__).resolve().parent / "wrk" / "pool.lua"
PREFIX = "loadbench"
WRK_THREADS = 2
WRK_CONNECTIONS = 32
COMMENT = {
    "comment_content": "Thanks for the write-up, the part about pruning hawthorn in late "
                       "winter was new to me. We did the same in our lane last year, see "
                       "https://example.org/hedges for photos.",
    "comment_author": "Ann Example",
    "comment_author_email": "ann@example.org",
    "user_ip": "192.0.2.7",
    "user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
}


def teach(base: str, secret: str) -> None:
    """Send the spam verdicts of :func:`bench.apps.verdicts` for the site of ``secret`` to
    the service at ``base``."""
    for body in verdicts():
        request = urllib.request.Request(
            base + "/v1/feedback", body, method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {secret}"})
        with urllib.request.urlopen(request, timeout=10) as reply:
            if reply.status != 201:
                raise RuntimeError(f"feedback: {reply.status} {reply.read()[:200]!r}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ok(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    wait_until_ok(process, url, log.read_text, timeout=90)


def _start(args: list[str], env: dict[str, str], log: Path, cwd: Path | None = None
           ) -> subprocess.Popen[bytes]:
    with log.open("w") as out:
        return subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, cwd=cwd)


@dataclass(frozen=True)
class Target:
    """One thing wrk drives: a URL, a method and where its bodies come from."""

    name: str
    url: str
    method: str = "GET"
    content_type: str = "-"
    authorization: str = "-"
    success: str = ""
    bodies: Callable[[int], list[str]] | None = None  # a fresh pool of this many
    server_pid: int | None = None  # whose workers' CPU time the run is charged with


def run_wrk(target: Target, seconds: float, pool: int, tmp: Path,
            redis_pid: int | None = None) -> dict[str, Any]:
    """One wrk run; its summary from ``bench/wrk/pool.lua``, with the CPU time the
    target's workers (and the Redis server ``redis_pid``) spent per request."""
    body_file = "-"
    if target.bodies is not None:
        path = tmp / f"{target.name.replace('/', '_').replace(' ', '_')}.bodies"
        path.write_text("\n".join(target.bodies(pool)) + "\n", encoding="utf-8")
        body_file = str(path)
    command = [
        "wrk", f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{max(1, round(seconds))}s",
        "--timeout", "10s",
        "-s", str(POOL_SCRIPT), target.url, "--", body_file, target.method,
        target.content_type, target.authorization, target.success, str(WRK_THREADS),
    ]
    workers = _children(target.server_pid) if target.server_pid else []
    redis = [redis_pid] if redis_pid else []
    cpu_before, switches_before = _cpu_seconds(workers), _switches(workers)
    redis_before = _cpu_seconds(redis)
    wrk_before = _children_cpu_seconds()
    run = subprocess.run(command, capture_output=True, text=True)
    wrk_after = _children_cpu_seconds()
    cpu_after, switches_after = _cpu_seconds(workers), _switches(workers)
    redis_after = _cpu_seconds(redis)
    if run.returncode != 0:
        raise RuntimeError(f"wrk failed: {run.stdout}{run.stderr}")
    out = run.stdout
    line = next(x for x in reversed(out.splitlines()) if x.startswith("{"))
    result: dict[str, Any] = json.loads(line)
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["cpu_us"] = (cpu_after - cpu_before) * 1e6 / max(1, result["requests"])
    result["switches"] = (switches_after - switches_before) / max(1, result["requests"])
    result["redis_us"] = (redis_after - redis_before) * 1e6 / max(1, result["requests"])
    result["wrk_us"] = (wrk_after - wrk_before) * 1e6 / max(1, result["requests"])
    return result


def _children_cpu_seconds() -> float:
    """CPU time of this process's children that have ended and been waited for: each wrk
    run's own, the servers' not (they run until the end)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _switches(pids: list[int]) -> int:
    """Context switches the processes' threads have made so far (given up and taken
    away), summed: each wait for Redis, for the GIL or for a socket is one or two."""
    total = 0
    for pid in pids:
        for status in Path(f"/proc/{pid}/task").glob("*/status"):
            try:
                text = status.read_text()
            except FileNotFoundError:  # a thread that ended meanwhile
                continue
            total += sum(int(line.split()[1]) for line in text.splitlines()
                         if line.startswith(("voluntary_ctxt_switches",
                                             "nonvoluntary_ctxt_switches")))
    return total


def _cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used so far, summed."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def round_order(targets: list[Target], round_no: int) -> list[Target]:
    """The order of one round's runs: the bare app's one-round-trip route, then each
    endpoint on every server in turn (the service, then the one compared, the servers'
    order reversed every other round), with a run of the bare app (``targets[0]``) before
    the first, between each of them and after the last.

    Which server runs first moves the figures: measured one after the other, the second
    came out ahead by 3–9 % whichever code it ran. Side by side and taking turns, neither
    gains from its place, and each pair runs close together in time, between the same
    two runs of the bare app (:func:`with_references`).
    """
    bare, round_trip, rest = targets[0], targets[1], targets[2:]
    servers = sorted({t.server_pid for t in rest}, key=[t.server_pid for t in rest].index)
    per_server = [[t for t in rest if t.server_pid == pid] for pid in servers]
    if round_no % 2:
        per_server.reverse()
    order = [bare, round_trip, bare]
    for side_by_side in zip(*per_server, strict=True):
        order += [*side_by_side, bare]
    return order


def with_references(runs: list[tuple[Target, dict[str, Any]]], bare: Target
                    ) -> list[tuple[Target, dict[str, Any]]]:
    """One round's runs (in order), each with ``"reference"``, what its ratios are to: for
    a run of the bare app, itself; for any other, the mean of the bare app's runs just
    before and just after it (the one there is, at an end)."""
    positions = [i for i, (target, _) in enumerate(runs) if target is bare]
    for i, (target, result) in enumerate(runs):
        near = [result] if target is bare else [
            runs[j][1] for j in (max((p for p in positions if p < i), default=None),
                                 min((p for p in positions if p > i), default=None))
            if j is not None]
        result["reference"] = {key: statistics.fmean(r[key] for r in near)
                               for key in ("rps", "p50_us", "p99_us", "cpu_us")}
    return runs


def worker_memory(server_pid: int) -> list[dict[str, float]]:
    """RSS, PSS and USS in MiB of each worker of a server. RSS counts every page a worker
    maps, shared or not; PSS charges each shared page to the processes sharing it in equal
    parts, the fair measure for workers forked from a master that loaded the code and
    model once; USS is the worker's own pages, what one more worker costs."""
    found = []
    for pid in _children(server_pid):
        kib: dict[str, int] = {}
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("Rss", "Pss", "Private_Clean", "Private_Dirty"):
                kib[name] = int(rest.split()[0])
        found.append({"RSS": kib["Rss"] / 1024, "PSS": kib["Pss"] / 1024,
                      "USS": (kib["Private_Clean"] + kib["Private_Dirty"]) / 1024})
    return found


def memory_table(servers: dict[str, int]) -> str:
    """A Markdown table of each server's worker memory, as measured now."""
    rows = ["| server | workers | RSS MiB each | PSS MiB each | USS MiB each |",
            "|---|---:|---:|---:|---:|"]
    for name, pid in servers.items():
        memory = worker_memory(pid)
        columns = [" / ".join(f"{m[k]:.0f}" for m in memory) for k in ("RSS", "PSS", "USS")]
        rows.append(f"| {name} | {len(memory)} | {' | '.join(columns)} |")
    return "\n".join(rows)


class Minter:
    """Fresh single-use requests, signed with the server's key."""

    def __init__(self, store: Store, sites: SiteRegistry, key: str, sitekey: str,
                 secret: str) -> None:
        self.signer = TokenSigner([key])
        self.captcha = Captcha(store, sites, self.signer, 120, 300,
                               Policy(min_bits=1, max_bits=1, volume_bits=1))
        self.sitekey = sitekey
        self.secret = secret

    def solves(self, n: int) -> list[str]:
        """Bodies for ``POST /v1/solve``: a challenge each, correctly answered."""
        site = self.captcha.sites.get(self.sitekey)
        assert site is not None
        bodies = []
        for _ in range(n):
            issued = self.captcha.issue(site, "bench-minter")
            bodies.append(json.dumps({
                "token": issued.token, "answer": solve_prompt(issued.prompt),
                "pow": solve_pow(issued.pow_salt, issued.pow_difficulty),
            }))
        return bodies

    def verifies(self, n: int) -> list[str]:
        """Bodies for ``POST /v1/siteverify``: a response token each, as a solve signs it."""
        now = round(time.time(), 3)
        bodies = []
        for _ in range(n):
            response = self.signer.sign(Purpose.RESPONSE, {
                "n": new_nonce(), "k": self.sitekey, "c": now, "f": now,
                "h": "bench.example", "i": "bench-client",
            })
            bodies.append(urllib.parse.urlencode(
                {"secret": self.secret, "response": response}))
        return bodies


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()]


def profile(targets: list[Target], server_pid: int, args: argparse.Namespace, tmp: Path
            ) -> None:
    """One more run per target while py-spy samples one worker: a flame graph each."""
    args.profile.mkdir(parents=True, exist_ok=True)
    worker = _children(server_pid)[0]
    for target in targets:
        slug = target.name.split(" ")[1].strip("/").replace("/", "-").replace(".", "")
        out = args.profile / f"{slug}.svg"
        spy = subprocess.Popen(
            [args.py_spy, "record", "--pid", str(worker), "--duration", str(args.seconds),
             "--rate", "250", "--nonblocking", "--output", str(out), "--format", "flamegraph"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        run_wrk(target, args.seconds, args.pool, tmp)
        spy.wait(timeout=60)
        print(f"profile: {out}", file=sys.stderr)


def table(results: dict[str, list[dict[str, Any]]]) -> str:
    """The Markdown table of medians, and median ratios to each run's bare reference
    (:func:`with_references`)."""
    rows = ["| endpoint | req/s | × bare | median's 95 % range | rounds' range | p50 ms "
            "| × bare | p99 ms | × bare | worker CPU µs/req | × bare | switches/req "
            "| Redis CPU µs/req | wrk CPU µs/req | succeeded |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, runs in results.items():
        ratios = {k: [r[k] / r["reference"][k] for r in runs]
                  for k in ("rps", "p50_us", "p99_us", "cpu_us")}
        ratio = {k: median(values) for k, values in ratios.items()}
        ok = sum(r["ok"] for r in runs) / max(1, sum(r["requests"] for r in runs))
        rows.append(
            f"| {name} | {median([r['rps'] for r in runs]):,.0f} | {ratio['rps']:.2f} "
            f"| {held(ratios['rps'])} | {min(ratios['rps']):.2f}–{max(ratios['rps']):.2f} "
            f"| {median([r['p50_us'] for r in runs]) / 1000:.1f} | {ratio['p50_us']:.2f} "
            f"| {median([r['p99_us'] for r in runs]) / 1000:.1f} | {ratio['p99_us']:.2f} "
            f"| {median([r['cpu_us'] for r in runs]):,.0f} | {ratio['cpu_us']:.2f} "
            f"| {median([r['switches'] for r in runs]):.1f} "
            f"| {median([r['redis_us'] for r in runs]):,.0f} "
            f"| {median([r['wrk_us'] for r in runs]):,.0f} | {ok:.1%} |")
    return "\n".join(rows)


def main() -> None:
    """Run the benchmark; print the table (and write it into docs with ``--write``)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--pool", type=int, default=25000,
                        help="single-use requests minted per round and endpoint")
    # As `hedgerow serve` runs with no settings, on both servers.
    parser.add_argument("--workers", type=int, default=Settings.model_fields["WORKERS"].default)
    parser.add_argument("--threads", type=int, default=Settings.model_fields["THREADS"].default,
                        help="threads per worker, on both servers (a --compare checkout "
                             "older than HEDGEROW_THREADS runs its own 4)")
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--profile", type=Path, default=None,
                        help="directory for py-spy flame graphs of one worker per endpoint")
    parser.add_argument("--compare", type=Path, default=None,
                        help="another checkout whose service is measured in the same rounds")
    parser.add_argument("--compare-env", action="append", default=[], metavar="NAME=VALUE",
                        help="environment of the --compare server only (repeatable)")
    parser.add_argument("--py-spy", default=shutil.which("py-spy")
                        or str(Path(sys.executable).with_name("py-spy")))
    parser.add_argument("--limits", action="store_true",
                        help="rate limits on, with budgets no run can spend")
    parser.add_argument("--only", action="append", default=[], metavar="TEXT",
                        help="measure only the endpoints whose name contains TEXT "
                             "(repeatable; the bare app is always measured)")
    parser.add_argument("--redis", choices=("tcp", "unix"), default="tcp",
                        help="how the servers reach Redis: a loopback TCP port (as to a "
                             "Redis on another host) or a Unix socket (as `hedgerow serve` "
                             "reaches the Redis it embeds)")
    args = parser.parse_args()
    if shutil.which("wrk") is None or shutil.which("redis-server") is None:
        sys.exit("needs wrk and redis-server: apt-get install wrk redis-server")
    # Stopped with SIGTERM, it stops the servers it started too (the `finally` below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    processes: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory(prefix="hedgerow-load-") as tmp_name:
        tmp = Path(tmp_name)
        try:
            if args.redis == "unix":
                # As `hedgerow serve` runs its embedded Redis: on a Unix socket only.
                listen = ["--port", "0", "--unixsocket", str(tmp / "redis.sock"),
                          "--unixsocketperm", "700"]
                redis_url = f"unix://{tmp / 'redis.sock'}"
            else:
                redis_port = _free_port()
                listen = ["--port", str(redis_port), "--bind", "127.0.0.1"]
                redis_url = f"redis://127.0.0.1:{redis_port}/0"
            redis_server = _start(
                ["redis-server", *listen, "--save", "", "--appendonly", "no", "--dir", str(tmp)],
                dict(os.environ), tmp / "redis.log")
            processes.append(redis_server)
            store = Store(connect(redis_url), prefix=PREFIX)
            deadline = time.monotonic() + 20
            while True:
                try:
                    store.ping()
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            sites = SiteRegistry(store)
            site, secret = sites.add("Load bench", [ORIGIN])
            _, learned_secret = sites.add("Load bench, learned", [ORIGIN])
            key = secrets.token_urlsafe(32)

            env = {k: v for k, v in os.environ.items() if not k.startswith("HEDGEROW_")}
            env.update(HEDGEROW_SECRET_KEY=key, HEDGEROW_REDIS_URL=redis_url,
                       HEDGEROW_DATA_DIR=str(tmp / "data"), HEDGEROW_KEY_PREFIX=PREFIX,
                       HEDGEROW_WORKERS=str(args.workers), HEDGEROW_THREADS=str(args.threads),
                       HEDGEROW_RATELIMIT_ENABLED="true" if args.limits else "false")
            if args.limits:
                env.update({f"HEDGEROW_RATELIMIT_{name}": UNSPENDABLE for name in BUDGETS})
            service_port, bare_port = _free_port(), _free_port()
            # Workers and threads from the environment, which --compare-env can change for
            # the other server.
            service = _start([sys.executable, "-m", "service", "serve", "--port",
                              str(service_port)],
                             env, tmp / "serve.log")
            processes.append(service)
            bare = _start([sys.executable, str(Path(__file__).with_name("bare_flask.py")),
                           "--port", str(bare_port), "--workers", str(args.workers),
                           "--threads", str(args.threads),
                           "--redis", redis_url],
                          env, tmp / "bare.log")
            processes.append(bare)
            base = f"http://127.0.0.1:{service_port}"
            _wait_ok(base + "/readyz", service, tmp / "serve.log")
            _wait_ok(f"http://127.0.0.1:{bare_port}/", bare, tmp / "bare.log")

            bases = {"": (base, service.pid)}
            servers = {"hedgerow serve": service.pid, "bare Flask": bare.pid}
            if args.compare is not None:
                other_port = _free_port()
                other_env = {**env, **dict(v.split("=", 1) for v in args.compare_env)}
                other = _start([sys.executable, "-m", "service", "serve", "--port",
                                str(other_port)],
                               other_env, tmp / "other.log", cwd=args.compare.resolve())
                processes.append(other)
                other_url = f"http://127.0.0.1:{other_port}"
                bases[f" ({args.compare.resolve().name})"] = (other_url, other.pid)
                servers[f"hedgerow serve ({args.compare.resolve().name})"] = other.pid
                _wait_ok(other_url + "/readyz", other, tmp / "other.log")
            teach(base, learned_secret)
            minter = Minter(store, sites, key, site.sitekey, secret)
            comment_json = json.dumps(COMMENT)
            akismet = urllib.parse.urlencode({**COMMENT, "api_key": secret, "blog": ORIGIN})
            targets = [Target("bare Flask GET / (baseline)", f"http://127.0.0.1:{bare_port}/",
                              server_pid=bare.pid),
                       Target(ROUND_TRIP,
                              f"http://127.0.0.1:{bare_port}/redis", success='"count"',
                              server_pid=bare.pid)]
            for mark, (url, pid) in bases.items():
                targets += [dataclasses.replace(t, server_pid=pid) for t in [
                    Target("GET /healthz" + mark, url + "/healthz"),
                    Target("GET /v1/challenge" + mark,
                           f"{url}/v1/challenge?sitekey={site.sitekey}", success='"token"'),
                    Target("POST /v1/solve" + mark, url + "/v1/solve", "POST",
                           "application/json", success='"success":true',
                           bodies=minter.solves),
                    Target("POST /v1/siteverify" + mark, url + "/v1/siteverify", "POST",
                           "application/x-www-form-urlencoded", success='"success":true',
                           bodies=minter.verifies),
                    Target("POST /v1/comment-check" + mark, url + "/v1/comment-check", "POST",
                           "application/json", f"Bearer {secret}", '"action"',
                           bodies=lambda n: [comment_json]),
                    Target("POST /1.1/comment-check" + mark, url + "/1.1/comment-check",
                           "POST", "application/x-www-form-urlencoded",
                           bodies=lambda n: [akismet]),
                    Target("POST /v1/comment-check, a site that learned" + mark,
                           url + "/v1/comment-check", "POST", "application/json",
                           f"Bearer {learned_secret}", '"action"',
                           bodies=lambda n: [comment_json]),
                ]]
            if args.only:
                targets = targets[:2] + [t for t in targets[2:]
                                         if any(text in t.name for text in args.only)]
            print("warming up", file=sys.stderr)
            for target in targets:
                run_wrk(target, 1, args.pool // 4, tmp)
            results: dict[str, list[dict[str, Any]]] = {t.name: [] for t in targets}
            for round_no in range(args.rounds):
                runs = []
                for target in round_order(targets, round_no):
                    result = run_wrk(target, args.seconds, args.pool, tmp, redis_server.pid)
                    runs.append((target, result))
                    print(f"round {round_no + 1} {target.name}: {result['rps']:.0f} req/s, "
                          f"p50 {result['p50_us'] / 1000:.1f} ms, "
                          f"p99 {result['p99_us'] / 1000:.1f} ms, ok {result['ok']}"
                          f"/{result['requests']}", file=sys.stderr)
                for target, result in with_references(runs, targets[0]):
                    results[target.name].append(result)
            memory = memory_table(servers)
            if args.profile is not None:
                profile([t for t in targets[2:] if not t.name.endswith(")")], service.pid,
                        args, tmp)
        finally:
            for process in reversed(processes):
                terminate(process, timeout=30)

    text = table(results)
    note = (f"wrk {WRK_THREADS} threads × {WRK_CONNECTIONS} connections, "
            f"{args.seconds:g} s a run, median of {args.rounds} interleaved rounds, each "
            "endpoint between two runs of the bare app; "
            f"{args.workers} workers × {args.threads} thread{'s' if args.threads > 1 else ''}; "
            "Redis on "
            + ("a Unix socket" if args.redis == "unix" else "a loopback TCP port")
            + "; rate limits "
            + (f"on, every budget {UNSPENDABLE}." if args.limits else "off."))
    if ROUND_TRIP in results:
        text += ("\n\nAgainst the bare app's one-round-trip route, round by round:\n\n"
                 + round_trip_table(results))
    text += "\n\nWorker memory after the rounds:\n\n" + memory
    print(text)
    print(note)
    if args.write:
        marker = LIMITS_MARKER if args.limits else MARKER
        doc = RESULTS.read_text(encoding="utf-8")
        head, _, rest = doc.partition(marker)
        _, _, tail = rest.partition(marker)
        RESULTS.write_text(f"{head}{marker}\n{text}\n\n{note}\n{marker}{tail}",
                           encoding="utf-8")


if __name__ == "__main__":
    main()
