"""The shipped default on the comments a blog or news site gets.

Every comment here was written for this test (none comes from the blog and news evaluation
set): a reader citing a source, a long considered paragraph, a one-character reply, and
spam that hides in the author fields or behind look-alike letters.
"""

from __future__ import annotations

import pytest

from model.registry import default_artifact_dir
from model.scorer import Scorer

CITING = [
    "I looked this up after reading the piece. The bridge was built for what engineers call "
    "a hundred-year flood, and the river has gone past that level twice since 1990, so the "
    "warning in the report does not seem exaggerated to me. "
    "(source: https://en.wikipedia.org/wiki/100-year_flood)",
    "The article says the new telescope found the planet, but the team's own preprint is more "
    "careful: they call it a candidate until a second transit is observed. Worth reading "
    "before anyone celebrates: https://arxiv.org/abs/2310.01234",
    "For anyone wondering where the 14% figure comes from, it is the regional estimate in "
    "the statistics office's latest release, not the national one, which is lower: "
    "https://www.ons.gov.uk/employmentandlabourmarket/peopleinwork",
    "The trial the columnist mentions was small and had no control group. The larger "
    "follow-up study found no effect at all, see https://doi.org/10.1056/NEJMoa2116044",
]
LONG = (
    "I have lived on this street for almost thirty years and I think the piece gets the "
    "history of the bus route mostly right, but it leaves out why the council cut it in the "
    "first place. The evening service was running nearly empty because the timetable never "
    "matched the shift changes at the hospital, which is where most of us who rode it were "
    "going. If the new route is planned around those hours it could work, and I would use "
    "it every week. If it is the old timetable with new paint, I expect we will be reading "
    "the same story again in five years, with the same quotes from the same councillors. "
    "I would rather the paper asked them about the timetable than about the colour of the "
    "buses."
)


@pytest.fixture(scope="module")
def default_scorer() -> Scorer:
    return Scorer.load(default_artifact_dir())


@pytest.mark.parametrize("text", CITING)
def test_a_harmless_paragraph_citing_a_source_is_accepted(default_scorer: Scorer,
                                                            text: str) -> None:
    verdict = default_scorer.score({"comment_content": text})
    assert verdict.action == "accept", (verdict.probability, verdict.reasons)
    assert not any("link" in r or "phone" in r or "digits" in r for r in verdict.reasons)


def test_a_long_considered_comment_is_accepted(default_scorer: Scorer) -> None:
    assert len(LONG.split()) > 120
    verdict = default_scorer.score({"comment_content": LONG})
    assert verdict.action == "accept", (verdict.probability, verdict.reasons)
    assert "is long for a comment" not in verdict.reasons


def test_plus_one_is_not_full_of_digits(default_scorer: Scorer) -> None:
    verdict = default_scorer.score({"comment_content": "+1"})
    assert verdict.action == "accept" and "is full of digits" not in verdict.reasons


def test_spam_in_the_author_fields_is_caught(default_scorer: Scorer) -> None:
    praise = "Really enjoyed this article, thanks for writing it."
    plain = default_scorer.score({"comment_content": praise, "comment_author": "Lucy"})
    assert plain.action == "accept"
    spam = default_scorer.score({
        "comment_content": praise, "comment_author": "Cheap Replica Watches",
        "comment_author_url": "http://replica-watches-sale.top",
        "comment_author_email": "promo@replica-watches-sale.top",
        "user_agent": "python-requests/2.31.0"})
    assert spam.action == "discard"
    assert "the author name advertises: 'cheap', 'replica'" in spam.reasons
    assert "sent by a program, not a browser (python-requests/2.31.0)" in spam.reasons


def test_lookalike_letters_do_not_hide_spam(default_scorer: Scorer) -> None:
    # "Free Bitcoin" and "claim" spelt with Cyrillic е, і, с, о and а.
    text = "Fr\u0435\u0435 B\u0456t\u0441\u043e\u0456n for everyone, \u0441l\u0430im now"
    verdict = default_scorer.score({"comment_content": text})
    assert verdict.action in {"hold", "discard"}
    assert verdict.reasons[0].startswith("mixes Cyrillic letters into Latin words")
