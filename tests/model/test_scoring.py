"""The lean scorer: same probabilities as the pipeline, readable reasons, shipped default."""

from __future__ import annotations

import random
from collections.abc import Mapping

import pytest

from model.artifact import Artifact
from model.batch import PARALLEL_MIN_BATCH
from model.registry import default_artifact_dir
from model.scorer import Scorer
from tests.model.conftest import SHARED_DATA, tiny_rows

SPAM = "Check out my channel http://bit.ly/xyz subscribe!!!"
HAM = "I love the chorus of this song"

AWKWARD = [
    "", "   ", "!!!", "\ufeff", "😀😀 emoji only", "ÀÉÎÕÜ accents and ß", "İstanbul",
    "a", "x" * 6000, "tab\tand\nnewline", "&lt;script&gt;alert(1)&lt;/script&gt;",
    '<a href="http://e.com">e</a> <br/> <b>bold</b>', "w w w . spam . com", "1234567890",
    "CALL +44 7935 454150 NOW", "日本語のコメント", "mixed 中文 and English words",
]


@pytest.fixture(scope="module")
def default_scorer() -> Scorer:
    return Scorer.load(default_artifact_dir())


def _comments() -> list[dict[str, str]]:
    comments = [{"comment_content": text} for text, _ in tiny_rows()]
    comments += [{"comment_content": t, "comment_author": "Bob www.x.com",
                  "comment_author_url": "http://x.com"} for t in AWKWARD]
    if SHARED_DATA.is_dir():
        from model.data import load_file

        data = load_file(SHARED_DATA / "youtube-spam-collection" / "Youtube03-LMFAO.csv")
        comments += list(data.comments())
    return comments


def test_lean_path_equals_pipeline_probabilities(tiny_artifact: Artifact) -> None:
    scorer = Scorer(tiny_artifact)
    comments = _comments()
    lean = [scorer.model_probability(c) for c in comments]
    reference = scorer.pipeline_probabilities(comments)
    assert max(abs(a - b) for a, b in zip(lean, reference, strict=True)) < 1e-9


def test_lean_path_equals_pipeline_on_the_shipped_model(default_scorer: Scorer) -> None:
    comments = _comments()
    lean = [s.probability for s in default_scorer.score_many(comments, reasons=False)]
    reference = default_scorer.pipeline_probabilities(comments)
    assert max(abs(a - b) for a, b in zip(lean, reference, strict=True)) < 1e-9


def test_shipped_default_separates_obvious_spam_from_a_normal_comment(
        default_scorer: Scorer) -> None:
    spam = default_scorer.score({"comment_content": SPAM})
    ham = default_scorer.score({"comment_content": HAM})
    assert spam.spam and spam.action in {"hold", "discard"} and spam.probability > 0.9
    assert not ham.spam and ham.action == "accept" and ham.probability < 0.2
    assert default_scorer.version == spam.version == "default"


def test_reasons_are_sentences_about_this_comment(default_scorer: Scorer) -> None:
    reasons = default_scorer.score({"comment_content": SPAM}).reasons
    assert "links to 1 suspicious domain (bit.ly)" in reasons
    assert any(r.startswith("asks readers to act:") and "'my channel'" in r for r in reasons)
    assert not any("shortener" in r or "capital" in r
                   for r in default_scorer.score({"comment_content": HAM}).reasons)


def test_honeypot_and_fast_fill_raise_the_score(default_scorer: Scorer) -> None:
    plain = default_scorer.score({"comment_content": HAM})
    trapped = default_scorer.score({"comment_content": HAM, "honeypot": "filled"})
    fast = default_scorer.score({"comment_content": HAM, "fill_seconds": "0.8"})
    slow = default_scorer.score({"comment_content": HAM, "fill_seconds": 40})
    assert trapped.spam and "filled in the hidden honeypot field" in trapped.reasons
    assert fast.probability > plain.probability and "form was filled in 0.8 s" in fast.reasons
    assert slow.probability == plain.probability


def test_accepts_any_text_field_name(default_scorer: Scorer) -> None:
    by_name = {name: default_scorer.score({name: SPAM}).probability
               for name in ("comment_content", "content", "CONTENT", "text")}
    assert len(set(by_name.values())) == 1


