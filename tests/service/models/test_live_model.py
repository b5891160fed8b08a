"""Promotions reach every worker within seconds, under traffic, with no failed request."""

from __future__ import annotations

import json
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import requests

from service.sites.registry import Site
from service.store.redis_store import Store
from tests.model.conftest import sms_rows, tiny_rows, write_base, write_csv
from tests.service.models.conftest import artifact_files, publish_raw
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


def _status(env: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """``hedgerow models status --json``: its exit status and what it printed."""
    result = run_cli("models", "status", "--json", env=env)
    return result.returncode, json.loads(result.stdout)


def _wait_for_workers(env: dict[str, str], version: str, workers: int = 2,
                      within: float = 20) -> dict[str, Any]:
    """Poll `models status` until ``workers`` workers all run ``version``."""
    deadline = time.monotonic() + within
    while True:
        code, status = _status(env)
        models = [w["model"] for w in status["workers"]]
        if status["active"] == version and models == [version] * workers:
            assert code == 0 and status["healthy"], status
            return status
        assert time.monotonic() < deadline, f"workers did not switch to {version}: {status}"
        time.sleep(0.2)


def _env(redis_url: str, data_dir: Path, secret_keys: list[str]) -> dict[str, str]:
    return clean_env(HEDGEROW_REDIS_URL=redis_url, HEDGEROW_DATA_DIR=str(data_dir),
                     HEDGEROW_SECRET_KEY=",".join(secret_keys),
                     HEDGEROW_RATELIMIT_ENABLED="false")


def test_promote_and_rollback_under_traffic_reach_an_idle_worker(
    redis_url: str, data_dir: Path, site: tuple[Site, str], secret_keys: list[str]
) -> None:
    env = _env(redis_url, data_dir, secret_keys)
    version, _ = _train(env, "--data", str(write_csv(data_dir / "tiny.csv", tiny_rows())),
                        "--no-base")
    server = ServeProcess(free_port(), env, "--workers", "2", log=data_dir / "serve.log")
    statuses: list[int] = []
    models: list[str] = []
    answered_by: set[str] = set()
    stop = threading.Event()
    # One kept-alive connection: every request of the traffic goes to the same worker,
    # and the other one gets none at all.
    busy = requests.Session()

    def traffic() -> None:
        while not stop.is_set():
            reply = busy.post(server.url + "/v1/comment-check", json=COMMENT,
                              headers={"Authorization": f"Bearer {site[1]}"}, timeout=10)
            statuses.append(reply.status_code)
            if reply.status_code == 200:
                models.append(reply.json()["model"])
            answered_by.add(busy.get(server.url + "/readyz", timeout=10).json()["worker"])

    try:
        server.wait_ready()
        workers = {w["worker"] for w in _wait_for_workers(env, "default")["workers"]}
        busy_worker = busy.get(server.url + "/readyz", timeout=10).json()["worker"]
        (idle_worker,) = workers - {busy_worker}
        worker = threading.Thread(target=traffic)
        worker.start()
        time.sleep(2)  # the idle worker stays idle a while before the promotion
        promoted = run_cli("models", "promote", version, "--force", env=env, timeout=120)
        assert promoted.returncode == 0, promoted.stderr
        assert "run `hedgerow models status`" in promoted.stdout
        after = _wait_for_workers(env, version)
        assert {w["worker"] for w in after["workers"]} == {busy_worker, idle_worker}
        rolled = run_cli("models", "rollback", env=env, timeout=120)
        assert rolled.returncode == 0 and "Active model: default" in rolled.stdout
        _wait_for_workers(env, "default")
        stop.set()
        worker.join(timeout=20)
    finally:
        stop.set()
        busy.close()
        server.stop()
    assert answered_by == {busy_worker}  # the idle worker never saw a request
    assert _status(env)[1]["workers"] == []  # stopped workers withdrew their reports
    assert statuses and set(statuses) == {200}, set(statuses)
    assert {"default", version} <= set(models)


def test_status_reports_workers_that_refuse_a_forged_model(
    redis_url: str, data_dir: Path, secret_keys: list[str], trained: dict[str, Path]
) -> None:
    env = _env(redis_url, data_dir, secret_keys)
    store = Store(redis.Redis.from_url(redis_url, decode_responses=True))
    server = ServeProcess(free_port(), env, "--workers", "2", log=data_dir / "serve.log")
    try:
        server.wait_ready()
        _wait_for_workers(env, "default")
        forged = artifact_files(trained["inverted"], b"not the operator's key", version="v9")
        publish_raw(store, "v9", forged)
        deadline = time.monotonic() + 20
        while True:
            code, status = _status(env)
            if [w["state"] for w in status["workers"]] == ["failed", "failed"]:
                break
            assert time.monotonic() < deadline, status
            time.sleep(0.2)
        assert code == 1 and not status["healthy"]
        assert all("signature does not match" in w["error"] for w in status["workers"])
        assert all(w["model"] == "default" for w in status["workers"])
        shown = run_cli("models", "status", env=env)
        assert shown.returncode == 1 and shown.stdout.count("FAILED to load v9") == 2
        assert "Error: 0 worker(s) lagging, 2 failed to load v9" in shown.stderr
        ready = requests.get(server.url + "/readyz", timeout=10)
        assert ready.status_code == 200  # it still scores, with the model it had
        assert ready.json()["models"]["active"] == "v9"
        assert len(ready.json()["models"]["failed"]) == 2
        metrics = requests.get(server.url + "/metrics", timeout=10).text
        assert "hedgerow_model_refused_total 2" in metrics  # once per worker
        assert not (data_dir / "models" / "v9").exists()
        assert run_cli("models", "rollback", env=env).returncode == 0
        _wait_for_workers(env, "default")
    finally:
        server.stop()
        store.client.close()


def test_a_trusted_sites_bad_burst_is_refused_on_the_slice_it_hurts(
    redis_url: str, data_dir: Path, site: tuple[Site, str], http: requests.Session,
    secret_keys: list[str]
) -> None:
    env = _env(redis_url, data_dir, secret_keys)
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
    redis_url: str, data_dir: Path, app_config: dict[str, object], tmp_path: Path,
    secret_keys: list[str]
) -> None:
    from service import create_app
    from tests.support.live_server import LiveServer

    env = _env(redis_url, data_dir, secret_keys)
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
