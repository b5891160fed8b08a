"""The shipped blog and news evaluation set: size, kinds, no duplicates, honest labels."""

from __future__ import annotations

import json
import tomllib
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from model.data import load_file
from model.kinds import blog_news_path, load_kinded
from model.normalize import dedup_key, normalize_text

LEGITIMATE_KINDS = {
    "long_politics", "long_science", "cited_link", "own_blog_url", "code_snippet",
    "non_english", "short_reply", "innocent_cta", "money_talk", "correction", "personal_story",
}
SPAM_KINDS = {
    "link_spam": "none", "author_field_spam": "author-fields", "lookalike": "lookalike",
    "invisible": "invisible", "link_free": "none", "obfuscated_url": "url-obfuscated",
}
FIELDS = {"comment_content", "comment_author", "comment_author_email", "comment_author_url",
          "user_agent", "label", "kind", "obfuscation"}
INVISIBLE = set("\u200b\u2062\u00ad\ufeff\u200c\u200d\u2060")
URL_DISGUISES = (" dot ", "(dot)", "[dot]", "{dot}", "d0t", "[.]", "(.)", " . ", "h t t p",
                 "h.t.t.p", "hxxp", "tinyurl com")


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    lines = blog_news_path().read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _of_kind(rows: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [r for r in rows if r["kind"] == kind]


def test_every_row_loads_with_load_file_and_keeps_its_kind(rows: list[dict[str, Any]]) -> None:
    data = load_file(blog_news_path())
    assert len(data) == len(rows)
    spam, ham = data.counts()
    assert spam >= 150 and ham >= 150
    kinded = load_kinded(blog_news_path())
    assert kinded.kind == [r["kind"] for r in rows]
    assert kinded.obfuscation == [r["obfuscation"] for r in rows]
    assert data.author == [r["comment_author"] for r in rows]
    assert data.url == [r["comment_author_url"] for r in rows]


def test_every_row_has_the_fields_and_a_kind_matching_its_label(
        rows: list[dict[str, Any]]) -> None:
    for row in rows:
        assert FIELDS <= set(row), row
        assert row["comment_content"].strip() and row["comment_author"].strip()
        if row["label"] == "ham":
            assert row["kind"] in LEGITIMATE_KINDS and row["obfuscation"] == "none", row
        else:
            assert row["label"] == "spam", row
            assert row["obfuscation"] == SPAM_KINDS[row["kind"]], row


def test_each_kind_meets_its_minimum(rows: list[dict[str, Any]]) -> None:
    counts = Counter(r["kind"] for r in rows)
    assert set(counts) == LEGITIMATE_KINDS | set(SPAM_KINDS)
    assert all(counts[kind] >= 12 for kind in LEGITIMATE_KINDS), counts
    assert all(counts[kind] >= 15 for kind in SPAM_KINDS), counts


def test_no_two_comments_share_a_text(rows: list[dict[str, Any]]) -> None:
    keys = Counter(dedup_key(r["comment_content"]) for r in rows)
    assert [key for key, n in keys.items() if n > 1] == []
    # Invisible characters the normaliser keeps must not hide a duplicate either.
    bare = Counter("".join(ch for ch in key if ch not in INVISIBLE) for key in keys)
    assert [key for key, n in bare.items() if n > 1] == []


def test_non_english_comments_span_at_least_six_languages(rows: list[dict[str, Any]]) -> None:
    languages = Counter(r["lang"] for r in _of_kind(rows, "non_english"))
    assert len(languages) >= 6 and "en" not in languages


def _scripts(word: str) -> set[str]:
    return {unicodedata.name(ch).split()[0] for ch in word if ch.isalpha()}


def test_lookalike_spam_mixes_scripts_inside_words(rows: list[dict[str, Any]]) -> None:
    for row in _of_kind(rows, "lookalike"):
        mixed = [w for w in row["comment_content"].split()
                 if _scripts(w) & {"CYRILLIC", "GREEK"}]
        assert mixed, row["comment_content"]
        assert any("LATIN" in _scripts(w) for w in row["comment_content"].split())
    legitimate = [r for r in rows if r["label"] == "ham"]
    assert not any(_scripts(r["comment_content"]) & {"CYRILLIC", "GREEK"} for r in legitimate)


def test_invisible_spam_hides_characters_between_letters(rows: list[dict[str, Any]]) -> None:
    used: Counter[str] = Counter()
    for row in _of_kind(rows, "invisible"):
        text = row["comment_content"]
        inside = [ch for i, ch in enumerate(text[1:-1], start=1)
                  if ch in INVISIBLE and text[i - 1].isalpha() and text[i + 1].isalpha()]
        assert inside, text
        used.update(set(inside))
    assert {"\u200b", "\u2062", "\u00ad", "\ufeff"} <= set(used)
    assert not any(INVISIBLE & set(r["comment_content"]) for r in rows if r["label"] == "ham")


def test_links_are_where_each_kind_says(rows: list[dict[str, Any]]) -> None:
    def links(row: dict[str, Any]) -> tuple[str, ...]:
        return normalize_text(row["comment_content"]).links

    for row in _of_kind(rows, "cited_link"):
        assert len(links(row)) == 1, row["comment_content"]
    for row in _of_kind(rows, "own_blog_url"):
        assert row["comment_author_url"].startswith("http") and not links(row)
    for row in _of_kind(rows, "author_field_spam"):
        assert row["comment_author_url"].startswith("http") and not links(row)
    for row in _of_kind(rows, "link_free"):
        assert not links(row) and not row["comment_author_url"], row["comment_content"]
    for row in _of_kind(rows, "link_spam"):
        assert links(row), row["comment_content"]
    for row in _of_kind(rows, "obfuscated_url"):
        text = row["comment_content"].lower()
        assert "http://" not in text and "https://" not in text
        assert any(d in text for d in URL_DISGUISES) or " c o m" in text, text


def test_the_set_is_package_data() -> None:
    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml")
                              .read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["model"]
    assert "evalsets/*" in patterns
    assert blog_news_path().parent.name == "evalsets"
    assert (blog_news_path().parent / "README.md").is_file()
