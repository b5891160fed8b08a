"""CPU per request of the hot endpoints with several threads calling the app at once.

gunicorn's threaded worker calls the WSGI app from four threads of one process, which
take turns holding the GIL; every system call that lets go of it hands it to another
thread, and the caller then waits to win it back. Here as many threads call the app
directly (no HTTP, no gunicorn), against an embedded Redis, and the process's CPU time
per request is reported for each endpoint and for a bare Flask app with one JSON route
(``bench/bare_flask.py``), and beside each its ratio to the bare app's in the same
process: processes on this machine drift by a fifth from one to the next, and the ratio
much less. Each measurement runs in a fresh child process; with ``--compare DIR`` a
second child imports another checkout's code (``git archive`` one into DIR), and the
rounds alternate between the two. Medians over the rounds.

With ``--hand-overs`` it counts instead how often each request lets go of the GIL (a
system call, a C function that releases it): under load each release can hand the GIL to
another thread, and the request waits to win it back. ``--where`` says which C functions
do (and where they are called from), per request. Rate limits are off unless
``--limits`` turns them on, every budget too large for the run to spend (as the load
bench's ``--limits``), so that each request pays for its budgets.

Run: ``.venv/bin/python bench/threads_bench.py [--threads 4] [--requests 4000]
[--rounds 3] [--compare DIR] [--limits] [--hand-overs | --where]``.
"""

from __future__ import annotations

import argparse
import collections
import io
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# The shared request makers, from this script's folder (the code measured is the one on
# PYTHONPATH, which --compare points at another checkout).
from apps import ENDPOINTS, call

REPO = Path(__file__).resolve().parent.parent
# The switch interval while hand-overs are counted: long enough that a request's own CPU
# time is a small part of it.
HAND_OVER_INTERVAL = 0.02


def _cpu_us(app: Any, environs: Iterator[dict[str, Any]], threads: int) -> float:
    """Process CPU µs per request while ``threads`` threads call ``app`` with each of
    ``environs``."""
    lock = threading.Lock()
    requests = 0

    def worker() -> None:
        nonlocal requests
        while True:
            with lock:
                environ = next(environs, None)
                if environ is None:
                    return
                requests += 1
            call(app, environ)

    started = time.process_time()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return (time.process_time() - started) / requests * 1e6


def _hand_overs(app: Any, environs: Iterator[dict[str, Any]]) -> float:
    """How many times per request the app lets go of the GIL, called from one thread
    while another, pure-Python thread always waits for it.

    Each time the request lets go (a system call, a C function that releases the GIL),
    the waiting thread takes the GIL and keeps it for a whole switch interval, made long
    here (:data:`HAND_OVER_INTERVAL`): a request's wall time, over the interval, counts
    its releases (plus its own CPU time over the interval, a few hundredths).
    """
    kept = sys.getswitchinterval()
    stop = threading.Event()

    def wait_for_the_gil() -> None:
        while not stop.is_set():
            pass

    waiting = threading.Thread(target=wait_for_the_gil)
    sys.setswitchinterval(HAND_OVER_INTERVAL)
    waiting.start()
    try:
        started, count = time.perf_counter(), 0
        for environ in environs:
            call(app, environ)
            count += 1
        elapsed = time.perf_counter() - started
    finally:
        stop.set()
        waiting.join()
        sys.setswitchinterval(kept)
    return elapsed / count / HAND_OVER_INTERVAL


def _releases(app: Any, environs: Iterator[dict[str, Any]]) -> dict[str, float]:
    """Which C functions let go of the GIL, per request: the hand-overs of
    :func:`_hand_overs`, each put down to the C call during which it happened.

    The calling thread's C calls are timed (``sys.setprofile``); one that lasted over half
    the switch interval let the waiting thread take the GIL, which kept it for the
    interval. Named with the line of Python that made the call.
    """
    kept = sys.getswitchinterval()
    stop = threading.Event()
    started: list[float] = []
    found: collections.Counter[str] = collections.Counter()

    def wait_for_the_gil() -> None:
        while not stop.is_set():
            pass

    def watch(frame: Any, event: str, called: Any) -> None:
        if event == "c_call":
            started.append(time.perf_counter())
        elif event in ("c_return", "c_exception") and started:
            if time.perf_counter() - started.pop() > HAND_OVER_INTERVAL / 2:
                found[f"{_c_name(called)} ← {_place(frame)}"] += 1

    waiting = threading.Thread(target=wait_for_the_gil)
    sys.setswitchinterval(HAND_OVER_INTERVAL)
    waiting.start()
    count = 0
    try:
        sys.setprofile(watch)
        for environ in environs:
            call(app, environ)
            count += 1
    finally:
        sys.setprofile(None)
        stop.set()
        waiting.join()
        sys.setswitchinterval(kept)
    return {where: times / count for where, times in found.most_common()}


def _c_name(function: Any) -> str:
    owner = getattr(function, "__self__", None)
    module = getattr(function, "__module__", None) or type(owner).__module__
    return f"{module}.{getattr(function, '__qualname__', function)}"


def _place(frame: Any) -> str:
    path = frame.f_code.co_filename
    for root in (str(REPO) + "/", "site-packages/"):
        path = path.split(root)[-1]
    return f"{path}:{frame.f_lineno}"


