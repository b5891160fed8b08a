"""The embedded Redis: shared while its starter lives, never adopted once orphaned."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from service.store.embedded import (
    OWNER_FILE,
    PID_FILE,
    SOCKET_NAME,
    EmbeddedRedis,
    _server_binary,
    owner_alive,
    process_start_time,
    terminate,
)


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A short data directory path (Unix socket paths are limited to 107 bytes)."""
    with tempfile.TemporaryDirectory(prefix="hr-") as path:
        yield Path(path)


def _server_pid(server: EmbeddedRedis) -> int:
    client = redis.Redis(unix_socket_path=str(server.socket))
    try:
        info: dict[str, object] = client.info("server")  # type: ignore[assignment]
        return int(str(info["process_id"]))
    finally:
        client.close()


def test_a_second_user_shares_the_server_and_only_the_starter_stops_it(data_dir: Path) -> None:
    first = EmbeddedRedis(data_dir).start()
    try:
        pid = _server_pid(first)
        assert int((first.dir / PID_FILE).read_text()) == pid
        assert owner_alive(first.dir / OWNER_FILE)
        second = EmbeddedRedis(data_dir).start()
        assert _server_pid(second) == pid and second.process is None
        second.stop()
        assert _server_pid(first) == pid  # still up: the second did not start it
    finally:
        first.stop()
    assert process_start_time(pid) is None
    assert not (first.dir / OWNER_FILE).exists()


def test_a_server_whose_owner_is_gone_is_shut_down_and_replaced(data_dir: Path) -> None:
    redis_dir = data_dir / "redis"
    redis_dir.mkdir(mode=0o700)
    socket_path = redis_dir / SOCKET_NAME
    orphan = subprocess.Popen(
        [_server_binary(), "--port", "0", "--unixsocket", str(socket_path),
         "--dir", str(redis_dir), "--save", ""],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not socket_path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        # The recorded owner is this very pid, but started at another time: a reused pid.
        (redis_dir / OWNER_FILE).write_text(f"{os.getpid()} 0\n")
        assert not owner_alive(redis_dir / OWNER_FILE)
        server = EmbeddedRedis(data_dir).start()
        try:
            assert server.replaced_orphan
            assert orphan.wait(timeout=10) == 0  # asked to shut down, it saved and left
            assert server.process is not None and _server_pid(server) == server.process.pid
            assert owner_alive(redis_dir / OWNER_FILE)
        finally:
            server.stop()
    finally:
        terminate(orphan)


def test_an_owner_file_that_names_no_process_is_not_alive(data_dir: Path) -> None:
    path = data_dir / OWNER_FILE
    for text in ("", "garbage", "999999999 5", f"{os.getpid()}"):
        path.write_text(text)
        assert not owner_alive(path), text
    path.write_text(f"{os.getpid()} {process_start_time(os.getpid())}")
    assert owner_alive(path)
