"""The batch scoring path's shortcuts against their plain forms, on random and hostile text."""

from __future__ import annotations

import random
import re

import numpy as np
import pytest

from model import features, hashing, normalize, text_hints
from model.features import prepare_comment, prepare_many
from model.normalize import normalize_many, normalize_text
from model.registry import default_artifact_dir
from model.scorer import Scorer, run_sum, segment_sums
from tests.model.test_hostile_text import SCORER_SHAPES

# Pieces that make the patterns match, nearly match, or trip on Unicode: white space of
# other kinds, letters whose lower case is longer (İ) or ASCII (K, the Kelvin sign),
# surrogates, look-alikes, word characters past ASCII and runs of them.
_PIECES = list("aAbZ wW01345$!.-_*'\t\n\r\x0b\x0c\x00\x1c\x85\xa0\u2000\u2028\u3000") + [
    "  ", "com", "ru", "dot", " . ", " .", ". ", "www", "w w w", "!!!!", "....", "é", "е",
    "$$", "http://", "h t t p : / /", "HTTP://", "my", "my ", "channel", "\ud800", "ﬁ", "İ",
    "İ.", ". İ", "\u212a", "aaa", "AAA", "ааа", "😂😂😂", "__", "s.u.b", "s u b s", "sub5cr1be",
    "<a href='x.com'>", "</a>", "&amp;", "\u200b", "𝐟𝐫𝐞𝐞", "ǅ", "ß", "(dot)", "check out ",
    "subscribe", "sub4", "please like", "call now", "text win to", "£5", "€", "5 usd",
    "10 dollars", "euros", "0800 123 4567", "ﬀ", "½", "٣", "x2", "I'm", "don't",
]


def _strings(n: int, seed: int, longest: int = 24) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(_PIECES) for _ in range(rng.randint(0, longest)))
            for _ in range(n)]


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer.load(default_artifact_dir())


def test_word_tokens_are_the_token_patterns_matches(scorer: Scorer) -> None:
    plain = re.compile(r"(?u)\b\w\w+\b")
    word = scorer._word
    assert word.split_ascii
    for text in _strings(30_000, seed=21):
        for form in (text, text.lower()):
            assert word.tokens(form) == plain.findall(form), repr(form)


def test_phrase_words_are_the_word_patterns_matches() -> None:
    for text in _strings(30_000, seed=22):
        lower = text.lower()
        assert features._words(lower) == features._WORDS.findall(lower), repr(lower)


def test_phrase_hints_are_held_by_every_match() -> None:
    for text in _strings(40_000, seed=23):
        lower = text.lower()
        if features._CALL_TO_ACTION.search(lower):
            assert any(h in lower for h in features._CALL_TO_ACTION_HINTS), repr(lower)
        if features._SELF_PROMOTION.search(lower):
            assert any(h in lower for h in features._SELF_PROMOTION_HINTS), repr(lower)
        if features._CURRENCY.search(lower):
            assert any(h in lower for h in features._CURRENCY_HINTS), repr(lower)


def test_long_repeats_are_found_as_the_pattern_finds_them() -> None:
    pieces = ["!", "!!", "!!!!", ".", "..", "$", "a", " ", "\t", "é", "ё", "?", "-", "_"]
    rng = random.Random(24)
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
             for _ in range(30_000)] + _strings(10_000, seed=25)
    for text in texts:
        assert features._long_repeat(text) == bool(features._LONG_REPEAT.search(text)), (
            repr(text))


def test_a_missing_batch_hint_means_its_pattern_cannot_match() -> None:
    texts = _strings(40_000, seed=26) + SCORER_SHAPES + [""]
    checks = ((text_hints.SPACED_DOT, lambda t: normalize._SPACED_DOT_HINT.search(t.lower())),
              (text_hints.SPACED_LETTERS, normalize._SPACED_LETTERS_HINT.search),
              (text_hints.LEET, normalize._LEET_RUN.search),
              (text_hints.LONG_RUN, normalize._LONG_RUN_HINT.search))
    # Past-ASCII text is what _unmask hands over: no surrogates left.
    texts = [normalize._SURROGATE.sub("\ufffd", t) for t in texts]
    found = dict.fromkeys([flag for flag, _ in checks], 0)
    for text, hints in zip(texts, text_hints.batch_hints(texts), strict=True):
        alone = text_hints.hints_of(text)
        for flag, search in checks:
            if search(text):
                assert hints & flag and alone & flag, (flag, repr(text))
                found[flag] += 1
    assert all(found.values()), found  # every pattern did match somewhere


def test_one_texts_hints_are_its_batch_hints_and_a_spaced_dot() -> None:
    # Runs of NUL and of equal bytes at either end test the XOR of neighbouring bytes.
    texts = _strings(40_000, seed=32) + SCORER_SHAPES + [
        "", "a", "aa", "aaa", "\0\0\0", "\0aaa", "aaa\0", "a\0\0\0a", "..a..", "ab" * 40 + "ccc"]
    expected = [hints | text_hints.SPACED_DOT for hints in text_hints.batch_hints(texts)]
    assert [text_hints.hints_of(text) for text in texts] == expected


