"""Origins as browsers send them: one spelling for each, and clear refusals."""

from __future__ import annotations

import pytest

from service.sites.registry import SiteError, normalize_origin


@pytest.mark.parametrize(("raw", "origin"), [
    ("https://Blog.Example.com", "https://blog.example.com"),
    ("https://blog.example.com/", "https://blog.example.com"),
    ("https://blog.example.com:443", "https://blog.example.com"),
    ("http://blog.example.com:80", "http://blog.example.com"),
    ("http://localhost:8000", "http://localhost:8000"),
    ("https://blog.example.com:8443", "https://blog.example.com:8443"),
    ("http://[::1]:8000", "http://[::1]:8000"),
    ("  https://blog.example.com  ", "https://blog.example.com"),
])
def test_origins_are_normalised(raw: str, origin: str) -> None:
    assert normalize_origin(raw) == origin


@pytest.mark.parametrize(("raw", "words"), [
    ("blog.example.com", "not an origin"),
    ("ftp://blog.example.com", "not an origin"),
    ("https://blog.example.com/comments", "drop the path"),
    ("https://blog.example.com/?q=1", "drop the path"),
    ("https://user@blog.example.com", "drop the path"),
    ("https://blog.example.com:99999", "not a valid origin"),
    ("https://", "not an origin"),
])
def test_what_is_not_an_origin_is_refused_with_a_reason(raw: str, words: str) -> None:
    with pytest.raises(SiteError, match=words):
        normalize_origin(raw)
