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

from model.data import LabelledData
from model.gate import compare
from service.sites.registry import Site
from service.store.redis_store import Store
from tests.model.conftest import tiny_rows, write_csv
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


def _train(env: dict[str, str], data: Path, *extra: str) -> tuple[str, str]:
    result = run_cli("train", "--data", str(data), *extra, env=env, timeout=180)
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
    version, _ = _train(env, write_csv(data_dir / "tiny.csv", tiny_rows()))
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


def test_train_from_feedback_and_the_promotion_gate(
    redis_url: str, data_dir: Path, site: tuple[Site, str], http: requests.Session,
    secret_keys: list[str]
) -> None:
    env = _env(redis_url, data_dir, secret_keys)
    rows = tiny_rows(30)
    data = write_csv(data_dir / "tiny.csv", rows)
    # A burst of bad reports: every comment of the data reported with the wrong label,
    # reworded so that deduplication keeps them.
    for text, label in rows:
        for suffix in ("today", "now", "again"):
            reply = http.post("/v1/feedback",
                              json={"comment_content": f"{text} {suffix}",
                                    "label": "ham" if label else "spam"},
                              headers={"Authorization": f"Bearer {site[1]}"})
            assert reply.status_code == 201
    good, _ = _train(env, data, "--holdout", "0.3")
    # The tiny model is worse than the shipped one on its held-back rows: only --force
    # makes it active, and from there the poisoned retrain must beat it.
    assert run_cli("models", "promote", good, "--force", env=env).returncode == 0
    result = run_cli("train", "--data", str(data), "--from-feedback", "--holdout", "0.3",
                     "--promote", env=env, timeout=180)
    assert "Learning from 180 feedback comments too." in result.stderr
    assert result.returncode != 0, result.stdout
    assert "was not promoted" in result.stderr and "--force" in result.stderr
    assert "Gate: on 18 held-back comments" in result.stdout
    listing = run_cli("models", "list", env=env).stdout
    assert f"* {good}" in listing  # the poisoned model stayed inactive
    manifest = json.loads((data_dir / "models" / good / "manifest.json").read_text())
    assert manifest["holdout_rows"] == 18


class _Fixed:
    """A stand-in scorer with a fixed probability per comment (for the gate's arithmetic)."""

    def __init__(self, version: str, probability: dict[str, float]) -> None:
        self.version, self.hold, self.probability = version, 0.5, probability

    def model_probability(self, comment: dict[str, str]) -> float:
        return self.probability[comment["comment_content"]]


def test_gate_arithmetic() -> None:
    rows = LabelledData()
    for i in range(10):
        rows.append(f"spam {i}", 1, "f")
        rows.append(f"ham {i}", 0, "f")
    right = {f"spam {i}": 0.9 for i in range(10)} | {f"ham {i}": 0.1 for i in range(10)}
    wrong = {f"spam {i}": 0.1 for i in range(10)} | {f"ham {i}": 0.9 for i in range(10)}
    assert compare(_Fixed("b", right), _Fixed("a", right), rows).passed
    result = compare(_Fixed("b", wrong), _Fixed("a", right), rows)
    assert not result.passed and "worse than" in result.summary()


def test_a_replica_on_another_machine_loads_the_promoted_model_from_redis(
    redis_url: str, data_dir: Path, app_config: dict[str, object], tmp_path: Path,
    secret_keys: list[str]
) -> None:
    from service import create_app
    from tests.support.live_server import LiveServer

    env = _env(redis_url, data_dir, secret_keys)
    version, _ = _train(env, write_csv(data_dir / "tiny.csv", tiny_rows()), "--holdout", "0")
    assert run_cli("models", "promote", version, env=env).returncode == 0
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
