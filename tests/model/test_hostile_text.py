"""Hostile comment text: shapes that make pattern matching slow, and text NFKC blows up.

Each test checks what normalisation makes of the text. None measures time: the timeout
only turns a slow regression into a failure instead of a pass that takes minutes. The
"uncapped" tests lift the length caps and use text far longer than a comment, so a pattern
that rescans its input (quadratic time) would run for hours, not seconds.
"""

from __future__ import annotations

import re
import unicodedata

import pytest

import model.normalize as normalize
from model.normalize import (
    MAX_CHARS,
    MAX_RAW_CHARS,
    link_domain,
    nfkc_prefix,
    normalize_text,
)
from model.registry import default_artifact_dir
from model.scorer import Scorer

# The longest comment field the service accepts (characters).
FIELD_CHARS = 32 * 1024
# Text length for the uncapped tests: a quadratic scan of it takes hours.
HUGE = 300_000


def fill(unit: str, prefix: str = "", size: int = FIELD_CHARS) -> str:
    """``prefix``, then ``unit`` repeated, cut to ``size`` characters."""
    return (prefix + unit * (size // len(unit) + 1))[:size]


def names(count: int) -> list[str]:
    """``count`` distinct host names that normalisation leaves as they are."""
    # No run of three equal digits ("s1000" would be shortened to "s100").
    numbers = (i for i in range(10 * count) if not re.search(r"(.)\1\1", str(i)))
    return [f"s{i}" for i, _ in zip(numbers, range(count), strict=False)]


@pytest.fixture
def uncapped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lift the length caps so the patterns themselves see very long text."""
    monkeypatch.setattr(normalize, "MAX_CHARS", 10 * HUGE)
    monkeypatch.setattr(normalize, "MAX_RAW_CHARS", 10 * HUGE)


@pytest.fixture(scope="module")
def default_scorer() -> Scorer:
    return Scorer.load(default_artifact_dir())


def test_caps_are_named_and_ordered() -> None:
    assert 0 < MAX_CHARS < MAX_RAW_CHARS < FIELD_CHARS


# --- Links ---------------------------------------------------------------------------------

@pytest.mark.timeout(10)
def test_domain_then_labels_without_a_tld() -> None:
    n = normalize_text(fill("ab.", "x.com "))
    assert n.links == ("x.com",) and n.domains == ("x.com",)
    assert n.text.startswith("weblink x com ab.ab.")


@pytest.mark.timeout(10)
def test_link_then_nfkc_expander() -> None:
    n = normalize_text(fill("\u249b", "see http://spam.example/x "))  # each is "20." after NFKC
    assert n.links == ("http://spam.example/x",)
    assert n.plain == fill("20.", "see http://spam.example/x ", MAX_CHARS)


@pytest.mark.timeout(10)
def test_scheme_then_dotted_run_is_one_link() -> None:
    n = normalize_text(fill("a.", "http://"))
    assert len(n.links) == 1 and n.links[0] == n.plain.rstrip(".")
    assert n.domains == (n.plain[len("http://"):].strip("."),)


@pytest.mark.timeout(10)
def test_thousands_of_links_are_all_found() -> None:
    n = normalize_text(" ".join(f"http://{name}.com/" for name in names(3000)))
    assert len(n.plain) == MAX_CHARS
    assert n.links == tuple(n.plain.split())
    assert n.domains == tuple(link_domain(link) for link in n.links)
    assert len(set(n.domains)) == len(n.links) > 250
    assert len(n.text) <= MAX_CHARS


@pytest.mark.timeout(10)
def test_thousands_of_bare_domains() -> None:
    n = normalize_text(" ".join(f"{name}.io" for name in names(5000)))
    words = n.plain.split()
    assert n.links == tuple(words[:len(n.links)]) and len(n.links) >= len(words) - 1
    assert n.text.startswith("weblink s0 io weblink s1 io")
    assert len(n.text) == MAX_CHARS  # the longer link words are cut at the cap too


@pytest.mark.timeout(10)
def test_spelled_out_dot_after_a_long_run_of_spaces() -> None:
    assert normalize_text("a dot" + " " * 4000 + "com").domains == ("a.com",)
    assert normalize_text("a" + " " * 4000 + "(dot) com").domains == ("a.com",)
    n = normalize_text(fill(" ", "a dot"))
    assert n.links == () and n.plain == "a dot"


@pytest.mark.timeout(10)
def test_spaced_scheme_after_a_long_run_of_spaces() -> None:
    assert normalize_text("http" + " " * 4000 + "://x.com").links == ("http://x.com",)
    n = normalize_text(fill(" ", "/ http"))
    assert n.links == () and n.plain == "/ http"


# --- E-mail addresses ----------------------------------------------------------------------

@pytest.mark.timeout(10)
def test_at_signs_without_addresses() -> None:
    n = normalize_text(fill("a@"))
    assert n.emails == () and n.links == () and n.plain == fill("a@", size=MAX_CHARS)


@pytest.mark.timeout(10)
def test_long_local_parts_without_a_domain() -> None:
    n = normalize_text(fill("ab." * 700 + "@! "))
    assert n.emails == ()


@pytest.mark.timeout(10)
def test_long_local_part_with_a_domain_is_one_address() -> None:
    address = "ab." * 1500 + "@x.com"
    assert normalize_text(address).emails == (address,)


@pytest.mark.timeout(10)
def test_domain_labels_without_a_letters_only_tld() -> None:
    n = normalize_text(fill("a1.", "x@"))
    assert n.emails == () and n.links == ()


@pytest.mark.timeout(10)
def test_thousands_of_addresses() -> None:
    n = normalize_text(" ".join(f"u{name}@b{name}.cc" for name in names(3000)))
    assert n.emails == tuple(n.plain.split()[:len(n.emails)])
    assert len(n.emails) > 300
    assert n.text.split()[:2] == ["emailaddress", "emailaddress"] and n.links == ()


# --- Markup --------------------------------------------------------------------------------

@pytest.mark.timeout(10)
def test_unterminated_anchor_tags() -> None:
    n = normalize_text(fill("<a "))
    assert n.links == () and n.plain == fill("<a ", size=MAX_CHARS).strip()


@pytest.mark.timeout(10)
def test_anchor_after_many_unterminated_ones() -> None:
    # The first "<a" runs to the first ">", so the whole run is one opening tag.
    n = normalize_text("<a " * 5000 + '<a href="http://x.com/">x</a>')
    assert n.links == ("http://x.com/",) and n.plain == "x http://x.com/"


@pytest.mark.timeout(10)
def test_anchors_never_closed() -> None:
    n = normalize_text(fill("<a>xy"))
    assert n.links == () and n.plain == fill("xy", size=MAX_CHARS)


@pytest.mark.timeout(10)
def test_unterminated_break_tags_and_attributes() -> None:
    assert normalize_text(fill("<br ")).plain == fill("<br ", size=MAX_CHARS).strip()
    n = normalize_text(fill('<a href="'))
    assert n.links == () and n.plain.startswith('<a href="<a href="')


@pytest.mark.timeout(10)
def test_entity_runs() -> None:
    assert normalize_text(fill("&#")).plain == fill("&#", size=MAX_CHARS)
    # Entities shrink text, so the raw cap, not the normalised one, decides here.
    assert normalize_text(fill("&amp;")).plain == "&" * (MAX_RAW_CHARS // len("&amp;"))


# --- Runs, words, characters ---------------------------------------------------------------

@pytest.mark.timeout(10)
def test_run_of_one_letter_is_shortened() -> None:
    assert normalize_text("a" * FIELD_CHARS).plain == "aa"


@pytest.mark.timeout(10)
def test_one_word_of_the_whole_field_is_cut_at_the_cap() -> None:
    word = fill("abcdefghij")
    n = normalize_text(word)
    assert n.plain == n.text == word[:MAX_CHARS]


@pytest.mark.timeout(10)
def test_underscored_letters_and_look_alike_digits() -> None:
    assert normalize_text(fill("a_")).plain == fill("a_", size=MAX_CHARS)
    text = fill("1a", size=MAX_CHARS)
    assert normalize_text(fill("1a")).plain == "1" + text[1:].replace("1", "i")


@pytest.mark.timeout(10)
def test_white_space_runs_without_a_line_break() -> None:
    assert normalize_text(fill("\x1c", "x\ny")).plain == "x\ny"
    assert normalize_text(fill("\u2028", "x\ny")).plain == "x\ny"


@pytest.mark.timeout(10)
def test_control_characters_leave_links_alone() -> None:
    n = normalize_text(fill("".join(map(chr, range(32))), "visit x.com "))
    assert n.domains == ("x.com",) and len(n.plain) <= MAX_CHARS


@pytest.mark.timeout(10)
def test_bidi_marks_are_removed() -> None:
    n = normalize_text(fill("\u202eab\u200f", "x.\u202ecom "))
    assert n.domains == ("x.com",)
    assert n.plain == "x.com " + "ab" * ((MAX_CHARS - len("x.com ")) // 2)


@pytest.mark.timeout(10)
@pytest.mark.parametrize("raw", [fill("\ud800"), "hi \ud83d\ude00 there \udfff"])
def test_lone_surrogates_become_replacement_characters(raw: str) -> None:
    n = normalize_text(raw)
    n.text.encode("utf-8")  # would raise on a surrogate
    assert "\ufffd" in n.plain and not any("\ud800" <= ch <= "\udfff" for ch in n.plain)


# --- NFKC and the length cap ---------------------------------------------------------------

EXPANDERS = ["\u249b", "\ufdfa", "\u3250", "\u2474", "\u33ff", "\ufb03"]


@pytest.mark.timeout(10)
@pytest.mark.parametrize("char", EXPANDERS)
def test_normalised_text_never_exceeds_the_cap(char: str) -> None:
    expansion = unicodedata.normalize("NFKC", char)
    for raw in (char * FIELD_CHARS, fill(char + " a.io "), char * (MAX_CHARS // 2)):
        n = normalize_text(raw)
        assert len(n.plain) <= MAX_CHARS and len(n.text) <= MAX_CHARS
    # Cut after NFKC, not before: the whole cap is used, up to one expansion's length.
    assert len(normalize_text(char * FIELD_CHARS).plain) >= MAX_CHARS - len(expansion)


@pytest.mark.timeout(10)
def test_expanders_keep_the_text_they_expand_to() -> None:
    arabic = unicodedata.normalize("NFKC", "\ufdfa")
    assert normalize_text("\ufdfa" * FIELD_CHARS).plain == (arabic * MAX_CHARS)[:MAX_CHARS].strip()
    assert normalize_text("\u3250" * FIELD_CHARS).plain == fill("PTE", size=MAX_CHARS)


@pytest.mark.parametrize("text", [
    "plain ascii " * 500,
    "e\u0301" * 1000,                      # composes two to one
    "\u1100\u1161\u11a8" * 1000,           # Hangul jamo: three to one
    "\ufdfa" * 1000,                       # one to eighteen
    "caf\u00e9 \uff26\uff32\uff25\uff25 " * 300,
    "short",
])
def test_nfkc_prefix_is_the_start_of_the_whole_texts_nfkc(text: str) -> None:
    for limit in (1, 100, 700, 5000):
        assert nfkc_prefix(text, limit) == unicodedata.normalize("NFKC", text)[:limit]


def test_raw_text_beyond_the_raw_cap_is_not_read() -> None:
    markup = "<b></b>" * (MAX_RAW_CHARS // 7)
    assert normalize_text(markup + " hello").plain == ""
    assert normalize_text("<b></b>" * 1000 + " hello").plain == "hello"


# --- The same shapes with the caps lifted --------------------------------------------------

UNCAPPED_SHAPES = {
    "labels without a tld": fill("ab.", "x.com ", HUGE),
    "digits and dots": fill("20.", "x.com ", HUGE),
    "at signs": fill("a@", "", HUGE),
    "local parts": fill("ab." * 700 + "@! ", "", HUGE),
    "domain labels": fill("a1.", "x@", HUGE),
    "unterminated anchors": fill("<a ", "", HUGE),
    "unclosed anchors": fill("<a>xy", "", HUGE),
    "unterminated breaks": fill("<br ", "", HUGE),
    "spaces after 'a dot'": fill(" ", "a dot", HUGE),
    "spaces after 'dot a'": fill(" ", "dot a", HUGE),
    "spaces after 'http'": fill(" ", "/ http", HUGE),
    "separators after a line": fill("\x1c", "x\ny", HUGE),
    "underscored letters": fill("a_", "", HUGE),
}


@pytest.mark.timeout(10)
@pytest.mark.usefixtures("uncapped")
@pytest.mark.parametrize("name", list(UNCAPPED_SHAPES))
def test_patterns_take_linear_time_on_long_text(name: str) -> None:
    n = normalize_text(UNCAPPED_SHAPES[name] + " zq")
    assert n.emails == ()
    assert n.links in ((), ("x.com",))
    assert n.plain.endswith("zq")  # the caps really were lifted


@pytest.mark.timeout(10)
@pytest.mark.usefixtures("uncapped")
def test_many_links_and_addresses_on_long_text() -> None:
    links = [f"http://{name}.com/" for name in names(HUGE // 20)]
    n = normalize_text(" ".join(links))
    assert n.links == tuple(links)
    addresses = [f"u{name}@b{name}.cc" for name in names(HUGE // 15)]
    assert normalize_text(" ".join(addresses)).emails == tuple(addresses)


# --- The whole scorer ----------------------------------------------------------------------

SCORER_SHAPES = [
    fill("\u249b", "see http://spam.example/x "), fill("ab.", "x.com "), fill("a@"),
    fill("a.", "http://"), "a" * FIELD_CHARS, fill("<a "), fill("&#"), fill("http://a.com/x "),
    fill("abcdefghij"), fill("\ufdfa"), fill("\u3250"), fill("\ud800"),
    fill("".join(map(chr, range(32)))), fill("\u202eab\u200f"), "hi \ud83d\ude00 there",
]


@pytest.mark.timeout(10)
@pytest.mark.parametrize("raw", SCORER_SHAPES, ids=range(len(SCORER_SHAPES)))
def test_the_scorer_gives_a_verdict_on_hostile_text(default_scorer: Scorer, raw: str) -> None:
    score = default_scorer.score({"comment_content": raw, "comment_author": raw})
    assert 0.0 <= score.probability <= 1.0
    assert score.action in {"accept", "hold", "discard"}
    assert all(isinstance(reason, str) for reason in score.reasons)