def test_texts_normalised_together_are_normalised_as_alone() -> None:
    texts = _strings(30_000, seed=27) + SCORER_SHAPES
    assert normalize_many(texts) == [normalize_text(t) for t in texts]
    assert normalize_many([]) == []


def test_comments_prepared_together_are_prepared_as_alone() -> None:
    rng = random.Random(28)
    comments = [{"comment_content": text, "comment_author": rng.choice(["", "Anna", text])}
                for text in _strings(6_000, seed=29)]
    assert prepare_many(comments) == [prepare_comment(c) for c in comments]


def test_batch_columns_are_the_cached_columns(scorer: Scorer,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    word = scorer._word
    grams = [g for text in _strings(3_000, seed=30) for g in word.grams(text, text.lower())]
    grams += ["x" * 40, "é" * 20 + " " + "y" * 30]  # past the vectorised hash's 32 bytes
    expected = [hashing.hash_index(g, word.n_features) for g in grams]
    assert word.columns_batch(grams).tolist() == expected
    known: dict[str, int] = {}
    assert word.columns_batch(grams[:500], known).tolist() == expected[:500]
    assert word.columns_batch(grams, known).tolist() == expected
    monkeypatch.setattr(hashing, "BATCH_KNOWN_MAX", 10)
    assert word.columns_batch(grams[:20], known).tolist() == expected[:20]
    assert len(known) <= len(set(grams[:20]))


def test_each_run_is_summed_as_it_is_alone() -> None:
    rng = np.random.default_rng(31)
    counts = rng.integers(0, 300, size=400)
    counts[::7] = 0
    values = rng.standard_normal(int(counts.sum())) * 10.0 ** rng.integers(-3, 3, counts.sum())
    sums = segment_sums(values, counts)
    starts = np.cumsum(counts) - counts
    for total, start, count in zip(sums.tolist(), starts.tolist(), counts.tolist(),
                                   strict=True):
        assert total == run_sum(values[start:start + count].copy())
        if count == 0:
            assert total == 0.0
    assert segment_sums(np.zeros(0), np.zeros(3, dtype=np.int64)).tolist() == [0.0] * 3


@pytest.mark.parametrize("reasons", [True, False])
def test_hostile_and_random_batches_score_as_each_comment_alone(scorer: Scorer,
                                                                reasons: bool) -> None:
    texts = _strings(2_500, seed=32, longest=40) + SCORER_SHAPES
    comments = [{"comment_content": t} for t in texts]
    alone = [scorer.score(c, reasons=reasons) for c in comments]
    assert scorer.score_many(comments, reasons=reasons) == alone


def test_comments_without_words_score_as_alone_wherever_they_sit(scorer: Scorer) -> None:
    long = "check out my channel for free gift cards and win cash " * 8
    empty = ["", "!", "a", "é", "   "]  # no word n-grams; the first and last no characters
    comments = [{"comment_content": t} for t in [*empty, long, *empty, long, long, *empty]]
    alone = [scorer.score(c) for c in comments]
    assert scorer.score_many(comments) == alone
    for i in range(len(comments)):
        assert scorer.score_many(comments[:i + 1]) == alone[:i + 1]


def test_token_and_pair_columns_are_the_n_grams_columns(scorer: Scorer,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    word = scorer._word
    assert word.pairs_only
    texts = _strings(4_000, seed=33) + ["", "a", "one", "one two", "x" * 40 + " " + "é" * 20]
    known = hashing.BatchGrams()
    for part in (texts[:1_000], texts[1_000:], texts):  # new, then partly, then all known
        token_lists = [word.tokens(t.lower()) for t in part]
        tokens, pairs = word.token_columns(token_lists, known)
        expected_tokens, expected_pairs = [], []
        for text, found in zip(part, token_lists, strict=True):
            grams = word.grams(text, text.lower())
            columns = [hashing.hash_index(g, word.n_features) for g in grams]
            assert grams[:len(found)] == found
            expected_tokens += columns[:len(found)]
            expected_pairs += columns[len(found):]
        assert tokens.tolist() == expected_tokens
        assert pairs.tolist() == expected_pairs
    monkeypatch.setattr(hashing, "BATCH_KNOWN_MAX", 50)
    again = word.token_columns([word.tokens(t.lower()) for t in texts[:300]], known)
    assert len(known.tokens) + len(known.pair_keys) < 2_000  # forgotten, then filled again
    assert again[0].tolist() == word.token_columns(
        [word.tokens(t.lower()) for t in texts[:300]], hashing.BatchGrams())[0].tolist()


def test_a_hasher_of_other_n_grams_scores_batches_as_alone(
        scorer: Scorer, monkeypatch: pytest.MonkeyPatch) -> None:
    from sklearn.feature_extraction.text import HashingVectorizer

    trigrams = hashing.WordHasher(HashingVectorizer(
        n_features=scorer._word.n_features, ngram_range=(1, 3), alternate_sign=False,
        binary=True))
    assert not trigrams.pairs_only
    monkeypatch.setattr(scorer, "_word", trigrams)
    comments = [{"comment_content": t} for t in _strings(1_500, seed=34, longest=40)]
    assert scorer.score_many(comments) == [scorer.score(c) for c in comments]
