"""Look-alike letters, invisible characters by Unicode property, and mixed alphabets."""

from __future__ import annotations

import unicodedata

import pytest

from model.confusables import skeleton_table, unconfuse
from model.normalize import normalize_text, strip_invisible


def test_cyrillic_lookalikes_read_as_latin() -> None:
    # F r е(Cyrillic) е(Cyrillic) / B і(Cyrillic) t с(Cyrillic) о(Cyrillic) і(Cyrillic) n
    text = "Fr\u0435\u0435 B\u0456t\u0441\u043e\u0456n"
    assert unicodedata.name(text[2]).startswith("CYRILLIC")
    assert normalize_text(text).plain == "Free Bitcoin"
    assert unconfuse(text).text == "Free Bitcoin"


def test_capital_lookalikes_keep_their_case() -> None:
    # В І Т С О І N with Cyrillic В, І, Т, С, О, І
    assert unconfuse("\u0412\u0406\u0422\u0421\u041e\u0406N").text == "BITCOIN"
    assert unconfuse("\u0391\u0392C").text == "ABC"  # Greek Alpha and Beta


def test_a_text_in_another_alphabet_is_left_alone() -> None:
    russian = "Спасибо за статью, очень интересно"
    assert unconfuse(russian).text == russian
    assert unconfuse(russian).mixed_words == 0
    greek = "Ευχαριστώ πολύ για το άρθρο"
    assert unconfuse(greek).text == greek


def test_accented_latin_letters_are_not_lookalikes() -> None:
    text = "Très bien écrit, größer und schöner, ¿qué tal? Łódź"
    assert normalize_text(text).plain == unicodedata.normalize("NFKC", text)
    assert unconfuse(text).mixed_words == 0
    assert not {"é", "ö", "ß", "Ł", "ó"} & set(skeleton_table())


def test_words_mixing_alphabets_are_counted_and_named() -> None:
    mixed = unconfuse("Fr\u0435\u0435 B\u0456t\u0441\u043e\u0456n for everyone")
    assert mixed.mixed_words == 2
    assert mixed.scripts == ("CYRILLIC",)
    greek = unconfuse("b\u03bfnus c\u03bfde")  # Greek omicron
    assert greek.mixed_words == 2 and greek.scripts == ("GREEK",)
    # Japanese writes Latin next to kana and kanji inside one word; that is no disguise.
    assert unconfuse("iPhone用のケース").mixed_words == 0


def test_normalize_text_reports_the_mixed_words() -> None:
    n = normalize_text("Frее Bіtсоіn at my shop")
    assert n.mixed_words == 2 and n.mixed_scripts == ("CYRILLIC",)
    assert normalize_text("plain English").mixed_words == 0


@pytest.mark.parametrize("char", ["\u2062", "\u00ad", "\u200b", "\ufeff", "\U000e0001",
                                  "\u2061", "\u2064", "\u180e", "\u034f", "\ufe0f",
                                  "\U000e0100", "\u3164", "\u206a"])
def test_invisible_characters_are_removed_by_property(char: str) -> None:
    assert strip_invisible(f"fr{char}ee mo{char}ney") == "free money"
    assert normalize_text(f"fr{char}ee mo{char}ney").plain == "free money"


def test_every_format_character_is_removed() -> None:
    formats = "".join(chr(c) for c in range(0x110000)
                      if unicodedata.category(chr(c)) == "Cf")
    assert len(formats) > 150
    assert strip_invisible(f"a{formats}b") == "ab"


def test_visible_characters_and_spaces_survive() -> None:
    text = "a b\tc\nd é 😀 中文 \u00a0x"
    assert strip_invisible(text) == text