def child(threads: int, requests: int, hand_overs: bool = False, where: bool = False,
          limits: bool = False) -> dict[str, Any]:
    """Measure every endpoint once in this process (the code on ``sys.path``): CPU µs
    per request, with ``hand_overs`` the GIL's hand-overs per request, or with ``where``
    the C functions they happen in."""
    import bare_flask
    from apps import bench_app, limits_config, requests_of

    with bench_app("hr-threads-", **limits_config(limits)) as (app, state, site, secret):
        bare = bare_flask.create_app()
        makers = requests_of(app, state, site, secret)
        # The access lines. Counting hand-overs, they go to memory: a file's write lets
        # go of the GIL, and requests that slow are too far apart for lines to gather.
        in_memory = hand_overs or where
        errors, sys.stderr = sys.stderr, io.StringIO() if in_memory else open(os.devnull, "w")
        try:
            results: dict[str, Any] = {}
            for name, make in makers.items():
                target = bare if name.startswith("bare") else app
                for _ in range(200):
                    call(target, make())
                environs = [make() for _ in range(requests)]
                if where:
                    results[name] = _releases(target, iter(environs))
                elif hand_overs:
                    results[name] = _hand_overs(target, iter(environs))
                else:
                    results[name] = _cpu_us(target, iter(environs), threads)
        finally:
            sys.stderr.close()
            sys.stderr = errors
        return results


def _measure(code: Path, threads: int, requests: int, hand_overs: bool, where: bool = False,
             limits: bool = False) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", "--threads", str(threads),
         "--requests", str(requests), *(["--hand-overs"] if hand_overs else []),
         *(["--where"] if where else []), *(["--limits"] if limits else [])],
        env={**os.environ, "PYTHONPATH": str(code)}, cwd=code, capture_output=True, text=True,
        check=False)
    if done.returncode:
        raise SystemExit(f"measuring {code} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def table(runs: dict[str, list[dict[str, float]]], unit: str, ratios: bool) -> str:
    """The Markdown table of each code's medians over its rounds; with ``ratios``, each
    beside the median of its ratio to the bare app measured in the same process (which
    the machine's drift from one process to the next moves far less), and the first
    code's ratio over the second's."""
    names = list(runs)
    head = ["endpoint"]
    for name in names:
        head += [f"{name}, {unit}", *(["× bare"] if ratios else [])]
    if ratios and len(names) > 1:
        head.append(f"{names[0]} ÷ {names[1]}, × bare")
    rows = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for endpoint in ENDPOINTS:
        cells: list[str] = []
        relative = []
        for name in names:
            median = statistics.median(r[endpoint] for r in runs[name])
            cells.append(f"{median:,.0f}" if ratios else f"{median:.1f}")
            if ratios:
                relative.append(statistics.median(r[endpoint] / r[ENDPOINTS[0]]
                                                  for r in runs[name]))
                cells.append(f"{relative[-1]:.2f}")
        if ratios and len(names) > 1:
            cells.append(f"{relative[0] / relative[1]:.2f}")
        rows.append(f"| {endpoint} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--requests", type=int, default=4000,
                        help="requests per endpoint and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--compare", type=Path, default=None,
                        help="another checkout, measured in alternate rounds")
    parser.add_argument("--hand-overs", action="store_true",
                        help="count the GIL's hand-overs per request instead (one thread; "
                             "--requests 25 is plenty)")
    parser.add_argument("--where", action="store_true",
                        help="which C functions let go of the GIL, per request (one thread, "
                             "one round; --requests 50 is plenty)")
    parser.add_argument("--limits", action="store_true",
                        help="rate limits on, every budget too large to spend (as the load "
                             "bench's --limits)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.threads, args.requests, args.hand_overs, args.where,
                               args.limits)))
        return
    if args.where:
        found = _measure(REPO, 1, args.requests, hand_overs=False, where=True,
                         limits=args.limits)
        print("| endpoint | C function ← called from | releases per request |")
        print("|---|---|---:|")
        for endpoint in ENDPOINTS:
            for place, per_request in found[endpoint].items():
                print(f"| {endpoint} | `{place}` | {per_request:.2f} |")
        print(f"\none thread, another always waiting for the GIL, {args.requests} requests "
              "per endpoint; releases that no hand-over followed are not seen.")
        return
    unit = "GIL hand-overs/request" if args.hand_overs else "CPU µs/request"
    codes = {"now": REPO}
    if args.compare is not None:
        codes[args.compare.resolve().name] = args.compare.resolve()
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in codes}
    for round_number in range(1, args.rounds + 1):
        for name, code in codes.items():
            runs[name].append(_measure(code, args.threads, args.requests, args.hand_overs,
                                       limits=args.limits))
            print(f"round {round_number} {name}: " + ", ".join(
                f"{k} {v:.0f}" for k, v in runs[name][-1].items()), file=sys.stderr)
    print(table(runs, unit, ratios=not args.hand_overs))
    who = ("one thread, another always waiting for the GIL" if args.hand_overs
           else f"{args.threads} threads")
    print(f"\n{who}, {args.requests} requests per endpoint, median of "
          f"{args.rounds} rounds, each in a fresh process; rate limits "
          + ("on, every budget too large to spend." if args.limits else "off."))


if __name__ == "__main__":
    main()
