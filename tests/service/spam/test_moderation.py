"""A comment check over real HTTP: the comment's text is normalised once, for both uses."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from model import features
from model.normalize import NormalizedText, normalize_text
from model.registry import default_artifact_dir
from model.scorer import Scorer
from service.sites.registry import Site
from service.spam import decision

COMMENT = {"comment_content": "Cheap <b>watches</b> at http://watches.example and "
                              "w w w . spam . com, subscr1be!", "comment_author": "Seller"}


@pytest.fixture
def normalised(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts normalised from now on, in order."""
    seen: list[str] = []

    def counted(raw: str) -> NormalizedText:
        seen.append(raw)
        return normalize_text(raw)

    # Both places a comment check could normalise the text from count their calls.
    monkeypatch.setattr(features, "normalize_text", counted)
    monkeypatch.setattr(decision, "normalize_text", counted)
    return seen


def test_a_comment_check_normalises_the_text_once(
    http: requests.Session, site: tuple[Site, str], normalised: list[str]
) -> None:
    reply = http.post("/v1/comment-check", json=COMMENT,
                      headers={"Authorization": f"Bearer {site[1]}"})
    assert reply.status_code == 200, reply.text
    assert normalised == [COMMENT["comment_content"]]
    body = reply.json()
    assert "2 links to domains never seen in accepted comments" in body["reasons"]
    expected = Scorer.load(default_artifact_dir()).score(COMMENT).probability
    assert body["score"] == round(expected, 4)


def test_a_site_with_its_own_layer_still_normalises_once(
    http: requests.Session, site: tuple[Site, str], normalised: list[str]
) -> None:
    auth = {"Authorization": f"Bearer {site[1]}"}
    reply = http.post("/v1/feedback", json={**COMMENT, "label": "spam"}, headers=auth)
    assert reply.status_code == 201, reply.text  # the site now has a layer of its own
    normalised.clear()
    reply = http.post("/v1/comment-check", json=COMMENT, headers=auth)
    assert reply.status_code == 200, reply.text
    assert normalised == [COMMENT["comment_content"]]


@pytest.mark.parametrize("link", [
    "https://blog.example.com/2026/05/win",  # the site's own domain (its origin)
    "https://www.example.com/win",           # the same registrable domain
])
def test_a_link_to_the_site_s_own_domain_is_never_the_ground_to_discard(
    http: requests.Session, site: tuple[Site, str], link: str
) -> None:
    auth = {"Authorization": f"Bearer {site[1]}"}
    blatant = {"comment_content": "FREE MONEY!!! Check out my channel and subscribe!!! "
                                  "Win cash prizes now {link}",
               "comment_author": "Cash Prizes", "honeypot_field_name": "hp", "hp": "x"}

    def check(target: str) -> dict[str, Any]:
        comment = {**blatant, "comment_content": blatant["comment_content"].format(link=target)}
        reply = http.post("/v1/comment-check", json=comment, headers=auth)
        assert reply.status_code == 200, reply.text
        body: dict[str, Any] = reply.json()
        return body

    elsewhere = check("https://cash-prizes.example.net/win")
    assert elsewhere["action"] == "discard"
    own = check(link)
    assert own["action"] == "hold"
    assert "held, not discarded: every link points to a reputable or known site" in own["reasons"]
