"""The wording of reasons: which signals are told, how, and in what order."""

from __future__ import annotations

import pytest

from model.features import STRUCTURAL_FEATURES, prepare_comment
from model.reasons import fast_fill_reason, reasons_for, top_terms


def _terms(**weights: float) -> list[float]:
    """What each structural feature adds to the decision: ``weights`` by name, else 0."""
    unknown = set(weights) - set(STRUCTURAL_FEATURES)
    assert not unknown, unknown
    return [weights.get(name, 0.0) for name in STRUCTURAL_FEATURES]


def _reasons(text: str, **weights: float) -> list[str]:
    return reasons_for(prepare_comment({"comment_content": text}), [], [], _terms(**weights))


def test_links_name_their_domains_and_count_them() -> None:
    one = _reasons("see http://bit.ly/x", suspicious_links=0.5)
    assert one == ["links to 1 suspicious domain (bit.ly)"]
    many = _reasons("a http://a.com b http://b.com c http://c.com d http://d.com",
                    neutral_links=0.4)
    assert many == ["links to 4 domains (a.com, b.com, c.com, …)"]


def test_a_cited_source_is_never_a_reason() -> None:
    text = "figures at https://www.ons.gov.uk/x and https://en.wikipedia.org/wiki/Y"
    assert _reasons(text, reputable_links=2.0, neutral_links=2.0,
                    suspicious_links=2.0) == []


def test_a_signal_is_told_only_when_present_and_pushing_towards_spam() -> None:
    shouting = "THIS IS ALL WRITTEN IN CAPITAL LETTERS"
    assert _reasons(shouting, capitals_ratio=1.0) == ["is written mostly in capital letters"]
    assert _reasons(shouting, capitals_ratio=0.15) == []  # too weak to tell
    assert _reasons(shouting, capitals_ratio=-2.0) == []  # leans towards ham
    assert _reasons("a quiet comment in lower case", capitals_ratio=1.0) == []  # absent


def test_digits_are_counted_outside_links_and_over_at_least_forty_characters() -> None:
    assert _reasons("+1", digit_ratio=5.0) == []
    assert _reasons("open access: arxiv.org/abs/1706.03762", digit_ratio=5.0,
                    phone_number=5.0) == []
    assert _reasons("call 0800 123 456 789 0", phone_number=1.0) == ["contains a phone number"]


def test_exclamations_count_from_three_inclusive() -> None:
    assert _reasons("wow!!!", exclamations=1.0) == ["uses many exclamation marks"]
    assert _reasons("wow!!", exclamations=1.0) == []


def test_reasons_come_heaviest_first() -> None:
    text = "CALL NOW 555 123 4567 89 AT HTTP://BIT.LY/X!!!!"
    light_links = _reasons(text, suspicious_links=0.3, phone_number=2.0, exclamations=1.0)
    assert light_links[:3] == ["contains a phone number", "uses many exclamation marks",
                               "links to 1 suspicious domain (bit.ly)"]
    heavy_links = _reasons(text, suspicious_links=3.0, phone_number=2.0, exclamations=1.0)
    assert heavy_links[0] == "links to 1 suspicious domain (bit.ly)"


def test_calls_to_action_and_money_quote_the_comment() -> None:
    cta = _reasons("please subscribe to my channel, my channel rocks", self_promotion=1.0)
    assert cta == ["asks readers to act: 'subscribe to my', 'my channel', 'please subscribe'"]
    # A request with nothing of the author's to promote is no reason on its own.
    assert _reasons("please subscribe to the paper", self_promotion=1.0) == []
    assert _reasons("free cash prize bonus for the winner, free cash", money_terms=1.0) == [
        "talks about money or offers: 'free', 'cash', 'prize'"]


def test_top_terms_quote_the_heaviest_distinct_words() -> None:
    tokens = ["the", "casino", "casino bonus", "weblink", "pills", "cheap", "loans", "ok"]
    weights = [5.0, 2.0, 1.5, 4.0, 1.0, 0.5, 0.3, 0.1]
    total, quoted = top_terms(tokens, weights) or (0.0, "")
    # "the" is too plain, "weblink" has its own reason, "casino bonus" repeats "casino",
    # "ok" is too light, and three words are enough ("loans" is left out).
    assert quoted == "'casino', 'pills', 'cheap'"
    assert total == pytest.approx(3.5)
    assert top_terms(["the", "ok"], [5.0, 0.1]) is None
    assert top_terms([], []) is None


def test_the_words_reason_joins_the_others() -> None:
    prepared = prepare_comment({"comment_content": "cheap casino"})
    why = reasons_for(prepared, ["cheap", "casino"], [0.4, 0.9], _terms())
    assert why == ["contains 'casino', 'cheap'"]


def test_fast_fill_reason_rounds_to_a_tenth() -> None:
    assert fast_fill_reason(0.84) == "form was filled in 0.8 s"
    assert fast_fill_reason(2.96) == "form was filled in 3.0 s"
