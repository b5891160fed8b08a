"""/openapi.json is the contract: every route the app serves, and nothing it does not."""

from __future__ import annotations

import requests
from flask import Flask

METHODS = {"get", "post", "put", "patch", "delete", "options"}


def _served(app: Flask) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "<" in rule.rule:
            continue
        # Flask adds HEAD to every GET and OPTIONS to every rule; only explicit ones count.
        for method in (rule.methods or set()) - {"HEAD"}:
            if method == "OPTIONS" and getattr(rule, "provide_automatic_options", False):
                continue
            routes.add((rule.rule, method.lower()))
    return routes


def test_every_route_is_in_the_spec_and_every_path_is_served(
    http: requests.Session, app: Flask
) -> None:
    spec = http.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    documented = {(path, method) for path, item in spec["paths"].items()
                  for method in item if method in METHODS}
    served = _served(app)
    assert served - documented == set(), sorted(served - documented)
    assert documented - served == set(), sorted(documented - served)


def test_the_spec_has_the_fields_clients_need(http: requests.Session) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    challenge = paths["/v1/challenge"]["get"]["responses"]["200"]["content"]
    assert "pow" in challenge["application/json"]["schema"]["properties"]
    solve = paths["/v1/solve"]["post"]["requestBody"]["content"]["application/json"]
    assert "pow" in solve["schema"]["properties"]
    for name in ("verify-key", "comment-check", "submit-spam", "submit-ham"):
        form = paths[f"/1.1/{name}"]["post"]["requestBody"]["content"]
        fields = form["application/x-www-form-urlencoded"]["schema"]["properties"]
        assert {"key", "api_key", "blog"} <= set(fields), name
    for path, method in (("/v1/challenge", "get"), ("/v1/solve", "post"),
                         ("/v1/siteverify", "post"), ("/v1/comment-check", "post")):
        responses = paths[path][method]["responses"]
        assert {"429", "503"} <= set(responses), path


def test_the_root_points_to_the_api(http: requests.Session) -> None:
    body = http.get("/").json()
    assert body["api"] == "/openapi.json" and http.get(body["api"]).status_code == 200
