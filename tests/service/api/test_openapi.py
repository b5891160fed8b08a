"""/openapi.json describes every public endpoint the app serves."""

from __future__ import annotations

import requests
from flask import Flask


def test_every_route_is_documented(http: requests.Session, app: Flask) -> None:
    spec = http.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    documented = set(spec["paths"])
    served = {
        rule.rule for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and "<" not in rule.rule
        and rule.methods and rule.methods - {"OPTIONS", "HEAD"}
    }
    # Aliases kept for drop-in compatibility are documented under their main path.
    aliases = {"/siteverify", "/recaptcha/api/siteverify", "/recaptcha/api.js", "/widget.css",
               "/pow-worker.js", "/openapi.json", "/demo/demo.css"}
    assert served - aliases <= documented, sorted(served - aliases - documented)


def test_the_root_points_to_the_api(http: requests.Session) -> None:
    body = http.get("/").json()
    assert body["api"] == "/openapi.json" and http.get(body["api"]).status_code == 200
