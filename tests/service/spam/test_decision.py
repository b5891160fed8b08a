"""The spam decision: the model's score, then what only the service knows, in that order."""

from __future__ import annotations

from typing import Any

import pytest

from model.features import prepare_comment
from model.registry import default_artifact_dir
from model.scorer import Scorer
from model.thresholds import Thresholds
from service.spam.decision import (
    GUARANTEED_SPAM_AUTHOR,
    Decision,
    FormSignals,
    decide,
    independent_signals,
    is_reference_domain,
    link_domains,
    links_all_reputable,
    reputable_for_site,
)

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


def test_a_failed_captcha_alone_holds_and_says_why(model: Scorer) -> None:
    decision = decide(HARMLESS, model, THRESHOLDS,
                      FormSignals(captcha="failed", captcha_error="timeout-or-duplicate"))
    assert decision.score == THRESHOLDS.discard
    assert decision.action == "hold"
    assert decision.reasons[0] == "captcha failed (timeout-or-duplicate)"
    assert "held, not discarded: one signal only (captcha failed)" in decision.reasons


def test_a_failed_captcha_and_a_filled_honeypot_discard(model: Scorer) -> None:
    decision = decide(HARMLESS, model, THRESHOLDS,
                      FormSignals(honeypot="http://spam.example", captcha="failed",
                                  captcha_error="wrong-answer"))
    assert decision.action == "discard"
    assert decision.reasons[0] == "captcha failed (wrong-answer)"
    assert not any(r.startswith("held") for r in decision.reasons)


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


# -- actions: when a comment may be dropped unseen (docs/model.md, "Actions") -----------
# Harmless words with two shortened links: scored for discard on its links alone.
ONE_LINK = {"comment_content": "Thanks, this finally made sense for database indexing. "
                               "Did you pin the version? Notes: https://bit.ly/idx "
                               "https://tinyurl.com/idx2"}
MANY_SIGNALS = {"comment_content": "Check out my channel http://bit.ly/x subscribe please!!! "
                                   "free money"}
LOW = Thresholds(hold=1e-6, discard=2e-6)


def _decide(comment: dict[str, str], model: Scorer, thresholds: Thresholds = THRESHOLDS,
            signals: FormSignals | None = None, **kwargs: Any) -> Decision:
    domains = link_domains(comment["comment_content"])
    return decide(comment, model, thresholds, signals or FormSignals(), domains,
                  **kwargs)


def test_one_signal_scored_for_discard_is_held_with_the_rule_named(model: Scorer) -> None:
    decision = _decide(ONE_LINK, model)
    assert decision.score >= THRESHOLDS.discard
    assert independent_signals(model.score(ONE_LINK).reasons, FormSignals(), True) == ["links"]
    assert decision.action == "hold"
    assert "held, not discarded: one signal only (links)" in decision.reasons


def test_two_independent_signals_discard(model: Scorer) -> None:
    decision = _decide(MANY_SIGNALS, model)
    assert len(independent_signals(model.score(MANY_SIGNALS).reasons, FormSignals(), True)) >= 2
    assert decision.action == "discard"
    # The same comment with its honeypot trap filled is two signals even without its text.
    trapped = _decide(HARMLESS, model, LOW, FormSignals(honeypot="x", seconds_to_submit=0.5))
    assert trapped.action == "discard"


def test_no_signal_beyond_the_score_holds(model: Scorer) -> None:
    decision = _decide(HARMLESS, model, LOW)
    assert decision.action == "hold"
    assert "held, not discarded: no signal beyond the overall score" in decision.reasons


