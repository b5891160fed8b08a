"""Fixtures: a real ``hedgerow serve`` behind a real nginx running the shipped config."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis

from tests.conftest import SITE_ORIGIN
from tests.support.nginx import NginxProcess, nginx_binary
from tests.support.processes import ServeProcess, clean_env, run_cli
from tests.support.redis_server import RedisServer, free_port
from tests.support.unavailable import unavailable

# Challenges per minute per client address, low so that a test can spend a budget.
CHALLENGE_LIMIT = 5


@dataclass
class Deployment:
    """Hedgerow and the nginx in front of it, with one registered site."""

    proxy: NginxProcess
    app: ServeProcess
    sitekey: str
    secret: str


@pytest.fixture(scope="module")
def nginx() -> str:
    """The nginx executable: missing fails under CI and skips (saying why) elsewhere."""
    binary = nginx_binary()
    if binary is None:
        reason = ("nginx is not installed (Debian: apt-get install nginx, "
                  "which `scripts/bootstrap --test` does)")
        unavailable(reason)
    return binary


@pytest.fixture(scope="module")
def deployment(
    nginx: str, redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    """One gunicorn worker on a loopback port, reachable for the tests through nginx."""
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    directory = tmp_path_factory.mktemp("deploy")
    env = clean_env(
        HEDGEROW_REDIS_URL=redis_server.url,
        HEDGEROW_DATA_DIR=str(directory / "data"),
        HEDGEROW_SECRET_KEY=secrets.token_urlsafe(48),
        HEDGEROW_TRUSTED_PROXIES="1",
        HEDGEROW_RATELIMIT_CHALLENGE=f"{CHALLENGE_LIMIT}/minute",
    )
    added = run_cli("sites", "add", "Blog", "--origin", SITE_ORIGIN, env=env)
    assert added.returncode == 0, added.stderr
    site = json.loads(added.stdout.strip().splitlines()[-1])
    # One worker: its 4 threads are all a slow client needs to take. (With two, the kernel
    # may hand every slow connection to one worker and the checks to the other.)
    app = ServeProcess(free_port(), env, "--workers", "1", log=directory / "serve.log")
    proxy: NginxProcess | None = None
    try:
        app.wait_ready()
        proxy = NginxProcess(nginx, directory / "nginx", free_port(), f"127.0.0.1:{app.port}")
        proxy.wait_ready()
        yield Deployment(proxy, app, site["sitekey"], site["secret"])
    finally:
        if proxy is not None:
            proxy.stop()
        app.stop()
