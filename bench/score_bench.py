"""Benchmark of batch scoring against an earlier version of the scorer, in the same run.

Run: .venv/bin/python bench/score_bench.py [--baseline REV] [--runs 5] [--repeat 3]
     .venv/bin/python bench/score_bench.py --stages   (where the time goes, this checkout)
Both take [--data-root DIR].

Exports the ``model`` package of git revision REV (default: the commit before the batch
scoring changes) to a temporary directory, then alternates processes scoring the same
10,000 comments with that version and with this checkout's, ``--runs`` times each, so
both see the same machine load. Every process loads the shipped model, warms its caches
on 1,000 other comments (as a running service would be) and times one call of
``score_many`` over the 10,000: with reasons, probabilities only, and the median single
comment. Each process keeps the least of ``--repeat`` measures (wall and CPU time), since
other load only adds time; the table shows the medians over processes and the baseline /
current ratio.

The comments are the YouTube and SMS texts under DIR (default ../shared/data) with their
authors, joined in pairs past the distinct texts, so most are unseen.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The last commit before batch scoring was reworked (cached field evidence, one cache
# lookup per n-gram, word columns gathered per batch, quicker normalisation patterns).
DEFAULT_BASELINE = "8e27c09"


def _comments(root: Path, n: int, seed: int) -> list[dict[str, str]]:
    """``n`` comments with authors: real ones first, then pairs of real ones joined."""
    from model.data import LabelledData, load_file

    data = LabelledData()
    files = sorted((root / "youtube-spam-collection").glob("*.csv"))
    files.append(root / "sms-spam-collection" / "SMSSpamCollection")
    for path in files:
        if path.is_file():
            data.extend(load_file(path))
    pairs = list(dict(zip(data.text, data.author, strict=True)).items()) or [
        (f"comment number {i} about the song", f"reader {i}") for i in range(200)]
    rng = random.Random(seed)
    out = list(pairs[:n])
    while len(out) < n:
        (a, author), (b, _) = rng.choice(pairs), rng.choice(pairs)
        out.append((f"{a} {b}", author))
    rng.shuffle(out)
    return [{"comment_content": text, "comment_author": author} for text, author in out]


def _worker(root: Path, repeat: int) -> None:
    """Time the scorer found on ``sys.path`` and print the timings as JSON."""
    from model.registry import default_artifact_dir
    from model.scorer import Scorer

    comments = _comments(root, 11_000, seed=0)
    warm, batch = comments[:1000], comments[1000:]
    result = {}
    for reasons in (True, False):
        wall, cpu = [], []
        for _ in range(repeat):
            scorer = Scorer.load(default_artifact_dir())  # fresh caches for each measure
            scorer.score_many(warm, reasons=reasons)
            start, start_cpu = time.perf_counter(), time.process_time()
            scorer.score_many(batch, reasons=reasons)
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        name = "reasons" if reasons else "probabilities"
        # The least of the repeats: other load on the machine only ever adds time.
        result[name], result[name + " cpu"] = min(wall), min(cpu)
    times = []
    for comment in warm:
        start = time.perf_counter()
        scorer.score(comment)
        times.append(time.perf_counter() - start)
    result["single"] = statistics.median(times)
    print(json.dumps(result))


def _stages(root: Path, passes: int = 5) -> None:
    """Print where this checkout's scoring time goes: CPU time of each stage over the
    10,000 comments, medians of ``passes`` passes."""
    sys.path.insert(0, str(REPO))  # this checkout's packages, not the installed ones
    from model.features import comment_text, prepare_many
    from model.hashing import BatchGrams
    from model.normalize import normalize_many
    from model.registry import default_artifact_dir
    from model.scorer import Scorer

    comments = _comments(root, 11_000, seed=0)
    warm, batch = comments[:1000], comments[1000:]
    names = ("normalize_many (part of prepare_many)", "prepare_many",
             "n-gram hashing and sums, new n-grams hashed",
             "n-gram hashing and sums, every word n-gram known", "reasons",
             "score_many, with reasons")
    found: dict[str, list[float]] = {name: [] for name in names}
    clock = time.process_time
    for _ in range(passes):
        scorer = Scorer.load(default_artifact_dir())
        scorer.score_many(warm)
        start = clock()
        for i in range(0, len(batch), 1000):
            normalize_many([comment_text(c) for c in batch[i:i + 1000]])
        found[names[0]].append(clock() - start)
        spent = dict.fromkeys(names[1:5], 0.0)
        known = BatchGrams()  # as score_many keeps one for the whole batch
        for i in range(0, len(batch), 1000):
            chunk: list[Mapping[str, object]] = list(batch[i:i + 1000])
            t0 = clock()
            prepared = prepare_many(chunk)
            t1 = clock()
            scorer._decisions(prepared, tokens=True, known=known)  # hashes what is new
            t2 = clock()
            scorer._decisions(prepared, tokens=True, known=known)
            t3 = clock()
            scorer.score_prepared(chunk, prepared, reasons=False, known=known)
            t4 = clock()
            scorer.score_prepared(chunk, prepared, reasons=True, known=known)
            t5 = clock()
            spent[names[1]] += t1 - t0
            spent[names[2]] += t2 - t1
            spent[names[3]] += t3 - t2
            spent[names[4]] += (t5 - t4) - (t4 - t3)
        for name, value in spent.items():
            found[name].append(value)
        scorer = Scorer.load(default_artifact_dir())
        scorer.score_many(warm)
        start = clock()
        scorer.score_many(batch)
        found[names[5]].append(clock() - start)
    print(f"| stage (CPU time, median of {passes} passes) | 10,000 comments | per comment |")
    print("|---|---|---|")
    for name, values in found.items():
        middle = statistics.median(values)
        print(f"| {name} | {middle:.2f} s | {middle * 1e6 / len(batch):.0f} µs |")


def _export(revision: str, into: Path) -> Path:
    """The ``model`` package as it was at ``revision``, written under ``into``."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", revision, "model"],
                             check=True, capture_output=True).stdout
    path = into / "archive.tar"
    path.write_bytes(archive)
    with tarfile.open(path) as tar:
        tar.extractall(into, filter="data")
    return into


