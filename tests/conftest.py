"""Fixtures: a real Redis server, the real app on real HTTP, a registered site."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
from flask import Flask
from playwright.sync_api import Browser, sync_playwright

from service import create_app
from service.sites.registry import Site
from service.web.state import AppState
from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.support.live_server import LiveServer, based_session
from tests.support.redis_server import RedisServer

SITE_ORIGIN = "https://blog.example.com"
# Tests under these folders drive a real browser, proxy or WordPress; `scripts/test --fast`
# leaves them out.
_MARKED_FOLDERS = {"browser": "browser", "deploy": "slow", "wordpress": "slow"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/browser, tests/deploy and tests/wordpress by its folder."""
    for item in items:
        parts = item.path.parts
        for folder, marker in _MARKED_FOLDERS.items():
            if "tests" in parts and folder in parts[parts.index("tests"):]:
                item.add_marker(getattr(pytest.mark, marker))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium for the whole run, shared by tests/browser and tests/wordpress:
    Playwright's sync API runs one instance per thread. A missing browser fails."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One real redis-server for the whole run."""
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The test Redis, emptied before each test."""
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    return redis_server.url


@pytest.fixture
def secret_keys() -> list[str]:
    """Signing keys for one test, newest first."""
    return [secrets.token_urlsafe(48)]


@pytest.fixture
def app_config(redis_url: str, secret_keys: list[str], tmp_path: Path) -> dict[str, Any]:
    """The test configuration; tests may change it before ``app`` is built."""
    return {
        "SECRET_KEY": secret_keys,
        "REDIS_URL": redis_url,
        "DATA_DIR": str(tmp_path / "data"),
        "RATELIMIT_ENABLED": False,
    }


@pytest.fixture
def app(app_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The real app, configured for the test Redis (ignoring the caller's environment)."""
    for name in list(os.environ):
        if name.startswith("HEDGEROW_"):
            monkeypatch.delenv(name)
    flask_app = create_app(app_config)
    yield flask_app
    flask_app.extensions["hedgerow"].close()


@pytest.fixture
def state(app: Flask) -> AppState:
    """The app's resources (store, sites, signer…)."""
    return app.extensions["hedgerow"]


@pytest.fixture
def live(app: Flask) -> Iterator[LiveServer]:
    """The app served over real HTTP."""
    server = LiveServer(app).start()
    yield server
    server.stop()


@pytest.fixture
def http(live: LiveServer) -> Iterator[requests.Session]:
    """A requests session whose relative URLs go to the live server."""
    with based_session(live.url) as session:
        yield session


@pytest.fixture
def site(state: AppState) -> tuple[Site, str]:
    """A registered site and its secret."""
    return state.sites.add("Blog", [SITE_ORIGIN])
