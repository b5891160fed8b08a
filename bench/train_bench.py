"""Benchmark of training at scale: rows per second and peak memory, streamed and in memory.

Run: .venv/bin/python bench/train_bench.py [--data-root DIR] [--sizes 10000,100000,1000000]
     [--in-memory-max 100000]
     .venv/bin/python bench/train_bench.py --quality   (the two paths on the same benchmark)

For each size, writes a temporary CSV of that many labelled comments made by resampling the
public data under DIR (default ../shared/data): two texts of one class joined, a word
dropped now and then, so the rows are distinct. Then trains on it through the real command
(`hedgerow train --no-base --out DIR`), each run in its own process: streamed (`--stream`)
at every size and in memory (`--no-stream`, the baseline) up to ``--in-memory-max`` rows.
Prints a Markdown table: wall time, input rows per second and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run from a checkout without installing the package

_CLI = "from service.cli.main import main; main()"


def _sources(root: Path) -> list[Path]:
    files = sorted((root / "youtube-spam-collection").glob("*.csv"))
    files.append(root / "sms-spam-collection" / "SMSSpamCollection")
    return [f for f in files if f.is_file()]


def synthesise(root: Path, rows: int, path: Path, seed: int = 1) -> Path:
    """Write ``rows`` labelled comments resampled from the public data to ``path``."""
    from model.data import load_file

    by_class: dict[int, list[str]] = {0: [], 1: []}
    for file in _sources(root):
        data = load_file(file)
        for text, label in zip(data.text, data.label, strict=True):
            by_class[label].append(" ".join(text.split()))
    if not by_class[0] or not by_class[1]:
        raise SystemExit(f"no labelled comments under {root}")
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["CONTENT", "CLASS"])
        for _ in range(rows):
            label = int(rng.random() < 0.45)
            texts = by_class[label]
            words = f"{rng.choice(texts)} {rng.choice(texts)}".split()
            if len(words) > 3 and rng.random() < 0.5:
                del words[rng.randrange(len(words))]
            writer.writerow([" ".join(words), label])
    return path


def _run(csv_path: Path, out: Path, stream: bool, data_dir: Path) -> tuple[float, float, dict]:
    """Train through the CLI in a child process: wall seconds, peak RSS (MB), manifest."""
    env = dict(os.environ, HEDGEROW_DATA_DIR=str(data_dir))
    args = [sys.executable, "-c", _CLI, "train", "--no-base", "--data", str(csv_path),
            "--out", str(out), "--stream" if stream else "--no-stream"]
    start = time.perf_counter()
    # The child's progress bar goes to this terminal (stderr); its report is read.
    child = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    took = time.perf_counter() - start
    output = child.stdout.read().decode() if child.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"training failed:\n{output}")
    manifest = json.loads((out / "manifest.json").read_text())
    return took, usage.ru_maxrss / 1024, manifest


def _public_files(root: Path) -> list[Path]:
    files = sorted((root / "youtube-spam-collection").glob("*.csv"))
    files.append(root / "sms-spam-collection" / "SMSSpamCollection")
    files += sorted((root / "spamassassin").glob("*.csv"))
    return [f for f in files if f.is_file()]


def quality(root: Path) -> list[str]:
    """Wrong decisions on the benchmark of the public data, per slice: in memory against
    streamed, both trained on the public data minus that benchmark."""
    from model import benchmark as benchmarks
    from model.scoreboard import results
    from model.stream_train import train_streaming
    from model.train import train, write_artifact

    files = _public_files(root)
    with tempfile.TemporaryDirectory(prefix="hedgerow-train-quality-") as tmp:
        models = Path(tmp)
        bench = benchmarks.save(models, benchmarks.build(files))
        scored = {}
        for name, fit in (("in memory", train), ("streamed", train_streaming)):
            trained = fit(files, benchmark=bench)
            directory = write_artifact(trained, models / name.replace(" ", "-"))
            scored[name] = results(bench, name.replace(" ", "-"), directory)["slices"]
    lines = ["| slice | rows | in memory | streamed |", "|---|---|---|---|"]
    for slice_name, metrics in scored["in memory"].items():
        lines.append(f"| {slice_name} | {metrics['rows']} | {metrics['wrong']} | "
                     f"{scored['streamed'][slice_name]['wrong']} |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--sizes", default="10000,100000,1000000",
                        help="comma-separated row counts")
    parser.add_argument("--in-memory-max", type=int, default=100_000,
                        help="largest size also trained in memory (the baseline)")
    parser.add_argument("--quality", action="store_true",
                        help="instead: wrong decisions on the public data's benchmark, per "
                        "slice, of the in-memory and the streamed path")
    args = parser.parse_args()
    if args.quality:
        print("\n".join(quality(args.data_root)))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]

    lines = ["| rows | how | wall time | rows/s | peak RSS | rows trained "
             "| F1 / ROC AUC (own protocol) |", "|---|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory(prefix="hedgerow-train-bench-") as tmp:
        root = Path(tmp)
        for size in sizes:
            data = synthesise(args.data_root, size, root / f"rows-{size}.csv")
            modes = [True] + ([False] if size <= args.in_memory_max else [])
            for stream in modes:
                out = root / f"model-{size}-{'stream' if stream else 'memory'}"
                took, rss, manifest = _run(data, out, stream, root / "data")
                metrics = manifest["metrics"]
                how = "streamed" if stream else "in memory"
                lines.append(
                    f"| {size:,} | {how} | {took:.1f} s | {size / took:,.0f} | {rss:,.0f} MB | "
                    f"{manifest['rows']['trained']:,} | {metrics['f1']:.3f} / "
                    f"{metrics['roc_auc'] or 0:.3f} |")
                print(lines[-1], file=sys.stderr, flush=True)
            data.unlink()
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