@pytest.mark.parametrize("content", [
    "Check out my channel https://en.wikipedia.org/wiki/Spam subscribe!!! free money",
    "Buy now!!! https://doi.org/10.1000/1 and https://arxiv.org/abs/1 and https://nasa.gov/x",
])
def test_links_only_to_reference_sites_are_never_discarded(model: Scorer, content: str) -> None:
    comment = {"comment_content": content}
    decision = _decide(comment, model, LOW, FormSignals(honeypot="x", captcha="failed",
                                                        captcha_error="wrong-answer"))
    assert decision.action == "hold"
    assert "held, not discarded: every link points to a reputable or known site" in decision.reasons
    # One unreputable link among them, and the rule no longer protects it.
    mixed = _decide({"comment_content": content + " http://pills.example/buy"}, model, LOW,
                    FormSignals(honeypot="x", captcha="failed", captcha_error="wrong-answer"))
    assert mixed.action == "discard"


def test_the_reputation_hook_takes_any_predicate(model: Scorer) -> None:
    decision = _decide(MANY_SIGNALS, model, reputable=lambda domain: domain == "bit.ly")
    assert decision.action == "hold"
    assert links_all_reputable(["a.wikipedia.org", "cs.mit.edu", "x.gov"])
    assert not links_all_reputable([])
    assert not is_reference_domain("notwikipedia.org")
    assert not is_reference_domain("wikipedia.org.spam.example")
    assert is_reference_domain("www.ons.gov.uk") and is_reference_domain("www.ox.ac.uk")
    assert is_reference_domain("www150.statcan.gc.ca")


def test_a_site_s_own_domain_and_its_accepted_domains_are_trusted_for_discarding() -> None:
    reputable = reputable_for_site(["blog.example.com"], ["maps.example.org"])
    assert reputable("example.com") and reputable("www.example.com")
    assert reputable("maps.example.org") and reputable("en.wikipedia.org")
    assert not reputable("example.net") and not reputable("pills.example")
    # Nothing trusted, nothing but the reputable hosts.
    assert not reputable_for_site([], [])("example.com")


def test_a_never_discard_site_holds_what_it_would_discard(model: Scorer) -> None:
    decision = _decide(MANY_SIGNALS, model, never_discard=True)
    assert decision.action == "hold"
    assert "held, not discarded: this site never discards" in decision.reasons
    test_spam = decide({**HARMLESS, "comment_author": GUARANTEED_SPAM_AUTHOR}, model,
                       THRESHOLDS, FormSignals(), never_discard=True)
    assert test_spam.action == "hold"


SAMPLES = [HARMLESS, ONE_LINK, MANY_SIGNALS,
           {"comment_content": "ok"}, {"comment_content": "Nice video"},
           {"comment_content": "hello", "comment_author": "x"},
           {"comment_content": "A" * 400}, {"comment_content": "1234 5678 9012"}]


@pytest.mark.parametrize("hold", [0.001, 0.05, 0.3, 0.6, 0.9])
def test_every_hold_carries_a_reason(model: Scorer, hold: float) -> None:
    for comment in SAMPLES:
        for signals in (FormSignals(), FormSignals(captcha_required=True),
                        FormSignals(seconds_to_submit=60.0)):
            for never in (False, True):
                decision = _decide(comment, model, Thresholds(hold, max(hold, 0.95)), signals,
                                   never_discard=never)
                if decision.action == "hold":
                    assert decision.reasons and all(r.strip() for r in decision.reasons)
    bare = _decide(HARMLESS, model, Thresholds(0.001, 0.999))
    assert bare.action == "hold"
    assert bare.reasons == [f"spam score {bare.score:.2f} reaches the hold threshold 0.00"]


def test_the_model_s_words_are_no_second_signal(model: Scorer) -> None:
    # A reader pointing to another view: an unseen link, and "see" weighing as a spam word.
    comment = {"comment_content": "Interesting, see also https://unknown-site.example.org/page "
                                  "for a different view"}
    scored = model.score(comment)
    assert any(r.startswith("contains '") for r in scored.reasons)
    assert independent_signals(scored.reasons, FormSignals(), True) == ["links"]
    decision = _decide(comment, model)
    assert decision.score >= THRESHOLDS.discard
    assert decision.action == "hold"
    assert "held, not discarded: one signal only (links)" in decision.reasons
