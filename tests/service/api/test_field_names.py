"""The comment fields /openapi.json documents are the ones comment-check accepts."""

from __future__ import annotations

import requests

from model.fields import CONTENT, MAX_COMMENT_CHARS
from service.sites.registry import Site


def _documented_fields(http: requests.Session) -> set[str]:
    spec = http.get("/openapi.json").json()
    body = spec["paths"]["/v1/comment-check"]["post"]["requestBody"]
    return set(body["content"]["application/json"]["schema"]["properties"])


def test_every_documented_field_is_accepted(http: requests.Session,
                                            site: tuple[Site, str]) -> None:
    documented = _documented_fields(http) - {"response"}
    assert CONTENT in documented
    comment = {name: "x" for name in documented} | {CONTENT: "A kind word about the song."}
    reply = http.post("/v1/comment-check", json=comment,
                      headers={"Authorization": f"Bearer {site[1]}"})
    assert reply.status_code == 200, reply.text


def test_a_comment_may_be_exactly_as_long_as_the_limit(http: requests.Session,
                                                      site: tuple[Site, str]) -> None:
    headers = {"Authorization": f"Bearer {site[1]}"}
    longest = http.post("/v1/comment-check", json={CONTENT: "a" * MAX_COMMENT_CHARS},
                        headers=headers)
    assert longest.status_code == 200, longest.text
    over = http.post("/v1/comment-check", json={CONTENT: "a" * (MAX_COMMENT_CHARS + 1)},
                     headers=headers)
    assert over.status_code == 413 and over.json()["error-codes"] == ["payload-too-large"]
