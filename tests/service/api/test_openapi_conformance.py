"""Schemathesis against the live service: every answer matches /openapi.json.

Requests are generated from the spec itself (valid and invalid ones); each answer must
be no server error and have a documented status, content type, headers and body.
"""

from __future__ import annotations

import pytest
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

from service.api.openapi import spec
from service.sites.registry import Site
from tests.support.live_server import LiveServer

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


# Loaded from the module, so that the cases are known when tests are collected; the
# first check below makes sure the live service serves this very document.
schema = schemathesis.openapi.from_dict(spec())


@pytest.fixture
def base_url(live: LiveServer, site: tuple[Site, str]) -> str:
    """The live service (with a registered site), serving the spec the cases come from."""
    assert requests.get(live.url + "/openapi.json", timeout=10).json() == spec()
    return live.url


@schema.parametrize()
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_every_answer_matches_the_spec(case: schemathesis.Case, base_url: str) -> None:
    case.call_and_validate(base_url=base_url, checks=CHECKS)
