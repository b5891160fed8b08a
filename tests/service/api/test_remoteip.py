"""siteverify can require that the response was solved from the visitor's network."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from service.api.siteverify import MESSAGES
from service.sites.registry import Site
from service.web.state import AppState
from tests.support.flow import solved_response
from tests.support.processes import clean_env, run_cli
from tests.support.waiting import wait_for


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """Behind one trusted proxy, so a test chooses the solver's address."""
    return {**app_config, "TRUSTED_PROXIES": 1}


def _solved_from(http: requests.Session, site: Site, address: str) -> str:
    return solved_response(http, site.sitekey, **{"X-Forwarded-For": address})


def _verify(http: requests.Session, secret: str, response: str, **extra: str) -> dict[str, Any]:
    reply = http.post("/v1/siteverify", data={"secret": secret, "response": response, **extra})
    assert reply.status_code == 200
    return reply.json()


def _require_match(state: AppState, site: Site, on: bool = True) -> None:
    state.sites.update_settings(site, {"require_remoteip_match": on})


def test_a_response_from_another_network_is_refused_when_required(
    http: requests.Session, site: tuple[Site, str], state: AppState
) -> None:
    _require_match(state, site[0])
    response = _solved_from(http, site[0], "203.0.113.5")
    refused = _verify(http, site[1], response, remoteip="203.0.113.6")
    assert refused == {"success": False, "error-codes": ["invalid-input-remoteip"],
        "message": MESSAGES["invalid-input-remoteip"]}
    # The refusal did not spend it: the visitor's own backend call still passes.
    assert _verify(http, site[1], response, remoteip="203.0.113.5")["success"] is True


def test_the_match_is_by_network(
    http: requests.Session, site: tuple[Site, str], state: AppState
) -> None:
    _require_match(state, site[0])
    response = _solved_from(http, site[0], "2001:db8:9:9::1")
    assert _verify(http, site[1], response, remoteip="2001:db8:9:9:abcd::7")["success"] is True
    other = _solved_from(http, site[0], "2001:db8:9:9::1")
    body = _verify(http, site[1], other, remoteip="2001:db8:9:8::1")
    assert body["error-codes"] == ["invalid-input-remoteip"]


def test_without_remoteip_or_with_junk(
    http: requests.Session, site: tuple[Site, str], state: AppState
) -> None:
    _require_match(state, site[0])
    response = _solved_from(http, site[0], "203.0.113.5")
    junk = _verify(http, site[1], response, remoteip="not-an-address")
    assert junk["error-codes"] == ["invalid-input-remoteip"]
    assert _verify(http, site[1], response)["success"] is True  # remoteip is optional


def test_a_mismatch_is_accepted_when_the_option_is_off(
    http: requests.Session, site: tuple[Site, str]
) -> None:
    response = _solved_from(http, site[0], "203.0.113.5")
    assert _verify(http, site[1], response, remoteip="198.51.100.1")["success"] is True


def test_the_option_is_set_from_the_command_line(
    http: requests.Session, site: tuple[Site, str], redis_url: str
) -> None:
    env = clean_env(HEDGEROW_REDIS_URL=redis_url)
    result = run_cli("sites", "set", site[0].sitekey, "--require-remoteip-match", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["settings"]["require_remoteip_match"] is True
    response = _solved_from(http, site[0], "203.0.113.5")
    # Settings reach the workers within HEDGEROW_SITE_CACHE_SECONDS (2 here); a refusal
    # for a wrong network spends nothing, so the same response can be tried again.
    refused = wait_for(lambda: _verify(http, site[1], response, remoteip="198.51.100.1")[
        "error-codes"] == ["invalid-input-remoteip"], timeout=4)
    assert refused
    result = run_cli("sites", "set", site[0].sitekey, "--no-require-remoteip-match", env=env)
    assert result.returncode == 0, result.stderr
    assert wait_for(lambda: _verify(http, site[1], response, remoteip="198.51.100.1")[
        "success"] is True, timeout=4)
