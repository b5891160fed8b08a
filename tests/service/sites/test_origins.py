"""Origins as browsers send them: one spelling for each, and clear refusals."""

from __future__ import annotations

import pytest

from service.sites.registry import SiteError, normalize_origin
from service.web.state import AppState


@pytest.mark.parametrize(("raw", "origin"), [
    ("https://Blog.Example.com", "https://blog.example.com"),
    ("https://blog.example.com/", "https://blog.example.com"),
    ("https://blog.example.com:443", "https://blog.example.com"),
    ("http://blog.example.com:80", "http://blog.example.com"),
    ("http://localhost:8000", "http://localhost:8000"),
    ("https://blog.example.com:8443", "https://blog.example.com:8443"),
    ("http://[::1]:8000", "http://[::1]:8000"),
    ("  https://blog.example.com  ", "https://blog.example.com"),
    # Internationalised hosts in the punycode browsers send, whatever the spelling given.
    ("https://bücher.example", "https://xn--bcher-kva.example"),
    ("https://BÜCHER.example", "https://xn--bcher-kva.example"),
    ("https://xn--bcher-kva.example", "https://xn--bcher-kva.example"),
    ("https://straße.example", "https://xn--strae-oqa.example"),
    ("http://пример.испытание:8080", "http://xn--e1afmkfd.xn--80akhbyknj4f:8080"),
])
def test_origins_are_normalised(raw: str, origin: str) -> None:
    assert normalize_origin(raw) == origin
    # Idempotent: a site takes an origin that equals a stored one without parsing it.
    assert normalize_origin(origin) == origin


@pytest.mark.parametrize(("raw", "words"), [
    ("blog.example.com", "not an origin"),
    ("ftp://blog.example.com", "not an origin"),
    ("https://blog.example.com/comments", "drop the path"),
    ("https://blog.example.com/?q=1", "drop the path"),
    ("https://user@blog.example.com", "drop the path"),
    ("https://blog.example.com:99999", "not a valid origin"),
    ("https://", "not an origin"),
    ("https://exa mple.com", "not a valid domain name"),
    ("https://\u2603\u0300.example", "not a valid domain name"),
    ("https://" + "a." * 126 + "com", "longer than a domain name can be"),
    ("https://" + "a." * 30_000 + "com", "longer than 270 characters"),
    ("https://" + "\ufdfa" * 20_000, "longer than 270 characters"),
])
def test_what_is_not_an_origin_is_refused_with_a_reason(raw: str, words: str) -> None:
    with pytest.raises(SiteError, match=words) as refused:
        normalize_origin(raw)
    assert len(str(refused.value)) < 400  # the message quotes no more than a glimpse


def test_a_unicode_origin_matches_what_the_browser_sends(state: AppState) -> None:
    site, _ = state.sites.add("Bücher", ["https://bücher.example"])
    assert site.origins == ("https://xn--bcher-kva.example",)
    assert site.allows_origin("https://xn--bcher-kva.example")
    assert site.allows_origin("https://bücher.example")
    assert not site.allows_origin("https://bucher.example")


def test_a_unicode_origin_stored_before_is_read_as_punycode(state: AppState) -> None:
    site, _ = state.sites.add("Old", ["https://old.example"])
    record = {**site.to_record(), "origins": ["https://bücher.example"]}
    state.store.update_site(site.sitekey, record)
    state.sites.cache_seconds = 0
    found = state.sites.get(site.sitekey)
    assert found is not None and found.allows_origin("https://xn--bcher-kva.example")
