"""Schemathesis against the live service: every answer matches /openapi.json.

Requests are generated from the spec itself (valid and invalid ones) and each is sent
twice: as generated, and with the registered site's real keys in place of the random
ones, which reaches the code behind the key checks. Each answer must be no server error
and have a documented status, content type, headers and body.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
import redis
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service import create_app
from service.api.openapi import spec
from service.sites.registry import Site
from tests.conftest import SITE_ORIGIN
from tests.support.live_server import LiveServer
from tests.support.redis_server import RedisServer

# Hundreds of generated requests: with the slow tests (CI), not in the quick lane.
pytestmark = pytest.mark.slow

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


# Loaded from the module, so that the cases are known when tests are collected; the
# first check below makes sure the live service serves this very document.
schema = schemathesis.openapi.from_dict(spec())


@pytest.fixture(scope="module")
def target(
    redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Site, str]]:
    """One live service for every case (its model loads once), with a registered site;
    it serves the very spec the cases come from."""
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    app = create_app({
        "SECRET_KEY": [secrets.token_urlsafe(48)], "REDIS_URL": redis_server.url,
        "DATA_DIR": str(tmp_path_factory.mktemp("conformance")), "RATELIMIT_ENABLED": False,
    })
    site, secret = app.extensions["hedgerow"].sites.add("Blog", [SITE_ORIGIN])
    server = LiveServer(app).start()
    try:
        assert requests.get(server.url + "/openapi.json", timeout=10).json() == spec()
        yield server.url, site, secret
    finally:
        server.stop()


def _with_real_keys(case: schemathesis.Case, site: Site, secret: str) -> None:
    """Put the registered site's keys where the case has them, so that generated requests
    get past the key check into the code behind it (random keys are refused up front)."""
    if isinstance(case.query, dict) and "sitekey" in case.query:
        case.query["sitekey"] = site.sitekey
    if case.operation.path.startswith("/1."):
        if isinstance(case.body, dict):
            case.body["api_key"] = secret
            case.body.pop("key", None)
            if "blog" in case.body:
                case.body["blog"] = SITE_ORIGIN
        if isinstance(case.query, dict) and "api_key" in case.query:
            case.query["api_key"] = secret
    elif case.operation.definition.raw.get("security"):
        case.headers["Authorization"] = f"Bearer {secret}"


@schema.parametrize()
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_every_answer_matches_the_spec(
    case: schemathesis.Case, target: tuple[str, Site, str]
) -> None:
    base_url, site, secret = target
    # A generous timeout: the first comment check loads the model.
    case.call_and_validate(base_url=base_url, checks=CHECKS, timeout=60)
    _with_real_keys(case, site, secret)
    case.call_and_validate(base_url=base_url, checks=CHECKS, timeout=60)
