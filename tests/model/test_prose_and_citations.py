"""Training-only text: Brown Corpus paragraphs as ham rows, and citations added while fitting."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from model.augment import chosen_rows, citation_url, cite_sources
from model.base import data_files, is_brown_corpus
from model.data import load_file
from model.normalize import normalize_text
from model.prose import detokenize, paragraphs, write_prose_file
from model.reputation import Reputation, classify_host

# Tagged paragraphs in the corpus's own format, written for this test.
REPORTAGE = (
    "\n\n\tThe/at council/nn voted/vbd on/in Tuesday/nr to/to keep/vb the/at library/nn "
    "open/jj ,/, and/cc the/at mayor/nn said/vbd ``/`` it/pps is/bez the/at right/jj "
    "thing/nn ''/'' ./. The/at budget/nn for/in next/ap year/nn grows/vbz by/in two/cd "
    "per/in cent/nn ,/, which/wdt the/at treasurer/nn called/vbd modest/jj ./.\n\n"
    "\tToo/ql short/jj ./.\n"
)
RELIGION = "\n\n\t" + " ".join(["Faith/nn and/cc hope/nn"] * 12) + " ./.\n"


def _corpus(root: Path) -> Path:
    root.mkdir()
    (root / "ca01").write_text(REPORTAGE, encoding="latin-1")
    (root / "cd01").write_text(RELIGION, encoding="latin-1")
    (root / "README").write_text("not a corpus file", encoding="latin-1")
    return root


def test_a_tagged_paragraph_reads_as_plain_text() -> None:
    assert detokenize("The/at mayor/nn said/vbd ``/`` no/at ''/'' ,/, then/rb left/vbd ./.") \
        == 'The mayor said "no", then left.'


def test_paragraphs_come_from_the_chosen_categories_and_lengths(tmp_path: Path) -> None:
    root = _corpus(tmp_path / "brown")
    found = paragraphs(root)
    assert len(found) == 1 and found[0].startswith("The council voted on Tuesday")
    assert len(paragraphs(root, "ad")) == 2  # religion only when asked for


def test_the_prose_file_is_ham_and_the_same_every_time(tmp_path: Path) -> None:
    root = _corpus(tmp_path / "brown")
    first = write_prose_file(root, tmp_path, count=5)
    again = (tmp_path / "again")
    again.mkdir()
    second = write_prose_file(root, again, count=5)
    assert first.read_bytes() == second.read_bytes()
    with open(first, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["label"] for r in rows] == ["ham"]
    data = load_file(first)
    assert data.label == [0]


def test_citations_point_only_at_reputable_hosts() -> None:
    rng = random.Random(7)
    for _ in range(300):
        domains = normalize_text("see " + citation_url(rng)).domains
        assert len(domains) == 1 and classify_host(domains[0]) is Reputation.REPUTABLE


def test_citations_go_to_a_seeded_share_of_each_class() -> None:
    labels = [0] * 200 + [1] * 100
    chosen = chosen_rows(labels, seed=3)
    assert chosen == chosen_rows(labels, seed=3) != chosen_rows(labels, seed=4)
    assert sum(1 for i in chosen if labels[i] == 0) == 30  # 15% of the ham
    assert sum(1 for i in chosen if labels[i] == 1) == 3   # 3% of the spam
    texts = [f"comment {i}" for i in range(300)]
    cited = cite_sources(texts, labels, seed=3)
    assert sorted(cited) == chosen
    assert all(cited[i].startswith(texts[i] + " ") for i in chosen)


def test_a_brown_corpus_directory_as_base_data_is_its_prose_file(tmp_path: Path) -> None:
    root = _corpus(tmp_path / "brown")
    assert not is_brown_corpus(root)  # a corpus has the learned-writing files too
    (root / "cj01").write_text(REPORTAGE, encoding="latin-1")
    assert is_brown_corpus(root)
    [found] = data_files([root])
    assert found.name == "brown-corpus-prose.csv"
    assert [found] == data_files([root])  # the same file again, rewritten in place
    assert load_file(found).label == [0, 0]