def _measure(tree: Path, root: Path, repeat: int) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(tree))
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker",
                           "--data-root", str(root), "--repeat", str(repeat)], cwd=tree,
                          env=env, check=True, capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _shown(value: float, factor: float, unit: str) -> str:
    scaled = value * factor
    return f"{scaled:.2f} {unit}" if unit == "s" else f"{scaled:.0f} {unit}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="git revision to compare")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3,
                        help="measures per process, of which the least is kept")
    parser.add_argument("--data-root", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--stages", action="store_true",
                        help="only print where this checkout's scoring time goes, by stage")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stages:
        _stages(args.data_root)
        return 0
    if args.worker:
        _worker(args.data_root, args.repeat)
        return 0
    with tempfile.TemporaryDirectory(prefix="hedgerow-score-bench-") as tmp:
        old_tree = _export(args.baseline, Path(tmp))
        runs: dict[str, list[dict[str, float]]] = {"baseline": [], "current": []}
        for i in range(args.runs):
            for name, tree in (("baseline", old_tree), ("current", REPO)):
                runs[name].append(_measure(tree, args.data_root, args.repeat))
                print(f"run {i + 1}/{args.runs} {name}: {runs[name][-1]}", file=sys.stderr,
                      flush=True)
    rows = [("10,000 comments, score_many with reasons (wall)", "reasons", 1.0, "s"),
            ("10,000 comments, score_many with reasons (CPU)", "reasons cpu", 1.0, "s"),
            ("10,000 comments, score_many probabilities only (wall)", "probabilities", 1.0, "s"),
            ("10,000 comments, score_many probabilities only (CPU)", "probabilities cpu", 1.0,
             "s"),
            ("single comment with reasons (median of 1,000)", "single", 1e6, "µs")]
    print(f"| measure (median of {args.runs} runs each, alternating) | baseline "
          f"{args.baseline} | current | baseline / current |")
    print("|---|---|---|---|")
    for label, key, factor, unit in rows:
        old = statistics.median(r[key] for r in runs["baseline"])
        new = statistics.median(r[key] for r in runs["current"])
        low = min(r[key] for r in runs["current"])
        high = max(r[key] for r in runs["current"])
        print(f"| {label} | {_shown(old, factor, unit)} | {_shown(new, factor, unit)} "
              f"({_shown(low, factor, unit)} to {_shown(high, factor, unit)}) "
              f"| {old / new:.2f}× |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
