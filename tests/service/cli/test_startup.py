"""Start-up and shutdown of ``hedgerow serve`` as an operator meets them: real processes."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from service.cli.main import main
from service.store.embedded import PID_FILE, process_start_time
from tests.support.processes import ServeProcess, clean_env, run_cli
from tests.support.redis_server import free_port

KEY = secrets.token_urlsafe(48)


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A short data directory path (Unix socket paths are limited to 107 bytes)."""
    with tempfile.TemporaryDirectory(prefix="hr-") as path:
        yield Path(path)


def _one_clean_error(result: subprocess.CompletedProcess[str], *words: str) -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    for word in words:
        assert word in errors[0], result.stderr
    assert "listening" not in result.stderr
    return errors[0]


@pytest.mark.parametrize(("name", "value", "words"), [
    ("HEDGEROW_REDIS_URL", "notaurl", ("HEDGEROW_REDIS_URL", "redis://")),
    ("HEDGEROW_RATELIMIT_CHALLENGE", "lots", ("HEDGEROW_RATELIMIT_CHALLENGE", "30/minute")),
])
def test_a_bad_setting_stops_serve_with_one_clean_line(
    data_dir: Path, name: str, value: str, words: tuple[str, ...]
) -> None:
    env = clean_env(HEDGEROW_DATA_DIR=str(data_dir), HEDGEROW_SECRET_KEY=KEY)
    env[name] = value
    _one_clean_error(run_cli("serve", env=env, timeout=30), *words)


@pytest.mark.parametrize(("name", "value", "words"), [
    ("HEDGEROW_REDIS_URL", "notaurl", ("HEDGEROW_REDIS_URL", "redis://")),
    ("HEDGEROW_RATELIMIT_CHALLENGE", "lots", ("HEDGEROW_RATELIMIT_CHALLENGE", "30/minute")),
    ("HEDGEROW_CHALLENGE_TTL", "0", ("HEDGEROW_CHALLENGE_TTL", "from 5 to 3600")),
    ("HEDGEROW_POW_MIN_BITS", "30", ("HEDGEROW_POW_MIN_BITS", "from 1 to 20")),
    ("HEDGEROW_SECRET_KEY", "a" * 40, ("HEDGEROW_SECRET_KEY", "too easy to guess")),
])
@pytest.mark.parametrize("command", [("serve",), ("sites", "list"), ("config", "check"),
                                     ("feedback", "export"), ("models", "status")])
def test_a_bad_setting_is_one_clean_line_from_every_command(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str,
    words: tuple[str, ...], command: tuple[str, ...]
) -> None:
    for variable in list(os.environ):
        if variable.startswith("HEDGEROW_"):
            monkeypatch.delenv(variable)
    env = {"HEDGEROW_DATA_DIR": str(data_dir), "HEDGEROW_SECRET_KEY": KEY, name: value}
    result = CliRunner().invoke(main, list(command), env=env)
    assert isinstance(result.exception, SystemExit), result.exception  # no other error
    _one_clean_error(subprocess.CompletedProcess(command, result.exit_code, result.stdout,
                                                 result.stderr), *words)


def test_an_unusable_data_directory_is_one_clean_line(data_dir: Path) -> None:
    not_a_directory = data_dir / "file"
    not_a_directory.write_text("")
    env = clean_env(HEDGEROW_DATA_DIR=str(not_a_directory / "data"))
    for command in (("serve", "--demo", "--port", "0"), ("sites", "list")):
        _one_clean_error(run_cli(*command, env=env, timeout=30),
                         f"cannot use the data directory {not_a_directory / 'data'}")


def test_max_bits_below_min_bits_is_refused(data_dir: Path) -> None:
    env = clean_env(HEDGEROW_DATA_DIR=str(data_dir), HEDGEROW_SECRET_KEY=KEY,
                    HEDGEROW_POW_MIN_BITS="16", HEDGEROW_POW_MAX_BITS="12")
    _one_clean_error(run_cli("serve", env=env, timeout=30), "HEDGEROW_POW_MAX_BITS",
                     "HEDGEROW_POW_MIN_BITS (16)")


def test_config_check_shows_effective_settings_with_secrets_masked(data_dir: Path) -> None:
    token = secrets.token_urlsafe(24)
    env = clean_env(HEDGEROW_DATA_DIR=str(data_dir), HEDGEROW_SECRET_KEY=KEY,
                    HEDGEROW_METRICS_TOKEN=token, HEDGEROW_CHALLENGE_TTL="60",
                    HEDGEROW_SECRT_KEY="typo")
    result = run_cli("config", "check", "--json", env=env)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["HEDGEROW_CHALLENGE_TTL"] == 60
    assert shown["HEDGEROW_DATA_DIR"] == str(data_dir)
    assert shown["HEDGEROW_SECRET_KEY"] == ["********"]
    assert shown["HEDGEROW_METRICS_TOKEN"] == "********"
    assert KEY not in result.stdout + result.stderr and token not in result.stdout
    assert ("Warning: HEDGEROW_SECRT_KEY is not a Hedgerow setting; did you mean "
            "HEDGEROW_SECRET_KEY?") in result.stderr
    table = run_cli("config", "check", env=env)
    assert table.returncode == 0
    assert any(line.split() == ["HEDGEROW_CHALLENGE_TTL", "60"]
               for line in table.stdout.splitlines())
    missing = run_cli("config", "check", env=clean_env(HEDGEROW_DATA_DIR=str(data_dir)))
    assert missing.returncode == 2 and "HEDGEROW_SECRET_KEY is not set" in missing.stderr


