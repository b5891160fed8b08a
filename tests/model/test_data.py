"""Loading labelled files in every accepted format, and refusing bad ones clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from model.data import deduplicate, load_file, require_both_classes
from model.errors import DataError


def test_csv_with_youtube_columns_strips_bom_from_labels(tmp_path: Path) -> None:
    path = tmp_path / "yt.csv"
    path.write_text("COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS\n"
                    "a,Ann,2015-01-01,great song\ufeff,0\ufeff\n"
                    "b,Bob,,check my channel,1 \n", encoding="utf-8")
    data = load_file(path)
    assert data.label == [0, 1]
    assert data.author == ["Ann", "Bob"]
    assert data.text[1] == "check my channel"


def test_csv_with_akismet_columns_and_word_labels(tmp_path: Path) -> None:
    path = tmp_path / "blog.csv"
    path.write_text("comment_content,comment_author,comment_author_email,comment_author_url,"
                    "is_spam\nNice post,Ann,a@example.com,https://ann.example,FALSE\n"
                    "Buy pills,Bot,b@spam.example,http://pills.example,True\n",
                    encoding="utf-8")
    data = load_file(path)
    assert data.label == [0, 1]
    assert data.email == ["a@example.com", "b@spam.example"]
    assert data.url == ["https://ann.example", "http://pills.example"]


def test_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    rows = [{"text": "hello there", "label": "ham"}, {"text": "win money", "label": "SPAM"},
            {"text": "free!!", "label": True}, {"text": "ok", "label": 0}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    assert load_file(path).label == [0, 1, 1, 0]


def test_sms_label_tab_text(tmp_path: Path) -> None:
    path = tmp_path / "SMSSpamCollection"
    path.write_text("ham\tGo until jurong point\nspam\tFree entry in 2 a wkly comp\n",
                    encoding="utf-8")
    data = load_file(path)
    assert data.label == [0, 1]
    assert data.text[1] == "Free entry in 2 a wkly comp"
    assert data.file_format == "label-tab-text"


def test_tab_separated_with_header(tmp_path: Path) -> None:
    path = tmp_path / "rows.tsv"
    path.write_text("TAG\tcontent\nspam\tbuy now\nham\thi mum\n", encoding="utf-8")
    assert load_file(path).label == [1, 0]


def test_the_public_collections_load(shared_data: Path) -> None:
    youtube = load_file(shared_data / "youtube-spam-collection" / "Youtube04-Eminem.csv")
    assert youtube.counts() == (245, 203)
    sms = load_file(shared_data / "sms-spam-collection" / "SMSSpamCollection")
    assert sms.counts() == (747, 4827)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "is empty"),
        ("CONTENT,CLASS\n", "has no labelled rows"),
        ("body,CLASS\nhello,1\n", "no text column; name it one of content, comment_content"),
        ("CONTENT,kind\nhello,1\n", "no label column; name it one of label, CLASS, TAG"),
        ("CONTENT,CLASS\nhello,0\nbuy,maybe\n", "row 2: 'maybe' is not a label"),
        ("CONTENT,CLASS\nhello,\n", "row 1: an empty label is not a label"),
    ],
)
def test_bad_files_are_refused_with_what_to_do(tmp_path: Path, content: str,
                                               message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        load_file(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such data file"):
        load_file(tmp_path / "nope.csv")


def test_undecodable_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("CONTENT,CLASS\ncaf\xe9,0\n".encode("latin-1"))
    with pytest.raises(DataError, match="not UTF-8"):
        load_file(path)


def test_one_class_only_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ham.csv"
    path.write_text("CONTENT,CLASS\nhello,0\nhi,0\n", encoding="utf-8")
    with pytest.raises(DataError, match="all 2 rows are ham; add a file with spam"):
        require_both_classes(load_file(path))


def test_deduplicate_on_normalised_text_keeps_majority_label(tmp_path: Path) -> None:
    path = tmp_path / "dups.csv"
    path.write_text("CONTENT,CLASS\n"
                    "Check out this video on YouTube:,1\n"
                    "check out  this video on youtube:\ufeff,1\n"
                    "Check out this video on <b>YouTube</b>:,0\n"
                    "I love it,0\n", encoding="utf-8")
    data, report = deduplicate(load_file(path))
    assert data.text == ["Check out this video on YouTube:", "I love it"]
    assert data.label == [1, 0]
    assert (report.removed, report.conflicting) == (2, 1)
