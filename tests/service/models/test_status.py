"""`hedgerow models status` and `/readyz` judge the workers' reports against the active model."""

from __future__ import annotations

import json
import time

import pytest
import requests
from click.testing import CliRunner, Result

from service.cli.main import main
from service.web.state import AppState


@pytest.fixture
def status(redis_url: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("HEDGEROW_KEY_PREFIX", raising=False)
    monkeypatch.setenv("HEDGEROW_REDIS_URL", redis_url)

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(main, ["models", "status", *args], catch_exceptions=False)

    return invoke


def _report(state: AppState, worker: str, loaded: str, wanted: str, error: str = "",
            ttl: float = 60) -> None:
    state.store.report_worker(worker, {"loaded": loaded, "wanted": wanted, "error": error}, ttl)


def _promoted_ago(state: AppState, version: str, seconds: float) -> None:
    state.store.set_active_model(version)
    key = f"{state.config['KEY_PREFIX']}:{{models}}:active-since"
    state.store.client.set(key, repr(state.store.server_time() - seconds))


def test_status_flags_lagging_and_failed_workers(state: AppState, status) -> None:
    _promoted_ago(state, "v2", 30)
    _report(state, "web1:10", "v2", "v2")
    _report(state, "web1:11", "v1", "v1")
    _report(state, "web2:\x1b[2J", "v1", "v2", "the manifest is not signed")

    shown = status()
    assert shown.exit_code == 1
    assert "Active model: v2, active for 30 s" in shown.stdout
    lines = shown.stdout.splitlines()
    assert any(line.startswith("  web1:10") and line.endswith(" ok") for line in lines)
    assert any(line.startswith("! web1:11") and "LAGGING, 30 s behind" in line for line in lines)
    assert any(line.startswith("! web2:?[2J") and "FAILED to load v2: the manifest is not "
               "signed" in line for line in lines)
    assert "\x1b" not in shown.stdout  # text from Redis cannot drive the terminal
    assert "Error: 1 worker(s) lagging, 1 failed to load v2" in shown.stderr

    relaxed = status("--max-lag", "60", "--json")
    assert relaxed.exit_code == 1  # the failed worker still fails it
    states = {w["worker"]: w["state"] for w in json.loads(relaxed.stdout)["workers"]}
    assert states == {"web1:10": "ok", "web1:11": "switching", "web2:\x1b[2J": "failed"}


def test_status_of_a_healthy_fleet_and_of_lapsed_reports(state: AppState, status) -> None:
    assert status().stdout.startswith("Active model: default\nNo worker has reported")
    _promoted_ago(state, "v2", 1)
    _report(state, "web1:10", "v2", "v2")
    _report(state, "web1:11", "v1", "v2", ttl=1)
    shown = status()
    assert shown.exit_code == 0 and "1 of 2 workers run v2." in shown.stdout
    assert " switching" in shown.stdout  # promoted 1 s ago: not lagging yet
    deadline = time.monotonic() + 10
    while "1 of 1 workers run v2." not in (shown := status()).stdout:
        assert time.monotonic() < deadline, shown.output  # the stopped worker's report lapses
        time.sleep(0.2)
    assert shown.exit_code == 0
    assert state.store.client.smembers("hedgerow:{models}:workers") == {"web1:10"}


def test_readyz_lists_lagging_and_failed_workers(state: AppState,
                                                 http: requests.Session) -> None:
    assert http.get("/readyz").json()["models"] == {
        "active": "default", "workers": 1, "current": 1, "lagging": [], "failed": []}
    _promoted_ago(state, "v2", 60)
    _report(state, "web1:11", "v1", "v1")
    _report(state, "web2:12", "v1", "v2", "no model version 'v2'")
    reply = http.get("/readyz")
    assert reply.status_code == 200  # lagging workers still score
    models = reply.json()["models"]
    assert models["active"] == "v2" and models["workers"] == 3 and models["current"] == 0
    # This app's own worker may or may not have tried v2 yet: leave it out.
    lagging, failed = ([w for w in models[k] if w["worker"] != state.models.worker]
                       for k in ("lagging", "failed"))
    assert [w["worker"] for w in lagging] == ["web1:11"]
    assert failed == [{"worker": "web2:12", "model": "v1", "state": "failed",
                       "behind_seconds": failed[0]["behind_seconds"],
                       "error": "no model version 'v2'"}]
    assert failed[0]["behind_seconds"] >= 60
