"""The whole captcha flow and the rate limits on a real Redis Cluster."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service import create_app
from tests.support.flow import solved_response
from tests.support.live_server import LiveServer, based_session
from tests.support.redis_cluster import RedisClusterServers

pytestmark = pytest.mark.slow  # starts servers, several processes or a cluster


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisClusterServers]:
    """A three-node cluster for this module."""
    servers = RedisClusterServers(Path(tmp_path_factory.mktemp("cluster"))).start()
    yield servers
    servers.stop()


def test_flow_on_a_cluster(cluster: RedisClusterServers, app_config: dict[str, Any]) -> None:
    config = {**app_config, "REDIS_URL": cluster.url, "RATELIMIT_ENABLED": True,
              "RATELIMIT_SITEVERIFY": "3/minute", "POW_ENABLED": True, "POW_MIN_BITS": 4}
    app = create_app(config)
    app_state = app.extensions["hedgerow"]
    site, secret = app_state.sites.add("Blog", ["https://blog.example.com"])
    server = LiveServer(app).start()
    try:
        with based_session(server.url) as http:
            response = solved_response(http, site.sitekey)
            verdicts = [
                http.post("/v1/siteverify", data={"secret": secret, "response": response})
                for _ in range(4)
            ]
            assert [v.status_code for v in verdicts] == [200, 200, 200, 429]
            assert verdicts[0].json()["success"] is True
            assert verdicts[1].json()["error-codes"] == ["timeout-or-duplicate"]
            rotated, new_secret = app_state.sites.rotate_secret(site)
            assert app_state.sites.by_secret(new_secret) == rotated
            assert app_state.sites.by_secret(secret) is None
            assert app_state.sites.remove(rotated)
            assert http.get("/readyz").status_code == 200
    finally:
        server.stop()


def test_site_adaptation_and_scratch_space_on_a_cluster(cluster: RedisClusterServers) -> None:
    from service.store.redis_store import Store, connect

    store = Store(connect(cluster.url))
    try:
        assert store.replace_adaptation_state("hk_a", 0, "one") == 1
        assert store.replace_adaptation_state("hk_a", 0, "late") is None
        assert store.adaptation_state("hk_a") == (1, "one")
        scratch = store.scratch("t1")
        for n in range(30):  # spread over every node's slots
            scratch.add_known_domains(f"hk_{n}", ["example.org"])
            scratch.replace_adaptation_state(f"hk_{n}", None, "x")
        assert scratch.clear(batch=7) == 60
        assert not list(store.client.scan_iter(match="hedgerow:scratch:*"))
        assert store.adaptation_state("hk_a") == (1, "one")
        with pytest.raises(ValueError):
            store.clear()
    finally:
        store.client.close()
