"""The spam decision: the model's score, then what only the service knows, in that order."""

from __future__ import annotations

import pytest

from model.features import prepare_comment
from model.registry import default_artifact_dir
from model.scorer import Scorer
from model.thresholds import Thresholds
from service.spam.decision import FormSignals, decide, link_domains

HARMLESS = {"comment_content": "I enjoyed the part about hedgerows and the birds in them."}
THRESHOLDS = Thresholds(hold=0.5, discard=0.9)


@pytest.fixture(scope="module")
def model() -> Scorer:
    """The shipped default model."""
    return Scorer.load(default_artifact_dir())


def test_a_harmless_comment_is_accepted(model: Scorer) -> None:
    decision = decide(HARMLESS, model, THRESHOLDS, FormSignals())
    assert decision.action == "accept" and not decision.spam
    assert decision.model == model.version


def test_akismet_test_values_decide_without_the_model(model: Scorer) -> None:
    spam = decide({**HARMLESS, "comment_author": " Akismet-Guaranteed-Spam "}, model,
                  THRESHOLDS, FormSignals())
    assert (spam.action, spam.score) == ("discard", 1.0)
    admin = decide({"comment_content": "Buy cheap pills http://bit.ly/x", "user_role":
                    "administrator"}, model, THRESHOLDS, FormSignals())
    assert (admin.action, admin.score) == ("accept", 0.0)


def test_a_failed_captcha_discards_and_says_why(model: Scorer) -> None:
    decision = decide(HARMLESS, model, THRESHOLDS,
                      FormSignals(captcha="failed", captcha_error="timeout-or-duplicate"))
    assert decision.action == "discard"
    assert decision.score == THRESHOLDS.discard
    assert decision.reasons[0] == "captcha failed (timeout-or-duplicate)"


def test_a_missing_captcha_holds_only_where_the_site_requires_one(model: Scorer) -> None:
    required = decide(HARMLESS, model, THRESHOLDS, FormSignals(captcha_required=True))
    assert required.action == "hold" and required.reasons[0] == "captcha missing"
    optional = decide(HARMLESS, model, THRESHOLDS, FormSignals())
    assert optional.action == "accept" and "captcha missing" not in optional.reasons


def test_a_filled_honeypot_raises_the_score(model: Scorer) -> None:
    plain = decide(HARMLESS, model, THRESHOLDS, FormSignals())
    trapped = decide(HARMLESS, model, THRESHOLDS, FormSignals(honeypot="http://spam.example"))
    assert trapped.score > plain.score
    assert trapped.action != "accept"


def test_only_unseen_link_domains_are_reported(model: Scorer) -> None:
    comment = {"comment_content": "See https://en.wikipedia.org/wiki/Hedge and https://example.org/a"}
    domains = link_domains(comment["comment_content"])
    assert domains == ("en.wikipedia.org", "example.org")
    one = decide(comment, model, THRESHOLDS, FormSignals(), domains,
                 known_domains={"en.wikipedia.org"})
    assert "1 link to a domain never seen in accepted comments" in one.reasons
    both = decide(comment, model, THRESHOLDS, FormSignals(), domains, known_domains=set())
    assert "2 links to domains never seen in accepted comments" in both.reasons
    none = decide(comment, model, THRESHOLDS, FormSignals(), domains,
                  known_domains=set(domains))
    assert not any("never seen" in reason for reason in none.reasons)


def test_the_json_answer_has_the_documented_fields(model: Scorer) -> None:
    body = decide(HARMLESS, model, THRESHOLDS, FormSignals()).to_json()
    assert set(body) == {"spam", "score", "action", "reasons", "model"}
    assert body["score"] == round(body["score"], 4)


def test_a_site_s_own_thresholds_win_over_the_model_s(model: Scorer) -> None:
    from service.sites.registry import Site
    from service.spam.moderation import thresholds_for

    plain = Site("hk_" + "a" * 22, "Blog", ("https://blog.example.com",), 0.0, "")
    assert thresholds_for(plain, model) == Thresholds(model.hold, model.discard)
    tuned = Site("hk_" + "a" * 22, "Blog", ("https://blog.example.com",), 0.0, "",
                 settings={"hold_threshold": 0.3, "discard_threshold": 0.99})
    assert thresholds_for(tuned, model) == Thresholds(0.3, 0.99)


@pytest.mark.parametrize("comment", [
    HARMLESS,
    {"comment_content": "Check out my channel http://bit.ly/xyz subscribe!!!",
     "comment_author": "Bob www.x.com", "comment_author_url": "http://x.com"},
    {"comment_content": "w w w . spam . com <a href='http://e.com'>e</a> İstanbul"},
    {"comment_content": ""},
])
def test_a_prepared_comment_decides_as_the_raw_one(model: Scorer, comment: dict[str, str]
                                                   ) -> None:
    prepared = prepare_comment(comment)
    assert prepared.normalized.domains == link_domains(comment["comment_content"])
    signals = FormSignals(honeypot="x", seconds_to_submit=1.0)
    assert decide(comment, model, THRESHOLDS, signals, prepared.normalized.domains,
                  prepared=prepared) == decide(comment, model, THRESHOLDS, signals,
                                               link_domains(comment["comment_content"]))
