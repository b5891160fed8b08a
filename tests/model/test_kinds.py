"""The report by kind: counts from given probabilities, and from the shipped model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from model.data import LabelledData
from model.errors import DataError
from model.kinds import (
    KindCount,
    KindedData,
    blog_news_path,
    load_kinded,
    report_by_kind,
    score_by_kind,
)
from model.registry import default_artifact_dir
from model.scorer import Scorer
from model.thresholds import Thresholds

# Rows whose fate under the shipped model is far from either threshold (hold 0.45,
# discard 0.895): accepted below 0.25, held between 0.55 and 0.7, discarded above 0.95.
TINY: list[dict[str, Any]] = [
    {"comment_content": "Agreed, well said.", "label": "ham", "kind": "short_reply"},
    {"comment_content": "Thumbs up from me", "label": "ham", "kind": "short_reply"},
    {"comment_content": "", "label": "ham", "kind": "short_reply"},  # skipped: no text
    {"comment_content": "See the report at https://www.ons.gov.uk/economy for the figures.",
     "label": "ham", "kind": "cited_link"},
    {"comment_content": "My grandfather worked at that mill for forty years.", "label": "ham",
     "kind": "personal_story"},
    {"comment_content": "I love the chorus of this song", "label": "ham",
     "kind": "personal_story"},
    {"comment_content": "Check out my channel http://bit.ly/xyz subscribe!!!", "label": "spam",
     "kind": "link_spam", "obfuscation": "none"},
    {"comment_content": "Great post. Cheap pills at https://pills-now.xyz buy now!!!",
     "label": "spam", "kind": "link_spam", "obfuscation": "none"},
    {"comment_content": "Work from home and earn cash, message me", "label": "spam",
     "kind": "link_free", "obfuscation": "none"},
    {"comment_content": "Nice article, keep it up.", "comment_author": "Cheap Viagra Online",
     "comment_author_url": "http://cheap-viagra-pills.ru", "label": "spam",
     "kind": "author_field_spam", "obfuscation": "author-fields"},
]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _counts(count: KindCount) -> tuple[str, int, int, int, int]:
    return count.name, count.n, count.accepted, count.held, count.discarded


@pytest.fixture(scope="module")
def default_scorer() -> Scorer:
    return Scorer.load(default_artifact_dir())


def _kinded(rows: list[tuple[str, int, str, str]]) -> KindedData:
    data = LabelledData()
    for text, label, _, _ in rows:
        data.append(text, label, "test")
    return KindedData(data=data, kind=[r[2] for r in rows], obfuscation=[r[3] for r in rows],
                      has_obfuscation=True)


def test_counts_per_kind_with_inclusive_thresholds() -> None:
    kinded = _kinded([
        ("a", 0, "short", "none"), ("b", 0, "short", "none"), ("c", 0, "long", "none"),
        ("d", 1, "links", "none"), ("e", 1, "links", "none"), ("f", 1, "hidden", "invisible"),
        ("g", 0, "short", "none"), ("h", 1, "hidden", "invisible"),
    ])
    probabilities = [0.49, 0.5, 0.9, 0.95, 0.1, 0.5, 0.899, 0.9]
    report = report_by_kind(kinded, probabilities, Thresholds(hold=0.5, discard=0.9), "m1")

    assert [_counts(c) for c in report.legitimate] == [("short", 3, 1, 2, 0),
                                                       ("long", 1, 0, 0, 1)]
    assert [_counts(c) for c in report.spam] == [("links", 2, 1, 0, 1),
                                                 ("hidden", 2, 0, 1, 1)]
    assert [_counts(c) for c in report.obfuscation] == [("none", 2, 1, 0, 1),
                                                        ("invisible", 2, 0, 1, 1)]
    assert _counts(report.legitimate_total) == ("all legitimate", 4, 1, 2, 1)
    assert _counts(report.spam_total) == ("all spam", 4, 1, 1, 2)
    assert report.spam_total.rate == 0.75 and report.legitimate[0].caught == 2

    shown = report.as_dict()
    assert (shown["model"], shown["hold"], shown["discard"], shown["n"]) == ("m1", 0.5, 0.9, 8)
    assert shown["spam"][1] == {"kind": "hidden", "n": 2, "accepted": 0, "held": 1,
                                "discarded": 1, "caught": 2, "rate": 1.0}
    assert shown["obfuscation"][0]["obfuscation"] == "none"
    assert shown["totals"]["legitimate"]["rate"] == 0.75

    table = report.format().splitlines()
    assert table[0] == "model m1: held at probability >= 0.5, discarded at >= 0.9"
    assert table[3].split() == ["short", "3", "1", "2", "0", "66.7%"]
    assert "all spam" in report.format() and "spam obfuscation" in report.format()


def test_no_obfuscation_column_means_no_obfuscation_table() -> None:
    kinded = _kinded([("a", 0, "short", "x"), ("b", 1, "links", "y")])
    kinded.has_obfuscation = False
    report = report_by_kind(kinded, [0.1, 0.99], Thresholds(hold=0.5, discard=0.9))
    assert report.obfuscation == [] and "obfuscation" not in report.format()


def test_probabilities_must_match_the_rows() -> None:
    with pytest.raises(ValueError, match="2 probabilities for 1 rows"):
        report_by_kind(_kinded([("a", 0, "k", "none")]), [0.1, 0.2],
                       Thresholds(hold=0.5, discard=0.9))


def test_tiny_file_with_the_shipped_model(tmp_path: Path, default_scorer: Scorer) -> None:
    report = score_by_kind(default_scorer, [write_jsonl(tmp_path / "tiny.jsonl", TINY)])
    assert report.model == "default"
    assert [_counts(c) for c in report.legitimate] == [
        ("short_reply", 2, 2, 0, 0), ("cited_link", 1, 1, 0, 0), ("personal_story", 2, 2, 0, 0),
    ]
    assert [_counts(c) for c in report.spam] == [
        ("link_spam", 2, 0, 0, 2), ("link_free", 1, 0, 1, 0), ("author_field_spam", 1, 0, 0, 1),
    ]
    assert [_counts(c) for c in report.obfuscation] == [("none", 3, 0, 1, 2),
                                                        ("author-fields", 1, 0, 0, 1)]


def test_shipped_set_report_agrees_with_the_models_probabilities(
        default_scorer: Scorer) -> None:
    report = score_by_kind(default_scorer, [blog_news_path()])
    rows = [json.loads(line) for line in
            blog_news_path().read_text(encoding="utf-8").splitlines()]
    hold, discard = default_scorer.hold, default_scorer.discard
    expected: dict[str, list[int]] = {}
    for row in rows:
        p = default_scorer.model_probability(row)
        tally = expected.setdefault(row["kind"], [0, 0, 0, 0])
        tally[0] += 1
        tally[1 if p < hold else 3 if p >= discard else 2] += 1
    found = {c.name: [c.n, c.accepted, c.held, c.discarded]
             for c in report.legitimate + report.spam}
    assert found == expected
    assert report.legitimate_total.n + report.spam_total.n == len(rows)


def test_csv_with_a_kind_column_and_an_empty_row(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("Kind,text,label\nshort,hello,ham\nshort,,ham\nlinks,buy now,spam\n"
                    ",just text,ham\n", encoding="utf-8")
    kinded = load_kinded(path)
    assert kinded.data.text == ["hello", "buy now", "just text"]
    assert kinded.kind == ["short", "links", "unspecified"]
    assert not kinded.has_obfuscation


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("plain.csv", "text,label\nhello,ham\n", "no 'kind' column"),
        ("SMSSpamCollection", "ham\thello\nspam\tbuy\n", "no columns"),
        ("missing.jsonl", None, "no such data file"),
    ],
)
def test_files_without_kinds_are_refused_clearly(tmp_path: Path, name: str,
                                                 content: str | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        load_kinded(path)
