"""Normalisation: markup, entities, invisible characters and obfuscation."""

from __future__ import annotations

from model.normalize import dedup_key, normalize_text


def test_entities_breaks_and_bom() -> None:
    n = normalize_text("Hello I&#39;am from here&amp;there<br />new line\ufeff")
    assert n.plain == "Hello I'am from here&there\nnew line"


def test_anchor_becomes_link_but_hashtags_and_mentions_do_not() -> None:
    n = normalize_text('see <a href="http://adf.ly/x">http://adf.ly/x</a> '
                       '<a class="ot-hashtag" href="https://plus.google.com/s/%23pop">#pop</a> '
                       '<a class="proflink" href="https://plus.google.com/1">+Ann</a>')
    assert n.links == ("http://adf.ly/x",)
    assert n.domains == ("adf.ly",)
    assert "#pop" in n.plain and "+Ann" in n.plain


def test_spaced_out_address_is_rejoined() -> None:
    n = normalize_text("visit w w w . pimpmyviews . com now")
    assert n.domains == ("pimpmyviews.com",)
    assert normalize_text("site (dot) com").domains == ("site.com",)


def test_ordinary_sentences_are_not_links() -> None:
    n = normalize_text("I went to the shop. It was great. me too. Good song.love it")
    assert n.links == ()


def test_zero_width_fullwidth_and_leetspeak() -> None:
    n = normalize_text("sub\u200bscr1be to my ch4nnel \uff26\uff32\uff25\uff25")
    assert n.plain == "subscribe to my channel FREE"


def test_spaced_letters_and_long_runs() -> None:
    assert normalize_text("s u b s c r i b e sooooo").plain == "subscribe soo"


def test_link_text_is_marked_for_the_model() -> None:
    n = normalize_text("Check out http://bit.ly/xyz now")
    assert n.text == "Check out weblink bit ly now"


def test_email_addresses_are_found_not_linked() -> None:
    n = normalize_text("mail me@example.com")
    assert n.emails == ("me@example.com",)
    assert n.links == ()


def test_dedup_key_ignores_case_spacing_markup() -> None:
    assert dedup_key("Great  SONG<br />") == dedup_key("great song\ufeff")
    assert dedup_key("great song") != dedup_key("great songs")


def test_bare_domains_among_words_lines_and_paths() -> None:
    n = normalize_text("read v1.2.3 then\nnotes example.org/path, x/y/z.io? or ab.cd-e.net. "
                       "sub.domain.co.uk.example.com/x the end")
    assert n.links == ("example.org/path", "z.io", "ab.cd-e.net", "sub.domain.co.uk.example.com/x")
    assert n.domains == ("example.org", "z.io", "ab.cd-e.net", "sub.domain.co.uk.example.com")
    assert n.text.startswith("read v1.2.3 then\nnotes weblink example org x/y/ weblink z io ?")
