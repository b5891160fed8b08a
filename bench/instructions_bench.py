"""Instructions per request of the hot endpoints: a count that does not wander with the
machine's load.

Requests per second and CPU time on a shared 2-core machine move by a tenth from one run
to the next, more than most single changes to a request's path save. The number of
machine instructions a request executes hardly moves at all: measured with Valgrind's
``callgrind`` tool (Debian package ``valgrind``), counting only while the requests run
(not while the app is built or warmed), it comes out the same to within a fraction of a
percent every time. It does not weigh instructions by how long they take (a cache miss,
a hash in one instruction of the CPU's own), and it leaves out what happens in the
kernel and in Redis; what it catches is Python work added or removed.

Each endpoint is measured in a fresh process under Valgrind: the app (on an embedded
Redis, rate limits off unless ``--limits``) is built and warmed with 200 requests, the
requests are made (siteverify's tokens minted), and only then are instructions counted,
for ``--requests`` calls of the WSGI app from one thread, as gunicorn's threads call it.
The bare Flask app of ``bench/bare_flask.py`` is the baseline. With ``--compare DIR``
each endpoint is measured again with another checkout's code (``git archive`` one into
DIR).

The counting is switched on and off by Valgrind's client requests, from a few lines of C
compiled here with ``gcc`` against ``<valgrind/callgrind.h>`` (both on a Debian machine
with ``valgrind`` and ``gcc`` installed).

Run: ``.venv/bin/python bench/instructions_bench.py [--requests 300] [--compare DIR]
[--limits] [--only TEXT]``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from apps import ENDPOINTS

REPO = Path(__file__).resolve().parent.parent
WARM_UP = 200
_SWITCH = r"""
#include <valgrind/callgrind.h>
void counting_on(void) { CALLGRIND_ZERO_STATS; CALLGRIND_START_INSTRUMENTATION; }
void counting_off(void) { CALLGRIND_DUMP_STATS; CALLGRIND_STOP_INSTRUMENTATION; }
"""
_TOTAL = re.compile(rb"^totals:\s+(\d+)", re.M)


def child(endpoint: str, requests: int, switch: str, limits: bool) -> None:
    """Make ``requests`` calls of ``endpoint`` with the counting on (run under Valgrind)."""
    import ctypes

    import bare_flask
    from apps import bench_app, call, limits_config, requests_of

    with bench_app("hr-instructions-", **limits_config(limits)) as (app, state, site, secret):
        make = requests_of(app, state, site, secret)[endpoint]
        target = bare_flask.create_app() if endpoint.startswith("bare") else app
        errors, sys.stderr = sys.stderr, open(os.devnull, "w")  # the access lines
        try:
            for _ in range(WARM_UP):
                call(target, make())
            environs = [make() for _ in range(requests)]
            counting = ctypes.CDLL(switch)
            counting.counting_on()
            for environ in environs:
                call(target, environ)
            counting.counting_off()
        finally:
            sys.stderr.close()
            sys.stderr = errors


def build_switch(into: Path) -> Path:
    """The shared library whose two functions switch Valgrind's counting on and off."""
    source, library = into / "switch.c", into / "switch.so"
    source.write_text(_SWITCH)
    done = subprocess.run(["gcc", "-O2", "-shared", "-fPIC", "-o", str(library), str(source)],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit("could not build the counting switch (needs gcc and the valgrind "
                         f"package's headers: apt-get install gcc valgrind):\n{done.stderr}")
    return library


def measure(code: Path, endpoint: str, requests: int, switch: Path, tmp: Path,
            limits: bool) -> float:
    """Instructions per request of ``endpoint`` with the service code in ``code``."""
    slug = re.sub(r"\W+", "-", f"{code.name}-{endpoint}").strip("-")
    out = tmp / f"{slug}.out"
    command = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
               f"--callgrind-out-file={out}", sys.executable, __file__, "--child", endpoint,
               "--requests", str(requests), "--switch", str(switch),
               *(["--limits"] if limits else [])]
    done = subprocess.run(command, env={**os.environ, "PYTHONPATH": str(code)}, cwd=code,
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"measuring {endpoint} with {code} failed:\n{done.stderr[-3000:]}")
    # The dump made as the counting stops (the first numbered one) holds the requests;
    # the one Valgrind writes at exit, nothing of them.
    dump = tmp / f"{slug}.out.1"
    found = _TOTAL.search(dump.read_bytes()) if dump.exists() else None
    if found is None or not int(found.group(1)):
        raise SystemExit(f"no instructions counted for {endpoint} with {code}")
    return int(found.group(1)) / requests


def table(counts: dict[str, dict[str, float]], endpoints: list[str]) -> str:
    """The Markdown table: thousands of instructions per request and the ratio to the
    bare app, per code; with two codes, the first's count over the second's."""
    names = list(counts)
    head = ["endpoint"]
    for name in names:
        head += [f"{name}, k instructions/request", "× bare"]
    if len(names) > 1:
        head.append(f"{names[0]} ÷ {names[1]}")
    rows = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for endpoint in endpoints:
        cells = []
        for name in names:
            value, bare = counts[name][endpoint], counts[name][ENDPOINTS[0]]
            cells += [f"{value / 1000:,.0f}", f"{value / bare:.2f}"]
        if len(names) > 1:
            cells.append(f"{counts[names[0]][endpoint] / counts[names[1]][endpoint]:.3f}")
        rows.append(f"| {endpoint} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main() -> None:
    """Measure every endpoint (and the baseline) with each code, and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300,
                        help="requests counted per endpoint (default 300)")
    parser.add_argument("--compare", type=Path, default=None,
                        help="another checkout's code, measured too")
    parser.add_argument("--limits", action="store_true",
                        help="rate limits on, every budget too large to spend")
    parser.add_argument("--only", action="append", default=[], metavar="TEXT",
                        help="only the endpoints whose names contain TEXT (the baseline "
                             "always runs)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="measurements run at once (default: one per core)")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--switch", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.requests, args.switch, args.limits)
        return
    for tool in ("valgrind", "gcc"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed: apt-get install gcc valgrind")
    endpoints = [e for e in ENDPOINTS
                 if e == ENDPOINTS[0] or not args.only or any(t in e for t in args.only)]
    codes = {"now": REPO}
    if args.compare is not None:
        codes[args.compare.resolve().name] = args.compare.resolve()
    with tempfile.TemporaryDirectory(prefix="hr-instructions-") as tmp_name:
        tmp = Path(tmp_name)
        switch = build_switch(tmp)
        jobs = [(name, endpoint) for endpoint in endpoints for name in codes]
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            found = list(pool.map(lambda job: measure(codes[job[0]], job[1], args.requests,
                                                      switch, tmp, args.limits), jobs))
    counts: dict[str, dict[str, float]] = {name: {} for name in codes}
    for (name, endpoint), value in zip(jobs, found, strict=True):
        counts[name][endpoint] = value
        print(f"{name} {endpoint}: {value:,.0f}", file=sys.stderr)
    print(table(counts, endpoints))
    print(f"\nInstructions executed per request in the app's process (callgrind), "
          f"{args.requests} requests per endpoint from one thread after {WARM_UP} to warm "
          f"up; rate limits {'on, every budget too large to spend' if args.limits else 'off'}.")


if __name__ == "__main__":
    main()
