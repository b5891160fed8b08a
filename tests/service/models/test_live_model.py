"""Promotions reach every worker within seconds, under traffic, with no failed request."""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from service.sites.registry import Site
from tests.model.conftest import sms_rows, tiny_rows, write_base, write_csv
from tests.support.processes import ServeProcess, clean_env, run_cli
from tests.support.redis_server import free_port

pytestmark = pytest.mark.slow  # starts servers, several processes or a cluster

COMMENT = {"comment_content": "Check out my channel http://bit.ly/abc and subscribe",
           "user_ip": "198.51.100.1"}


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A data directory shared by the CLI and the server."""
    with tempfile.TemporaryDirectory(prefix="hr-") as path:
        yield Path(path)


def _train(env: dict[str, str], *args: str) -> tuple[str, str]:
    result = run_cli("train", *args, env=env, timeout=180)
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout.split("Trained model ")[1].split()[0], result.stdout


def _versions_seen(url: str, n: int) -> set[str]:
    seen = set()
    for _ in range(n):
        with requests.Session() as fresh:  # a new connection: any worker may answer
            seen.add(fresh.get(url + "/readyz", timeout=10).json()["model"])
    return seen


def test_promote_and_rollback_under_traffic_reach_both_workers(
    redis_url: str, data_dir: Path, site: tuple[Site, str], secret_keys: list[str]
) -> None:
    env = clean_env(HEDGEROW_REDIS_URL=redis_url, HEDGEROW_DATA_DIR=str(data_dir),
                    HEDGEROW_SECRET_KEY=",".join(secret_keys),
                    HEDGEROW_RATELIMIT_ENABLED="false")
    version, _ = _train(env, "--data", str(write_csv(data_dir / "tiny.csv", tiny_rows())),
                        "--no-base")
    server = ServeProcess(free_port(), env, "--workers", "2", log=data_dir / "serve.log")
    statuses: list[int] = []
    models: list[str] = []
    stop = threading.Event()

    def traffic() -> None:
        while not stop.is_set():
            with requests.Session() as fresh:
                reply = fresh.post(server.url + "/v1/comment-check", json=COMMENT,
                                   headers={"Authorization": f"Bearer {site[1]}"}, timeout=10)
            statuses.append(reply.status_code)
            if reply.status_code == 200:
                models.append(reply.json()["model"])

    try:
        server.wait_ready()
        assert _versions_seen(server.url, 6) == {"default"}
        worker = threading.Thread(target=traffic)
        worker.start()
        promoted = run_cli("models", "promote", version, "--force", env=env, timeout=120)
        assert promoted.returncode == 0, promoted.stderr
        deadline = time.monotonic() + 15
        while _versions_seen(server.url, 6) != {version}:
            assert time.monotonic() < deadline, "workers did not switch within 15 s"
            time.sleep(0.5)
        rolled = run_cli("models", "rollback", env=env, timeout=120)
        assert rolled.returncode == 0 and "Active model: default" in rolled.stdout
        deadline = time.monotonic() + 15
        while _versions_seen(server.url, 6) != {"default"}:
            assert time.monotonic() < deadline, "workers did not roll back within 15 s"
            time.sleep(0.5)
        stop.set()
        worker.join(timeout=20)
    finally:
        stop.set()
        server.stop()
    assert statuses and set(statuses) == {200}, set(statuses)
    assert {"default", version} <= set(models)


def test_a_trusted_sites_bad_burst_is_refused_on_the_slice_it_hurts(
    redis_url: str, data_dir: Path, site: tuple[Site, str], http: requests.Session
) -> None:
    env = clean_env(HEDGEROW_REDIS_URL=redis_url, HEDGEROW_DATA_DIR=str(data_dir))
    base = write_base(data_dir / "base")
    assert run_cli("sites", "set", "Blog", "--trusted-feedback", env=env).returncode == 0
    assert run_cli("models", "benchmark", "init", "--data", str(base), env=env).returncode == 0
    good, _ = _train(env, "--base-data", str(base))
    assert run_cli("models", "promote", good, "--force", env=env).returncode == 0
    # A burst of bad reports from a trusted site: 100 prize texts of the SMS templates in
    # the base (with other amounts and numbers) reported as ham.
    for text, label in sms_rows(start=100):
        if label:
            reply = http.post("/v1/feedback", json={"comment_content": text, "label": "ham"},
                              headers={"Authorization": f"Bearer {site[1]}"})
            assert reply.status_code == 201
    result = run_cli("train", "--from-feedback", "--promote", env=env, timeout=180)
    assert "Feedback: 100 rows from 1 trusted site (Blog 100)." in result.stdout
    assert result.returncode != 0, result.stdout
    assert "Gate: refused on benchmark" in result.stdout
    lines = [line.split() for line in result.stdout.splitlines() if line.strip()]
    assert ["sms/SMSCollection", "WORSE"] in [[cells[0], cells[-1]] for cells in lines]
    assert ["comments/comments.csv", "ok"] in [[cells[0], cells[-1]] for cells in lines]
    assert "was not promoted" in result.stderr and "--force" in result.stderr
    listing = run_cli("models", "list", env=env).stdout
    assert f"* {good}" in listing  # the poisoned model stayed inactive


def test_a_replica_on_another_machine_loads_the_promoted_model_from_redis(
    redis_url: str, data_dir: Path, app_config: dict[str, object], tmp_path: Path
) -> None:
    from service import create_app
    from tests.support.live_server import LiveServer

    env = clean_env(HEDGEROW_REDIS_URL=redis_url, HEDGEROW_DATA_DIR=str(data_dir))
    version, _ = _train(env, "--data", str(write_csv(data_dir / "tiny.csv", tiny_rows())),
                        "--no-base")
    assert run_cli("models", "promote", version, "--force", env=env).returncode == 0
    elsewhere = tmp_path / "other-machine"  # an empty data directory: nothing on disk
    server = LiveServer(create_app({**app_config, "DATA_DIR": str(elsewhere)})).start()
    try:
        assert _versions_seen(server.url, 1) == {version}
        assert (elsewhere / "models" / version / "model.skops").is_file()
    finally:
        server.stop()


def test_the_command_line_starts_without_loading_scikit_learn() -> None:
    import subprocess
    import sys

    probe = ("import sys, service.cli.main; "
             "print(any(m.startswith(('sklearn', 'skops')) for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"  # `hedgerow --help` stays instant
