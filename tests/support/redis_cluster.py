"""A real three-node Redis Cluster on loopback ports, for the tests."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import redis
from redis.cluster import ClusterNode, RedisCluster

from tests.support.redis_server import RedisServer, free_port, redis_server_binary


def _redis_cli() -> str:
    beside = Path(redis_server_binary()).with_name("redis-cli")
    if beside.exists():
        return str(beside)
    found = shutil.which("redis-cli")
    if not found:
        raise RuntimeError("redis-cli is needed to form a test cluster")
    return found


# A node's cluster bus listens 10000 ports above its own port.
CLUSTER_PORT_LIMIT = 55535


class RedisClusterServers:
    """Three masters, no replicas, every slot assigned."""

    def __init__(self, directory: Path) -> None:
        self.nodes = [
            RedisServer(directory / f"node{i}", free_port(CLUSTER_PORT_LIMIT),
                        "--cluster-enabled", "yes",
                        "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000")
            for i in range(3)
        ]

    @property
    def url(self) -> str:
        """``redis+cluster://`` URL naming every node."""
        return "redis+cluster://" + ",".join(f"127.0.0.1:{n.port}" for n in self.nodes)

    def start(self) -> RedisClusterServers:
        """Start the nodes, join them into a cluster, and wait until it serves."""
        for node in self.nodes:
            node.start()
        subprocess.run(
            [_redis_cli(), "--cluster", "create",
             *(f"127.0.0.1:{n.port}" for n in self.nodes),
             "--cluster-replicas", "0", "--cluster-yes"],
            check=True, capture_output=True, timeout=60,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            info: dict[str, str] = redis.Redis(port=self.nodes[0].port).cluster("info")  # type: ignore[assignment]
            if info.get("cluster_state") == "ok":
                break
            time.sleep(0.2)
        else:
            raise RuntimeError("the test cluster did not become ready")
        return self

    def client(self) -> RedisCluster:
        """A cluster client."""
        return RedisCluster(startup_nodes=[ClusterNode("127.0.0.1", n.port) for n in self.nodes])

    def stop(self) -> None:
        """Stop every node."""
        for node in self.nodes:
            node.stop()
