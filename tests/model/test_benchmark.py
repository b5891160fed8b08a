"""The benchmark: a fixed slice of the data, stored frozen, that training never sees."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from model import benchmark as bm
from model.base import data_files, remember, remembered
from model.data import LabelledData, load_file
from model.errors import DataError
from tests.model.conftest import sms_rows, tiny_rows, write_base, write_csv


def test_the_slice_is_a_fixed_share_of_texts_decided_by_normalised_text() -> None:
    keys = [bm.text_key(f"comment number {i}") for i in range(4000)]
    share = sum(map(bm.in_slice, keys)) / len(keys)
    assert abs(share - bm.SLICE_FRACTION) < 0.02
    # Case, spacing, entities and markup do not move a text out of (or into) the slice.
    same = ["Check out my channel", "  check OUT my   channel ", "Check&#32;out my <b>channel</b>"]
    assert len({bm.text_key(t) for t in same}) == 1
    assert bm.text_key("Check out my channel") != bm.text_key("Check out my chanel")


def test_build_takes_the_slice_of_each_file_as_training_would_see_it(tmp_path: Path) -> None:
    comments = write_csv(tmp_path / "comments.csv", tiny_rows())
    mail = tmp_path / "spam_mail.csv"
    body = "Dear friend, " + "you won a lottery prize, send your bank details. " * 20
    write_csv(mail, [(f"{body} ref {i}", i % 2) for i in range(200)], text="content",
              label="label")
    built = bm.build([comments, mail], evalset_dir=tmp_path / "none")
    expected = sum(bm.in_slice(bm.text_key(t)) for t, _ in tiny_rows())
    assert built.meta["slices"]["comments/comments.csv"]["rows"] == expected
    mail_slice = built.meta["slices"]["email/spam_mail.csv"]
    assert mail_slice["ham"] == 0 and mail_slice["spam"] > 0  # e-mail ham never trains either
    assert all(bm.in_slice(bm.text_key(t)) for t in built.data.text)
    assert set(built.origins) == {bm.BY_RULE}
    assert len(built.id) == 16


def test_feedback_slices_per_site_and_hand_written_rows(tmp_path: Path) -> None:
    feedback = LabelledData()
    for i in range(300):
        feedback.append(f"report {i} about a comment", i % 2, "x")
    hand_dir = tmp_path / "evalsets"
    hand_dir.mkdir()
    (hand_dir / "blog.jsonl").write_text(
        json.dumps({"comment_content": "Nice post\u2028thanks", "label": "ham"},
                   ensure_ascii=False) + "\n"
        + json.dumps({"comment_content": "Cheap pills http://x.example", "label": "spam"})
        + "\n", encoding="utf-8")
    built = bm.build([], feedback={"feedback/Blog": feedback}, evalset_dir=hand_dir)
    assert set(built.slice_names()) == {"feedback/Blog", "evalset/blog"}
    assert built.meta["slices"]["evalset/blog"] == {"rows": 2, "spam": 1, "ham": 1}
    assert built.origins.count(bm.EVALSET) == 2
    assert built.meta["evalsets"]["fingerprint"] == bm.evalset_fingerprint(
        bm.evalset_rows(hand_dir)[0])


def test_saved_benchmark_is_frozen(tmp_path: Path) -> None:
    root = tmp_path / "models"
    built = bm.build(data_files([write_base(tmp_path / "base")]), evalset_dir=tmp_path / "none")
    saved = bm.save(root, built)
    again = bm.load(root)
    assert again is not None and saved.id == again.id == built.id
    assert again.data.text == built.data.text and again.slices == built.slices
    with pytest.raises(DataError, match="already exists"):
        bm.save(root, built)
    rows = root / "benchmark" / bm.ROWS_FILE
    rows.write_text(rows.read_text(encoding="utf-8").replace('"label": 1', '"label": 0', 1),
                    encoding="utf-8")
    with pytest.raises(DataError, match="was changed after the benchmark was made"):
        bm.load(root)
    assert bm.save(root, built, replace=True).id == built.id


def test_a_model_is_known_not_to_have_seen_the_rows_only_by_its_manifest(tmp_path: Path) -> None:
    hand_dir = tmp_path / "evalsets"
    hand_dir.mkdir()
    write_csv(hand_dir / "mine.csv", [("hand written ham", 0), ("hand written spam", 1)])
    built = bm.build([write_csv(tmp_path / "c.csv", tiny_rows())], evalset_dir=hand_dir)
    hand = built.origins.count(bm.EVALSET)
    fingerprint = built.meta["evalsets"]["fingerprint"]
    assert bm.possibly_seen({}, built) == len(built)  # trained before any of this existed
    assert bm.possibly_seen({"held_out": {"rule": bm.RULE}}, built) == hand
    assert bm.possibly_seen({"held_out": {"rule": bm.RULE, "evalsets": fingerprint}}, built) == 0
    assert bm.possibly_seen({"held_out": {"benchmark": built.id}}, built) == 0
    other_rule = dict(bm.RULE, salt="another")
    assert bm.possibly_seen({"held_out": {"rule": other_rule, "evalsets": fingerprint}},
                            built) == len(built) - hand


def test_base_directories_expand_to_their_data_files_and_are_remembered(tmp_path: Path) -> None:
    base = write_base(tmp_path / "base")
    (base / "LICENSE").write_text("Some licence text\n", encoding="utf-8")
    (base / "README.md").write_text("# Data\n", encoding="utf-8")
    (base / ".hidden.csv").write_text("text,label\nx,1\n", encoding="utf-8")
    nested = base / "more"
    nested.mkdir()
    write_csv(nested / "extra.csv", [])
    found = data_files([base])
    assert [p.relative_to(base).as_posix() for p in found] == [
        "SMSCollection", "comments.csv", "more/extra.csv"]
    assert load_file(found[0]).file_format == "label-tab-text"
    with pytest.raises(DataError, match="no such base data"):
        data_files([tmp_path / "missing"])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match="holds no data files"):
        data_files([empty])
    root = tmp_path / "models"
    assert remembered(root) == []
    remember(root, [base])
    assert remembered(root) == [base.resolve()]


def test_sms_fixture_rows_are_distinct() -> None:
    rows = sms_rows()
    assert len({bm.text_key(t) for t, _ in rows}) == len(rows) == 200
