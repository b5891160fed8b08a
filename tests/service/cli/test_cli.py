"""The ``hedgerow`` command, run as a real process."""

from __future__ import annotations

import json
import secrets
import select
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.flow import solved_response
from tests.support.live_server import based_session
from tests.support.processes import ServeProcess, clean_env, run_cli
from tests.support.redis_server import RedisServer, free_port


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A short data directory path (Unix socket paths are limited to 107 bytes)."""
    with tempfile.TemporaryDirectory(prefix="hr-") as path:
        yield Path(path)


@pytest.mark.slow
def test_serve_without_a_secret_refuses_to_start(redis_url: str, data_dir: Path) -> None:
    result = run_cli("serve", env=clean_env(HEDGEROW_DATA_DIR=str(data_dir),
                                            HEDGEROW_REDIS_URL=redis_url), timeout=30)
    assert result.returncode != 0
    assert "HEDGEROW_SECRET_KEY" in result.stderr
    assert "hedgerow secret generate" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_serve_rejects_a_weak_secret(redis_url: str, data_dir: Path) -> None:
    result = run_cli("serve", env=clean_env(HEDGEROW_SECRET_KEY="dev",
                                            HEDGEROW_REDIS_URL=redis_url,
                                            HEDGEROW_DATA_DIR=str(data_dir)))
    # A bad key is a configuration error like a missing one: status 2 (docs/security.md).
    assert result.returncode == 2 and "at least 32 characters" in result.stderr


def test_secret_generate_makes_distinct_long_keys() -> None:
    keys = {run_cli("secret", "generate", env=clean_env()).stdout.strip() for _ in range(2)}
    assert len(keys) == 2 and all(len(k) >= 60 for k in keys)


@pytest.mark.slow
def test_sites_lifecycle_on_the_embedded_redis(data_dir: Path) -> None:
    env = clean_env(HEDGEROW_DATA_DIR=str(data_dir))
    added = run_cli("sites", "add", "Blog", "--origin", "https://blog.example.com/",
                    "--origin", "http://localhost:8080", env=env)
    assert added.returncode == 0, added.stderr
    site = json.loads(added.stdout.strip().splitlines()[-1])
    assert site["sitekey"].startswith("hk_") and site["secret"].startswith("hs_")
    assert site["origins"] == ["https://blog.example.com", "http://localhost:8080"]
    listed = json.loads(run_cli("sites", "list", "--json", env=env).stdout)
    assert [s["sitekey"] for s in listed] == [site["sitekey"]]
    assert "secret" not in json.dumps(listed)
    # The secret is stored hashed: it appears nowhere in Redis's files.
    for path in (data_dir / "redis").rglob("*"):
        if path.is_file():
            assert site["secret"].encode() not in path.read_bytes()
    rotated = run_cli("sites", "rotate-secret", site["sitekey"], env=env)
    assert json.loads(rotated.stdout.splitlines()[-1])["secret"] != site["secret"]
    removed = run_cli("sites", "remove", "Blog", env=env)
    assert removed.returncode == 0
    assert json.loads(run_cli("sites", "list", "--json", env=env).stdout) == []


def test_sites_add_rejects_bad_origins(data_dir: Path) -> None:
    env = clean_env(HEDGEROW_DATA_DIR=str(data_dir))
    for origin in ("ftp://x.example", "https://x.example/path", "not a url"):
        result = run_cli("sites", "add", "X", "--origin", origin, env=env)
        assert result.returncode == 2 and "origin" in result.stderr.lower()
        assert "Traceback" not in result.stderr


def test_unknown_site_is_a_clear_error(data_dir: Path) -> None:
    result = run_cli("sites", "remove", "nope", env=clean_env(HEDGEROW_DATA_DIR=str(data_dir)))
    assert result.returncode == 1 and "hedgerow sites list" in result.stderr


@pytest.mark.slow
def test_serve_demo_runs_the_whole_flow_with_no_configuration(data_dir: Path) -> None:
    port = free_port()
    server = ServeProcess(port, clean_env(HEDGEROW_DATA_DIR=str(data_dir)), "--demo",
                          "--workers", "2", log=data_dir / "serve.log")
    try:
        server.wait_ready()
        demo = json.loads((data_dir / "demo-site.json").read_text())
        assert (data_dir / "demo-secret-key").stat().st_mode & 0o077 == 0
        with based_session(server.url) as http:
            response = solved_response(http, demo["sitekey"])
            verdict = http.post("/v1/siteverify",
                                data={"secret": demo["secret"], "response": response})
        assert verdict.json()["success"] is True
    finally:
        server.stop()
    assert "Demo mode" in server.log_path.read_text()


@pytest.mark.slow
def test_serve_runs_the_threads_asked_for(redis_url: str, data_dir: Path) -> None:
    """With one worker of one thread, a request waits while that thread waits for another
    client's body, and is answered once that client goes (with the default four threads
    it would be answered at once)."""
    env = clean_env(HEDGEROW_REDIS_URL=redis_url, HEDGEROW_DATA_DIR=str(data_dir),
                    HEDGEROW_SECRET_KEY=secrets.token_urlsafe(48))
    server = ServeProcess(free_port(), env, "--workers", "1", "--threads", "1",
                          log=data_dir / "serve.log")
    stalled: socket.socket | None = None
    try:
        server.wait_ready()
        stalled = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        stalled.sendall(b"POST /v1/siteverify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        b"Content-Type: application/x-www-form-urlencoded\r\n"
                        b"Expect: 100-continue\r\nContent-Length: 100\r\n\r\n")
        # The interim answer comes from the thread that took the request, which then
        # waits for a body that does not come.
        assert stalled.recv(64).startswith(b"HTTP/1.1 100 Continue")
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as waiting:
            waiting.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            b"Connection: close\r\n\r\n")
            assert select.select([waiting], [], [], 1.0)[0] == []
            stalled.close()
            assert waiting.recv(64).startswith(b"HTTP/1.1 200 ")
    finally:
        if stalled is not None:
            stalled.close()
        server.stop()


@pytest.mark.slow
def test_cli_and_server_share_an_external_redis(redis_server: RedisServer, data_dir: Path,
                                                redis_url: str) -> None:
    env = clean_env(HEDGEROW_REDIS_URL=redis_url, HEDGEROW_DATA_DIR=str(data_dir),
                    HEDGEROW_SECRET_KEY=secrets.token_urlsafe(48))
    site = json.loads(run_cli("sites", "add", "Shop", "--origin", "https://shop.example",
                              env=env).stdout.splitlines()[-1])
    server = ServeProcess(free_port(), env, "--workers", "1", log=data_dir / "serve.log")
    try:
        server.wait_ready()
        reply = requests.get(server.url + "/v1/challenge", params={"sitekey": site["sitekey"]})
        assert reply.status_code == 200
    finally:
        server.stop()
