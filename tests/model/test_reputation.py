"""Where links point: reputable sources, ordinary sites and hosts that hide something."""

from __future__ import annotations

import pytest

from model.normalize import normalize_text
from model.reputation import (
    MAX_HOST_CHARS,
    Reputation,
    _classify,
    classify_host,
    is_shortener,
    registrable_domain,
)


@pytest.mark.parametrize("host", [
    "en.wikipedia.org", "de.wikipedia.org", "doi.org", "arxiv.org", "www.nasa.gov",
    "data.census.gov", "www.ox.ac.uk", "ons.gov.uk", "www.abs.gov.au", "mit.edu",
    "www.who.int", "ec.europa.eu", "www.bbc.co.uk", "www.gouv.fr", "www.gob.es",
])
def test_reference_and_institutional_hosts_are_reputable(host: str) -> None:
    assert classify_host(host) is Reputation.REPUTABLE


@pytest.mark.parametrize("host", [
    "bit.ly", "tinyurl.com", "192.168.10.4", "[2001:db8::1]", "3232235777",
    "xn--pypal-4ve.com", "pаypal.com", "cheap-pills.ru", "win-now.xyz", "promo.top",
    "no-such-tld.zzzz",
])
def test_shorteners_addresses_lookalikes_and_throwaway_tlds_are_suspicious(host: str) -> None:
    assert classify_host(host) is Reputation.SUSPICIOUS


@pytest.mark.parametrize("host", ["janedoe.com", "github.com", "myblog.wordpress.com",
                                  "example.co.uk", "youtube.com", "anna-bakes.blogspot.com"])
def test_everything_else_is_neutral(host: str) -> None:
    assert classify_host(host) is Reputation.NEUTRAL


def test_a_bare_ac_or_go_domain_is_not_academic_or_governmental() -> None:
    # .ac is Ascension Island's domain; only "ac" under a country (ac.uk) is academic.
    assert classify_host("crypto.ac") is Reputation.NEUTRAL
    assert classify_host("www.go.com") is Reputation.NEUTRAL


def test_registrable_domain_uses_the_public_suffix_list() -> None:
    assert registrable_domain("www.bbc.co.uk") == "bbc.co.uk"
    assert registrable_domain("a.b.example.com") == "example.com"
    assert registrable_domain("nowhere.zzzz") == ""
    assert is_shortener("BIT.LY") and not is_shortener("bitly-fan.com")


def test_reputable_links_keep_no_domain_words_for_the_model() -> None:
    cited = normalize_text("The dose is in https://en.wikipedia.org/wiki/Paracetamol ok")
    assert cited.text == "The dose is in sourcelink ok"
    assert cited.domains == ("en.wikipedia.org",)
    other = normalize_text("cheap at http://cheap-pills.ru/buy")
    assert other.text == "cheap at weblink cheap-pills ru"


def test_hosts_longer_than_any_dns_name_are_judged_but_not_cached() -> None:
    before = _classify.cache_info().currsize
    for i in range(50):
        host = f"h{i}." + "a." * 30_000 + "com"
        assert len(host) > MAX_HOST_CHARS
        assert classify_host(host) is _classify.__wrapped__(host)
    assert _classify.cache_info().currsize == before
    classify_host("en.wikipedia.org")
    assert _classify.cache_info().currsize <= before + 1
