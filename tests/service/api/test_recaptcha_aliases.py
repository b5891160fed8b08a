"""Google's paths, which django-recaptcha builds from one domain, lead to Hedgerow too."""

from __future__ import annotations

import requests

from service.api.siteverify import MESSAGES
from service.api.widget import load_asset
from service.sites.registry import Site
from tests.support.flow import solved_response

VERIFY = "/recaptcha/api/siteverify"


def test_recaptcha_api_js_is_the_widget(http: requests.Session) -> None:
    reply = http.get("/recaptcha/api.js", params={"render": "explicit", "hl": "de"})
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert reply.content == load_asset("widget.js").body
    assert reply.headers["ETag"] == http.get("/widget.js").headers["ETag"]


def test_recaptcha_siteverify_verifies_once(http: requests.Session, site: tuple[Site, str]) -> None:
    response = solved_response(http, site[0].sitekey)
    # django-recaptcha posts form-encoded fields, exactly as to Google.
    fields = {"secret": site[1], "response": response, "remoteip": "203.0.113.7"}
    first = http.post(VERIFY, data=fields)
    assert first.status_code == 200
    assert first.json()["success"] is True
    assert set(first.json()) == {"success", "challenge_ts", "hostname", "error-codes"}
    again = http.post(VERIFY, data=fields).json()
    assert again == {"success": False, "error-codes": ["timeout-or-duplicate"],
        "message": MESSAGES["timeout-or-duplicate"]}


def test_recaptcha_siteverify_fails_closed(http: requests.Session, site: tuple[Site, str]) -> None:
    assert http.post(VERIFY, data={"secret": site[1]}).json() == {
        "success": False, "error-codes": ["missing-input-response"],
        "message": MESSAGES["missing-input-response"],
    }
    wrong = http.post(VERIFY, data={"secret": "nope", "response": "x"}).json()
    assert wrong["success"] is False
    assert "invalid-input-secret" in wrong["error-codes"]
    assert http.get(VERIFY).status_code == 405
