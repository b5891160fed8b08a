"""Each site has its own challenge and solve budget, beside each client's."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from service.sites.registry import Site
from service.web.state import AppState
from tests.support.flow import get_challenge, solution


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """Small site budgets; every request from a fresh client address (via a proxy)."""
    return {**app_config, "TRUSTED_PROXIES": 1, "RATELIMIT_ENABLED": True,
            "RATELIMIT_CHALLENGE_SITE": "3/minute", "RATELIMIT_SOLVE_SITE": "2/minute"}


def _from(i: int) -> dict[str, str]:
    return {"X-Forwarded-For": f"198.51.100.{i}"}


def test_a_flood_spends_its_own_sites_challenges_only(
    http: requests.Session, site: tuple[Site, str], state: AppState
) -> None:
    other, _ = state.sites.add("Other", ["https://other.example"])
    flooded = [http.get("/v1/challenge", params={"sitekey": site[0].sitekey},
                        headers=_from(i)) for i in range(5)]
    assert [r.status_code for r in flooded] == [200, 200, 200, 429, 429]
    body = flooded[-1].json()
    assert body["error-codes"] == ["rate-limited"] and "for this site" in body["message"]
    assert int(flooded[-1].headers["Retry-After"]) >= 1
    spared = [http.get("/v1/challenge", params={"sitekey": other.sitekey},
                       headers=_from(50 + i)).status_code for i in range(3)]
    assert spared == [200, 200, 200]


def test_a_flood_spends_its_own_sites_solves_only(
    http: requests.Session, site: tuple[Site, str], state: AppState, app_config: dict[str, Any]
) -> None:
    other, _ = state.sites.add("Other", ["https://other.example"])
    mine = [get_challenge(http, site[0].sitekey, **_from(i)) for i in range(3)]
    theirs = get_challenge(http, other.sitekey, **_from(9))
    answers = [http.post("/v1/solve", json=solution(c), headers=_from(20 + i))
               for i, c in enumerate(mine)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].json()["error-codes"] == ["rate-limited"]
    spared = http.post("/v1/solve", json=solution(theirs), headers=_from(30))
    assert spared.status_code == 200 and spared.json()["success"] is True
