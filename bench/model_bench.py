"""Benchmark of the spam model: scoring latency and throughput, training time, artifact size.

Run: .venv/bin/python bench/model_bench.py [--data-root DIR] [--skip-large]

Prints a Markdown table (the numbers in docs/model.md come from it). Comments come from the
public data under DIR (default ../shared/data); without it, from generated comments.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run from a checkout without installing the package


def _files(root: Path) -> list[Path]:
    files = sorted((root / "youtube-spam-collection").glob("*.csv"))
    files += [root / "sms-spam-collection" / "SMSSpamCollection"]
    files += sorted((root / "spamassassin").glob("*.csv"))
    return [f for f in files if f.is_file()]


def _comments(root: Path, n: int) -> list[dict[str, str]]:
    """``n`` distinct comments: real ones first, then pairs of real ones joined."""
    from model.data import LabelledData, load_file

    data = LabelledData()
    for path in _files(root)[:5]:  # YouTube and SMS: comment-sized texts
        data.extend(load_file(path))
    texts = list(dict.fromkeys(data.text)) or [
        f"comment number {i} about the song" for i in range(200)]
    rng = random.Random(0)
    out = list(texts[:n])
    while len(out) < n:
        out.append(f"{rng.choice(texts)} {rng.choice(texts)}")
    rng.shuffle(out)
    return [{"comment_content": t, "comment_author": "someone"} for t in out]


def _median_us(fn: Callable[[dict[str, str]], object], comments: list[dict[str, str]]) -> float:
    times = []
    for comment in comments:
        start = time.perf_counter()
        fn(comment)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def _resampled_csv(root: Path, rows: int, path: Path) -> Path:
    """``rows`` distinct labelled comments made by joining two real texts of one class."""
    from model.data import LabelledData, load_file

    data = LabelledData()
    for file in _files(root)[:5]:
        data.extend(load_file(file))
    by_class: dict[int, list[str]] = {0: [], 1: []}
    for text, label in zip(data.text, data.label, strict=True):
        by_class[label].append(text)
    rng = random.Random(1)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["CONTENT", "CLASS"])
        for _ in range(rows):
            label = rng.random() < 0.45
            texts = by_class[int(label)]
            writer.writerow([f"{rng.choice(texts)} {rng.choice(texts)}", int(label)])
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--skip-large", action="store_true", help="skip the 100,000-row training")
    args = parser.parse_args()

    from model.artifact import load_artifact
    from model.features import prepare_comment, to_matrix
    from model.registry import default_artifact_dir
    from model.scorer import Scorer
    from model.train import train

    results: list[tuple[str, str]] = []
    directory = default_artifact_dir()
    size = sum(p.stat().st_size for p in directory.iterdir())
    model_size = (directory / "model.skops").stat().st_size
    start = time.perf_counter()
    artifact = load_artifact(directory)
    load_s = time.perf_counter() - start
    scorer = Scorer(artifact)
    results.append(("artifact size (model.skops / whole directory)",
                    f"{model_size / 1e6:.1f} MB / {size / 1e6:.1f} MB"))
    results.append(("artifact load + verify (SHA-256, trusted types)", f"{load_s * 1e3:.0f} ms"))

    comments = _comments(args.data_root, 10_000)
    single = comments[:1000]
    scorer.score_many(single)  # warm the token caches as a running service would be
    pipeline = artifact.pipeline

    def via_pipeline(comment: dict[str, str]) -> object:
        return pipeline.predict_proba(to_matrix([prepare_comment(comment)]))

    lean_us = _median_us(scorer.score, single)
    pipe_us = _median_us(via_pipeline, single[:300])
    results.append(("single comment, lean scorer (median, with reasons)", f"{lean_us:.0f} µs"))
    results.append(("single comment, scikit-learn pipeline (median)", f"{pipe_us:.0f} µs"))
    results.append(("pipeline / lean", f"{pipe_us / lean_us:.1f}×"))

    for processes in (None, 2):
        for reasons in (True, False):
            start = time.perf_counter()
            scorer.score_many(comments, reasons=reasons, processes=processes)
            took = time.perf_counter() - start
            label = "with reasons" if reasons else "probabilities only"
            how = "" if processes is None else f", processes={processes}"
            results.append((f"10,000 comments, score_many ({label}{how})", f"{took:.2f} s"))
    start = time.perf_counter()
    pipeline.predict_proba(to_matrix([prepare_comment(c) for c in comments]))
    results.append(("10,000 comments, pipeline.predict_proba in one batch",
                    f"{time.perf_counter() - start:.2f} s"))

    files = _files(args.data_root)
    if files:
        start = time.perf_counter()
        trained = train(files)
        results.append((f"training on the provided data ({trained.manifest['rows']['trained']:,}"
                        " rows after dedup)", f"{time.perf_counter() - start:.1f} s"))
        if not args.skip_large:
            with tempfile.TemporaryDirectory() as tmp:
                big = _resampled_csv(args.data_root, 100_000, Path(tmp) / "big.csv")
                start = time.perf_counter()
                trained = train([big])
                results.append((f"training on 100,000 resampled rows "
                                f"({trained.manifest['rows']['trained']:,} after dedup)",
                                f"{time.perf_counter() - start:.1f} s"))

    print("| measure | result |")
    print("|---|---|")
    for name, value in results:
        print(f"| {name} | {value} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
