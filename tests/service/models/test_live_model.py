"""Promotions reach every worker within seconds, under traffic, with no failed request."""

from __future__ import annotations

import json
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from model.data import LabelledData
from model.gate import compare
from service.sites.registry import Site
from tests.model.conftest import tiny_rows, write_csv
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


def test_promote_and_rollback_under_traffic_reach_both_workers(
    redis_url: str, data_dir: Path, site: tuple[Site, str], secret_keys: list[str]
) -> None:
    env = clean_env(HEDGEROW_REDIS_URL=redis_url, HEDGEROW_DATA_DIR=str(data_dir),
                    HEDGEROW_SECRET_KEY=",".join(secret_keys),
                    HEDGEROW_RATELIMIT_ENABLED="false")
    version, _ = _train(env, write_csv(data_dir / "tiny.csv", tiny_rows()))
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


def test_train_from_feedback_and_the_promotion_gate(
    redis_url: str, data_dir: Path, site: tuple[Site, str], http: requests.Session
) -> None:
    env = clean_env(HEDGEROW_REDIS_URL=redis_url, HEDGEROW_DATA_DIR=str(data_dir))
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
    redis_url: str, data_dir: Path, app_config: dict[str, object], tmp_path: Path
) -> None:
    from service import create_app
    from tests.support.live_server import LiveServer

    env = clean_env(HEDGEROW_REDIS_URL=redis_url, HEDGEROW_DATA_DIR=str(data_dir))
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