def test_a_port_in_use_is_an_error_before_anything_is_announced(
    data_dir: Path, redis_url: str
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = clean_env(HEDGEROW_DATA_DIR=str(data_dir), HEDGEROW_SECRET_KEY=KEY,
                        HEDGEROW_REDIS_URL=redis_url)
        result = run_cli("serve", "--port", str(port), env=env, timeout=30)
    _one_clean_error(result, f"cannot listen on 127.0.0.1:{port}", "in use")


def test_a_bad_host_is_an_error(data_dir: Path, redis_url: str) -> None:
    env = clean_env(HEDGEROW_DATA_DIR=str(data_dir), HEDGEROW_SECRET_KEY=KEY,
                    HEDGEROW_REDIS_URL=redis_url)
    result = run_cli("serve", "--host", "no-such-host.invalid", "--port", "0", env=env,
                     timeout=60)
    _one_clean_error(result, "cannot listen on no-such-host.invalid")
    result = run_cli("serve", "--host", "192.0.2.1", "--port", "0", env=env, timeout=30)
    _one_clean_error(result, "cannot listen on 192.0.2.1")


def test_an_unreachable_redis_is_reported_before_serving(data_dir: Path) -> None:
    port = free_port()
    env = clean_env(HEDGEROW_DATA_DIR=str(data_dir), HEDGEROW_SECRET_KEY=KEY,
                    HEDGEROW_REDIS_URL=f"redis://:hunter2hunter2@127.0.0.1:{port}/0")
    line = _one_clean_error(run_cli("serve", "--port", "0", env=env, timeout=30),
                            "cannot reach Redis", f"127.0.0.1:{port}", "HEDGEROW_REDIS_URL")
    assert "hunter2" not in line
    env["HEDGEROW_REDIS_URL"] = f"redis+cluster://127.0.0.1:{port}"
    for command in (("serve", "--port", "0"), ("sites", "list")):
        _one_clean_error(run_cli(*command, env=env, timeout=30), "cannot reach Redis")


@pytest.mark.slow
def test_sigterm_finishes_the_request_in_flight_then_exits_cleanly(
    data_dir: Path, redis_url: str
) -> None:
    env = clean_env(HEDGEROW_DATA_DIR=str(data_dir), HEDGEROW_SECRET_KEY=KEY,
                    HEDGEROW_REDIS_URL=redis_url)
    server = ServeProcess(free_port(), env, "--workers", "1", log=data_dir / "serve.log")
    try:
        server.wait_ready()
        body = json.dumps({"token": "x", "answer": "1"}).encode()
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as conn:
            # Half a request: the worker is now inside it, waiting for the rest.
            conn.sendall(b"POST /v1/solve HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                         b"Content-Type: application/json\r\n"
                         + f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:5])
            time.sleep(0.5)
            server.process.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            assert server.process.poll() is None  # still finishing what it holds
            conn.sendall(body[5:])
            reply = b""
            while chunk := conn.recv(65536):
                reply += chunk
        assert reply.startswith(b"HTTP/1.1 4"), reply[:200]  # answered, not dropped
        assert b"error-codes" in reply
        assert server.process.wait(timeout=30) == 0
        with pytest.raises(requests.ConnectionError):
            requests.get(server.url + "/healthz", timeout=2)
    finally:
        server.stop()
    assert "Traceback" not in server.log_path.read_text()


def _pid_gone(pid: int, started: str | None, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = process_start_time(pid)
        if now is None or now != started:
            return True
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_the_embedded_redis_dies_with_a_killed_serve_and_the_next_start_is_fresh(
    data_dir: Path,
) -> None:
    env = clean_env(HEDGEROW_DATA_DIR=str(data_dir), HEDGEROW_SECRET_KEY=KEY)
    first = ServeProcess(free_port(), env, "--workers", "1", log=data_dir / "first.log")
    try:
        first.wait_ready()
        redis_pid = int((data_dir / "redis" / PID_FILE).read_text())
        started = process_start_time(redis_pid)
        assert started is not None
        os.killpg(first.process.pid, signal.SIGKILL)  # serve and its workers, no cleanup
        first.process.wait(timeout=10)
        assert _pid_gone(redis_pid, started), "the embedded Redis outlived its parent"
    finally:
        first.stop()
    second = ServeProcess(free_port(), env, "--workers", "1", log=data_dir / "second.log")
    try:
        second.wait_ready()
        new_pid = int((data_dir / "redis" / PID_FILE).read_text())
        assert new_pid != redis_pid
        new_started = process_start_time(new_pid)
    finally:
        second.stop()
    assert _pid_gone(new_pid, new_started), "a stopped serve left its Redis running"
    assert not (data_dir / "redis" / "owner.pid").exists()

