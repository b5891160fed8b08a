"""Redis stopped mid-run: captcha fails closed with 503, limits fail open, all recovers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from service import create_app
from tests.support.flow import get_challenge, solved_response
from tests.support.live_server import LiveServer, based_session
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.slow  # starts servers, several processes or a cluster

LEAKS = ("Traceback", "redis.exceptions", "site-packages", "Connection refused")


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of this test's own, persisting to disk, that the test may stop."""
    server = RedisServer(tmp_path / "redis", None, "--appendonly", "yes").start()
    yield server
    server.stop()


def _assert_unavailable(reply: requests.Response) -> dict[str, Any]:
    assert reply.status_code == 503, reply.text
    for leak in LEAKS:
        assert leak not in reply.text
    body = reply.json()
    assert body["success"] is False and body["error-codes"] == ["internal-error"]
    return body


@pytest.mark.parametrize("policy", ["allow", "deny"])
def test_outage_and_recovery_without_restart(
    own_redis: RedisServer, app_config: dict[str, Any], policy: str
) -> None:
    config = {**app_config, "REDIS_URL": own_redis.url, "RATELIMIT_ENABLED": True,
              "RATELIMIT_ON_ERROR": policy, "SITE_CACHE_SECONDS": 0}
    app = create_app(config)
    site, secret = app.extensions["hedgerow"].sites.add("Blog", ["https://blog.example.com"])
    server = LiveServer(app).start()
    http = based_session(server.url)
    try:
        pending = solved_response(http, site.sitekey)
        challenge = get_challenge(http, site.sitekey)

        own_redis.stop()
        _assert_unavailable(http.get("/v1/challenge", params={"sitekey": site.sitekey}))
        _assert_unavailable(http.post("/v1/solve", json={"token": challenge["token"],
                                                         "answer": 1}))
        verdict = _assert_unavailable(
            http.post("/v1/siteverify", data={"secret": secret, "response": pending})
        )
        assert set(verdict) >= {"success", "error-codes"}  # still the siteverify shape
        assert http.get("/readyz").status_code == 503
        assert http.get("/healthz").status_code == 200
        metrics = http.get("/metrics").text
        assert "hedgerow_redis_up 0" in metrics
        # Each 503 above is counted by route, in the process, with Redis down.
        for route in ("/v1/challenge", "/v1/solve", "/v1/siteverify"):
            assert f'hedgerow_redis_errors_total{{endpoint="{route}"}} 1.0' in metrics, route
        # Every request above spends its budgets in the script of its own work, which
        # failed with them: none was let through unlimited, whatever the policy.
        assert "hedgerow_ratelimit_fail_open_total 0.0" in metrics

        own_redis.start()  # same port, same directory: sites were persisted
        assert http.get("/readyz").status_code == 200
        # The response that could not be checked during the outage is still good.
        body = http.post("/v1/siteverify", data={"secret": secret, "response": pending}).json()
        assert body["success"] is True
        assert get_challenge(http, site.sitekey)["prompt"]
    finally:
        http.close()
        server.stop()
