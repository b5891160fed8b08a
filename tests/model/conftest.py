"""Fixtures for the spam-model tests: small labelled files and a tiny trained model."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import pytest

from model.artifact import Artifact, load_artifact
from model.train import train, write_artifact

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"

_SPAM_OPENERS = ["Check out my channel", "Please subscribe to my channel", "Visit my website",
                 "Win a free iPhone at", "Make money from home at", "Hey guys check out"]
_SPAM_TARGETS = ["http://bit.ly/abc{n}", "www.cheap-views{n}.com", "my new video {n}",
                 "and win cash prize {n}!!!", "FREE GIFT CARDS {n}"]
_HAM_OPENERS = ["I love the chorus of this song", "This brings back memories",
                "Her voice is amazing", "Best music video ever", "The dancing is great",
                "Who else is listening in"]
_HAM_ENDINGS = ["so much", "from Brazil", "every morning", "with my sister", "in year {n}"]


def tiny_rows(n: int = 30) -> list[tuple[str, int]]:
    """``n`` distinct spam and ``n`` distinct ham comments, interleaved."""
    spam = [f"{a} {b.format(n=i)}" for i, (a, b) in
            enumerate(itertools.islice(itertools.product(_SPAM_OPENERS, _SPAM_TARGETS), n))]
    ham = [f"{a} {b.format(n=i)}" for i, (a, b) in
           enumerate(itertools.islice(itertools.product(_HAM_OPENERS, _HAM_ENDINGS), n))]
    rows: list[tuple[str, int]] = []
    for s, h in zip(spam, ham, strict=True):
        rows += [(s, 1), (h, 0)]
    return rows


def write_csv(path: Path, rows: list[tuple[str, int]], text: str = "CONTENT",
              label: str = "CLASS") -> Path:
    """Write ``rows`` as a CSV with the given column names."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["COMMENT_ID", "AUTHOR", "DATE", text, label])
        for i, (content, value) in enumerate(rows):
            writer.writerow([f"id{i}", f"user{i}", "", content, value])
    return path


@pytest.fixture
def tiny_csv(tmp_path: Path) -> Path:
    """A small, separable YouTube-style CSV."""
    return write_csv(tmp_path / "tiny.csv", tiny_rows())


@pytest.fixture(scope="session")
def tiny_artifact(tmp_path_factory: pytest.TempPathFactory) -> Artifact:
    """A model trained once on the tiny data, saved and loaded back."""
    root = tmp_path_factory.mktemp("tiny-model")
    data = write_csv(root / "tiny.csv", tiny_rows())
    write_artifact(train([data]), root / "artifact")
    return load_artifact(root / "artifact")
