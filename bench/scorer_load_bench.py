"""What loading the shipped model costs a fresh process: wall time and memory, as a ratio to
another checkout's code measured in the same run.

Each measurement is a new ``python -c`` process, run from the checkout's directory (so
its packages are the ones imported), that imports :mod:`model.scorer`, loads
``model/default`` with ``Scorer.load`` and scores one comment, then reports the seconds
that took, its resident memory (``VmRSS``) and peak (``VmHWM``), and which of
scikit-learn, SciPy and skops it imported. This checkout and ``--compare DIR`` (another
checkout, say ``git archive``d into DIR) take turns, ``--n`` times each; the medians and
their ratios are printed as a Markdown table.

Run: ``.venv/bin/python bench/scorer_load_bench.py --compare DIR [--n 5]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

PROBE = """
import json, sys, time
start = time.perf_counter()
from model.scorer import Scorer
scorer = Scorer.load("model/default")
scorer.score({"comment_content": "Check out my channel http://bit.ly/abc and subscribe"})
seconds = time.perf_counter() - start
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
print(json.dumps({
    "seconds": seconds,
    "rss": int(status["VmRSS"].split()[0]) / 1024,
    "peak": int(status["VmHWM"].split()[0]) / 1024,
    "heavy": sorted({m.split(".")[0] for m in sys.modules} & {"sklearn", "scipy", "skops"}),
}))
"""


def measure(checkout: Path) -> dict[str, object]:
    """One fresh process loading the default model with ``checkout``'s code."""
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=checkout, capture_output=True,
                          text=True, timeout=300, check=True)
    found: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def table(runs: dict[str, list[dict[str, object]]], baseline: str) -> str:
    """The medians of each checkout's runs, and their ratios to the baseline's."""
    def median(name: str, key: str) -> float:
        return statistics.median(float(str(r[key])) for r in runs[name])

    rows = ["| code | load + first score s | × base | RSS MiB | × base | peak RSS MiB | "
            "× base | imported |", "|---|---:|---:|---:|---:|---:|---:|---|"]
    for name in runs:
        cells = [name]
        for key, digits in (("seconds", 2), ("rss", 0), ("peak", 0)):
            value = median(name, key)
            cells += [f"{value:.{digits}f}", f"{value / median(baseline, key):.2f}"]
        heavy = sorted({m for r in runs[name] for m in r["heavy"]})  # type: ignore[attr-defined]
        cells.append(", ".join(heavy) or "none of sklearn, scipy, skops")
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main() -> None:
    """Measure, alternating checkouts, and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compare", type=Path, required=True,
                        help="another checkout, the baseline")
    parser.add_argument("--n", type=int, default=5, help="processes per checkout")
    args = parser.parse_args()
    checkouts = {args.compare.resolve().name: args.compare.resolve(), "this checkout": REPO}
    runs: dict[str, list[dict[str, object]]] = {name: [] for name in checkouts}
    for i in range(args.n):
        for name, path in checkouts.items():
            runs[name].append(measure(path))
            print(f"run {i + 1} {name}: {runs[name][-1]}", file=sys.stderr)
    print(table(runs, baseline=args.compare.resolve().name))
    print(f"\nmedian of {args.n} fresh processes each, taking turns.")


if __name__ == "__main__":
    main()
