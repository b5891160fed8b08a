"""The quick looks and rewritten patterns of the scoring path against their plain forms,
and whole batches scored exactly as each comment alone."""

from __future__ import annotations

import random
import re

import pytest

from model import features, normalize
from model.features import _LONG_REPEAT, prepare_comment
from model.normalize import normalize_text, squeeze_spaces
from model.registry import default_artifact_dir
from model.scorer import Scorer
from tests.model.conftest import SHARED_DATA, sms_rows, video_rows

# The patterns as first written: the rewritten ones must give what these give.
PLAIN_SPACES = re.compile(r"[ \t\r\f\v]+")
PLAIN_LEET = re.compile(r"(?<=[A-Za-z])[013457$]{1,2}(?=[A-Za-z])")
PLAIN_SPACED_DOT_HINT = re.compile(rf"(?:\s\.|\.\s)\s*(?:{normalize._SPACED_TLDS})\b")
PLAIN_LONG_REPEAT = re.compile(r"(\S)\1{3,}")
PLAIN_LINK_START = re.compile(r"(?:https?://|www\.)(?=[^\s<>\"'()\[\]])", re.IGNORECASE)
PLAIN_SPACED_SCHEME = re.compile(r"h(?<=\bh)\s*+t\s*+t\s*+p\s*+(s?)\s*+:\s*+/\s*+/\s*+",
                                 re.IGNORECASE)
PLAIN_OWN_THINGS = re.compile(
    r"\bmy\s+(?:channel|page|videos?|music|songs?|site|website|blog|profile|account|cover|"
    r"shop|store)\b")

_PIECES = list("aAbZ wW01345$!.-_*\t\n\r\x0b\x0c") + [
    "  ", "com", "ru", "dot", " . ", "www", "ww", "!!!!", "....", "é", "е", "$$", "http://",
    "my", "my ", "channel", "site", "am"]


def _strings(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 16))) for _ in range(n)]


def test_rewritten_patterns_match_their_plain_forms() -> None:
    for text in _strings(40_000, seed=5):
        assert squeeze_spaces(text) == PLAIN_SPACES.sub(" ", text), repr(text)
        assert ([m.span() for m in normalize._LEET_RUN.finditer(text)]
                == [m.span() for m in PLAIN_LEET.finditer(text)]), repr(text)
        assert (bool(normalize._SPACED_DOT_HINT.search(text))
                == bool(PLAIN_SPACED_DOT_HINT.search(text))), repr(text)
        if normalize._SPACED_LETTERS.search(text):
            assert normalize._SPACED_LETTERS_HINT.search(text), repr(text)
        if normalize._LONG_RUN.search(text):
            assert normalize._LONG_RUN_HINT.search(text), repr(text)
        lower = text.lower()
        assert (features._OWN_THINGS.findall(lower) == PLAIN_OWN_THINGS.findall(lower)), repr(text)


def test_case_by_case_link_patterns_match_as_ignoring_case() -> None:
    # The schemes' letters in both cases, ſ (which IGNORECASE takes for an s) and the Kelvin
    # sign (taken for a k, in neither pattern), spaced and not, beside what ends a link or a
    # word.
    pieces = ["h", "H", "t", "T", "p", "P", "s", "S", "ſ", "w", "W", "\u212a", ":", "/", ".",
              " ", "\t", "x", "é", "<", "'", "http://", "HtTpS://", "wWw.", "h t t p s : / / ",
              "https:// ", "xhttp://", "_www.", "www.x"]
    rng = random.Random(7)
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
             for _ in range(60_000)]
    matched = 0
    for text in texts:
        spans = [m.span() for m in normalize._LINK_START.finditer(text)]
        assert spans == [m.span() for m in PLAIN_LINK_START.finditer(text)], repr(text)
        schemes = [(m.span(), m.group(1)) for m in normalize._SPACED_SCHEME.finditer(text)]
        assert schemes == [(m.span(), m.group(1)) for m in PLAIN_SPACED_SCHEME.finditer(text)], (
            repr(text))
        matched += bool(spans) + bool(schemes)
    assert matched > 10_000  # the pieces do make both patterns match, often


def test_letters_are_counted_by_alphabet_as_one_by_one() -> None:
    from model.confusables import letter_counts, script_of

    rng = random.Random(8)
    pieces = [*"aZ ёеОрхαΒ中日é1_-'", "ﬁ", "İ", "ǅ", "Ⅻ", "ß"]
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        letters = [ch for ch in text if ch.isalpha()]
        latin = sum(script_of(ch) == "LATIN" for ch in letters)
        assert letter_counts(text) == (latin, len(letters) - latin), repr(text)


def test_phrase_patterns_have_no_groups_so_findall_returns_whole_matches() -> None:
    for pattern in (features._CALL_TO_ACTION, features._SELF_PROMOTION, features._OWN_THINGS,
                    features._CURRENCY):
        assert pattern.groups == 0, pattern.pattern
    text = "check it out and subscribe to my channel, win $5 or 10 dollars, visit my site"
    prepared = prepare_comment({"comment_content": text})
    assert prepared.cta == ("check it out", "subscribe")
    assert prepared.promotion == ("subscribe to my", "visit my", "my channel", "my site")
    assert prepared.money == ("win", "$5", "0 dollars")  # as the phrases were always read


def test_long_repeats_are_found_in_normalised_text_as_the_plain_pattern_finds_them() -> None:
    texts = _strings(20_000, seed=6) + ["soooooo good", "wwwwww.x.com", "$$$$ cash", "!!!!",
                                        "ааааа cyrillic", "１１１１ wide"]
    for text in texts:
        plain = normalize_text(text).plain
        assert bool(_LONG_REPEAT.search(plain)) == bool(PLAIN_LONG_REPEAT.search(plain)), (
            repr(text))
        structural = prepare_comment({"comment_content": text}).structural
        assert structural[9] == (1.0 if PLAIN_LONG_REPEAT.search(plain) else 0.0)


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer.load(default_artifact_dir())


def _many_comments() -> list[dict[str, str]]:
    """A few thousand comments over more than two slices, authors repeating now and then."""
    texts = [t for t, _ in video_rows(100) + sms_rows(100)]
    if SHARED_DATA.is_dir():
        from model.data import load_file

        texts += load_file(SHARED_DATA / "youtube-spam-collection" / "Youtube04-Eminem.csv").text
    rng = random.Random(11)
    authors = ["", "Anna", "Cheap Viagra Online", "Bob www.x.com", "seo services"]
    comments = []
    for i in range(2600):
        text = rng.choice(texts) if i % 3 else f"{rng.choice(texts)} {rng.choice(texts)} {i}"
        comments.append({"comment_content": text, "comment_author": rng.choice(authors),
                         "comment_author_url": rng.choice(["", "http://bit.ly/x"])})
    return comments


@pytest.mark.parametrize("reasons", [True, False])
def test_a_large_batch_scores_each_comment_as_it_scores_alone(scorer: Scorer,
                                                               reasons: bool) -> None:
    comments = _many_comments()
    alone = [scorer.score(c, reasons=reasons) for c in comments]
    assert scorer.score_many(comments, reasons=reasons) == alone
    shuffled = list(range(len(comments)))
    random.Random(2).shuffle(shuffled)
    again = scorer.score_many([comments[i] for i in shuffled], reasons=reasons)
    assert again == [alone[i] for i in shuffled]
