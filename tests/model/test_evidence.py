"""Fixed evidence from the author fields, the user agent and mixed alphabets."""

from __future__ import annotations

from model.evidence import (
    SCRIPT_AGENT_LOG_ODDS,
    STRONG_ADVERT_LOG_ODDS,
    Evidence,
    fixed_evidence,
)
from model.features import prepare_comment
from model.normalize import normalize_text

PRAISE = "Great post, very informative. Thanks for sharing!"


def _evidence(**fields: str) -> tuple[Evidence, ...]:
    comment = {"comment_content": PRAISE, **fields}
    return fixed_evidence(comment, normalize_text(str(comment["comment_content"])))


def _reasons(**fields: str) -> list[str]:
    return [e.reason for e in _evidence(**fields) if e.log_odds > 0]


def test_an_ordinary_commenter_gives_no_evidence() -> None:
    assert _evidence(comment_author="Jane Doe", comment_author_url="https://janedoe.net",
                     comment_author_email="jane@gmail.com",
                     user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0") == ()
    assert _evidence() == ()


def test_a_name_that_sells_is_an_advert() -> None:
    reasons = _reasons(comment_author="Cheap Viagra Online")
    assert reasons == ["the author name advertises: 'cheap', 'viagra'"]
    strong = _evidence(comment_author="Viagra")[0]
    assert strong.log_odds == STRONG_ADVERT_LOG_ODDS
    assert _reasons(comment_author="BestSeoServices") == [
        "the author name advertises: 'seo', 'services'"]


def test_a_link_as_a_name() -> None:
    assert "the author name contains a link" in _reasons(comment_author="www.janes-site.com")
    assert "the author name contains a link" in _reasons(comment_author="pills4u.ru")
    assert _reasons(comment_author="J.R.R. Tolkien") == []
    assert _reasons(comment_author="Dr.Smith") == []


def test_the_website_is_judged_by_its_host_and_words() -> None:
    assert _reasons(comment_author_url="http://cheap-viagra-pills.ru") == [
        "the author's website advertises: 'cheap', 'viagra', 'pills'",
        "the author's website is on a suspicious host (cheap-viagra-pills.ru)"]
    assert _reasons(comment_author_url="bit.ly/3xYz") == [
        "the author's website is on a suspicious host (bit.ly)"]
    assert _reasons(comment_author_url="http://203.0.113.9/home") == [
        "the author's website is on a suspicious host (203.0.113.9)"]
    assert _reasons(comment_author_url="https://onlinecasinobonus.com") == [
        "the author's website advertises: 'casino'"]
    assert _reasons(comment_author_url="https://www.ox.ac.uk/people/jdoe") == []


def test_the_email_domain_and_its_agreement_with_the_website() -> None:
    assert _reasons(comment_author_email="x@mailinator.com") == [
        "the e-mail address is a disposable one (mailinator.com)"]
    assert _reasons(comment_author_email="seo.expert@gmail.com") == [
        "the e-mail address advertises: 'seo'"]
    assert _reasons(comment_author_email="me@acme-widgets.com",
                    comment_author_url="https://blog.example.org") == [
        "the e-mail address and the website are on unrelated domains"]
    same = _evidence(comment_author_email="jane@janedoe.net",
                     comment_author_url="https://janedoe.net")
    assert [e.log_odds for e in same] == [-0.5]  # agreement is a little reassuring
    # The website's domain is judged once, not again through the address.
    spam = _reasons(comment_author_url="http://cheap-pills.ru",
                    comment_author_email="sales@cheap-pills.ru")
    assert not any("e-mail" in r for r in spam)


def test_user_agent_of_a_script_or_none_at_all() -> None:
    scripted = _evidence(user_agent="python-requests/2.31.0")
    assert scripted == (Evidence(SCRIPT_AGENT_LOG_ODDS,
                                 "sent by a program, not a browser (python-requests/2.31.0)"),)
    assert _reasons(user_agent="curl/8.5.0") == [
        "sent by a program, not a browser (curl/8.5.0)"]
    assert _reasons(user_agent="") == ["no user agent was sent"]
    assert _reasons() == []  # a form that does not send the field says nothing


def test_mixed_alphabets_have_their_own_reason() -> None:
    comment = {"comment_content": "Frее Bіtсоіn giveaway"}
    evidence = prepare_comment(comment).evidence
    assert [e.reason for e in evidence] == [
        "mixes Cyrillic letters into Latin words (2 words), a way past word filters"]


def test_evidence_comes_strongest_first_and_sums() -> None:
    prepared = prepare_comment({"comment_content": PRAISE, "comment_author": "Casino Bonus",
                                "comment_author_url": "http://bit.ly/x", "user_agent": ""})
    values = [e.log_odds for e in prepared.evidence]
    assert values == sorted(values, reverse=True)
    assert prepared.evidence_log_odds == sum(values) > 8