def test_score_many_matches_score(default_scorer: Scorer) -> None:
    comments = [{"comment_content": SPAM}, {"comment_content": HAM, "honeypot": "x"},
                {"comment_content": ""}] + [{"comment_content": t} for t in AWKWARD]
    many = default_scorer.score_many(comments)
    one_by_one = [default_scorer.score(c) for c in comments]
    for bulk, single in zip(many, one_by_one, strict=True):
        assert abs(bulk.probability - single.probability) < 1e-12
        assert (bulk.spam, bulk.action, bulk.reasons, bulk.version) == (
            single.spam, single.action, single.reasons, single.version)
    assert default_scorer.score_many([]) == []


@pytest.mark.parametrize("reasons", [True, False])
def test_score_many_equals_score_exactly(default_scorer: Scorer, reasons: bool) -> None:
    comments: list[Mapping[str, object]] = [*_comments(),
        {"comment_content": SPAM, "honeypot": "x"}, {"comment_content": HAM, "fill_seconds": 1},
        {"comment_content": f"{SPAM} {HAM} {SPAM}"}, {"comment_content": "the the the the"}]
    many = default_scorer.score_many(comments, reasons=reasons)
    assert many == [default_scorer.score(c, reasons=reasons) for c in comments]
    assert [s.probability for s in many] == [
        default_scorer.score(c, reasons=reasons).probability for c in reversed(comments)][::-1]


def test_model_probability_matches_score_many(default_scorer: Scorer) -> None:
    comments = _comments()
    assert [default_scorer.model_probability(c) for c in comments] == [
        s.probability for s in default_scorer.score_many(comments, reasons=False)]


def test_score_many_across_processes_gives_the_same_scores(default_scorer: Scorer) -> None:
    base = _comments()
    comments = [{"comment_content": f"{base[i % len(base)].get('comment_content', '')} {i}",
                 "honeypot": "x" if i % 97 == 0 else ""}
                for i in range(PARALLEL_MIN_BATCH + 10)]
    expected = default_scorer.score_many(comments)
    assert default_scorer.score_many(comments, processes=2) == expected
    assert default_scorer.score_many(comments[:50], processes=2) == expected[:50]


@pytest.mark.parametrize("text", AWKWARD + [SPAM, HAM, "don't  stop\tthe  music", "ab", "Ünïcödé"])
def test_ngrams_match_the_vectorizers(default_scorer: Scorer, text: str) -> None:
    from model.features import prepare_comment

    prepared = prepare_comment({"comment_content": text}).text
    word, char = default_scorer._word, default_scorer._char
    assert word.fast and char.fast
    # The reference: scikit-learn's analyzers of the vectorizers in the saved pipeline.
    vectorizers = {name: t for name, t, _ in
                   default_scorer.artifact.pipeline.named_steps["features"].transformers_}
    assert word.grams(prepared, prepared.lower()) == list(
        vectorizers["word"].build_analyzer()(prepared))
    assert [g for w in prepared.lower().split() for g in char._grams(w)] == list(
        vectorizers["char"].build_analyzer()(prepared))


def _fresh_comments(seed: int) -> list[dict[str, str]]:
    """Comments of random words, ASCII and not, and single very long words."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz" + "éüßøабв中文日本한국\U00020000"
    comments = [{"comment_content": " ".join(
        "".join(rng.choices(letters, k=rng.randint(1, 14))) for _ in range(rng.randint(1, 80)))}
        for _ in range(40)]
    comments += [{"comment_content": "".join(rng.choices(letters, k=4990))} for _ in range(3)]
    return comments


def test_words_never_seen_score_as_the_pipeline_does_cached_or_not(
        default_scorer: Scorer) -> None:
    scorer = Scorer(default_scorer.artifact)  # caches of its own, empty
    comments = _fresh_comments(13)
    cold = [scorer.score(c, reasons=False).probability for c in comments]
    reference = scorer.pipeline_probabilities(comments)
    assert max(abs(a - b) for a, b in zip(cold, reference, strict=True)) < 1e-9
    assert [scorer.score(c, reasons=False).probability for c in comments] == cold
    scorer._word.cache.clear()
    scorer._char.cache.clear()
    assert [s.probability for s in scorer.score_many(comments, reasons=False)] == cold
    assert scorer.score_many(comments) == [scorer.score(c) for c in comments]
