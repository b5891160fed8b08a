"""Feedback: stored durably and privately, exported as a training file."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import redis
import requests

from service import create_app
from service.sites.registry import Site
from service.web.state import AppState
from tests.support.live_server import LiveServer, based_session
from tests.support.processes import clean_env, run_cli
from tests.support.redis_server import RedisServer

COMMENT = {
    "comment_content": "Cheap watches at http://watches.example",
    "comment_author": "Rolex",
    "comment_author_email": "seller@watches.example",
    "comment_author_url": "http://watches.example",
    "user_ip": "203.0.113.50",
}


def _feedback(http: requests.Session, secret: str, label: str, **fields: str) -> str:
    reply = http.post("/v1/feedback", json={**fields, "label": label},
                      headers={"Authorization": f"Bearer {secret}"})
    assert reply.status_code == 201, reply.text
    return str(reply.json()["id"])


def test_personal_data_is_hashed_by_default(
    http: requests.Session, site: tuple[Site, str], state: AppState
) -> None:
    _feedback(http, site[1], "spam", **COMMENT)
    [(_, entry)] = list(state.store.iter_feedback())
    assert entry["comment_content"] == COMMENT["comment_content"]
    assert "user_ip" not in entry and "comment_author_email" not in entry
    stored = json.dumps(entry)
    assert "203.0.113.50" not in stored and "seller@watches.example" not in stored
    assert entry["user_ip_hash"] and entry["comment_author_email_hash"]


def test_personal_data_is_kept_when_the_operator_opts_in(
    app_config: dict[str, Any], site: tuple[Site, str]
) -> None:
    server = LiveServer(create_app({**app_config, "KEEP_PERSONAL_DATA": True})).start()
    try:
        with based_session(server.url) as http:
            _feedback(http, site[1], "spam", **COMMENT)
        [(_, entry)] = list(server.app.extensions["hedgerow"].store.iter_feedback())
        assert entry["user_ip"] == "203.0.113.50"
    finally:
        server.stop()


def test_export_writes_a_training_file(
    http: requests.Session, site: tuple[Site, str], redis_url: str, tmp_path: Path
) -> None:
    _feedback(http, site[1], "spam", **COMMENT)
    _feedback(http, site[1], "ham", comment_content="Lovely post, thanks!", comment_author="Ada")
    out = tmp_path / "feedback.jsonl"
    result = run_cli("feedback", "export", "--out", str(out),
                     env=clean_env(HEDGEROW_REDIS_URL=redis_url))
    assert result.returncode == 0, result.stderr
    assert "Exported 2" in result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["label"] for r in rows] == ["spam", "ham"]
    assert rows[0]["comment_content"] == COMMENT["comment_content"]
    assert rows[0]["comment_author_url"] == "http://watches.example"


def test_retention_drops_old_entries(
    http: requests.Session, site: tuple[Site, str], state: AppState, app_config: dict[str, Any]
) -> None:
    key = f"{state.store.prefix}:{{feedback}}:log"
    two_days_ago_ms = int((time.time() - 2 * 86400) * 1000)
    state.store.client.xadd(key, {"label": "spam", "comment_content": "old"},
                            id=f"{two_days_ago_ms}-0")
    server = LiveServer(create_app({**app_config, "FEEDBACK_RETENTION_DAYS": 1})).start()
    try:
        with based_session(server.url) as session:
            _feedback(session, site[1], "ham", comment_content="new")
    finally:
        server.stop()
    contents = [entry["comment_content"] for _, entry in state.store.iter_feedback()]
    assert contents == ["new"]


@pytest.mark.slow
def test_feedback_survives_a_restart_of_redis_and_of_the_service(
    tmp_path: Path, app_config: dict[str, Any]
) -> None:
    durable = RedisServer(tmp_path / "redis", None, "--appendonly", "yes",
                          "--appendfsync", "always").start()
    try:
        config = {**app_config, "REDIS_URL": durable.url}
        app = create_app(config)
        site, secret = app.extensions["hedgerow"].sites.add("Blog", ["https://b.example"])
        server = LiveServer(app).start()
        with based_session(server.url) as http:
            ids = [_feedback(http, secret, "spam", **COMMENT) for _ in range(3)]
        server.stop()
        durable.stop()
        durable.start()
        server = LiveServer(create_app(config)).start()
        try:
            stored = [entry_id for entry_id, _ in
                      server.app.extensions["hedgerow"].store.iter_feedback()]
            assert stored == ids
        finally:
            server.stop()
        client = redis.Redis.from_url(durable.url)
        assert client.xlen("hedgerow:{feedback}:log") == 3
        client.close()
    finally:
        durable.stop()
