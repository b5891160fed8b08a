"""Metrics and access logs from a real multi-worker ``hedgerow serve``, scraped over HTTP."""

from __future__ import annotations

import json
import re
import secrets
import socket
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.flow import get_challenge, solution, solved_response
from tests.support.live_server import based_session
from tests.support.processes import ServeProcess, clean_env, run_cli
from tests.support.redis_server import free_port
from tests.support.solvers import solve_prompt
from tests.support.waiting import wait_for

pytestmark = pytest.mark.slow
ORIGIN = "https://blog.example.com"
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$")


def samples(text: str) -> dict[str, float]:
    """Every sample of a Prometheus text exposition, keyed by name and sorted labels."""
    found: dict[str, float] = {}
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        if not match:
            continue
        labels = ",".join(sorted(re.findall(r'[a-z_]+="[^"]*"', match.group(2) or "")))
        found[f"{match.group(1)}{{{labels}}}"] = float(match.group(3))
    return found


def _wait_for_every_worker(http: requests.Session, workers: int) -> None:
    """Wait until every worker has loaded its model (and so reports it)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = http.get("/metrics").text
        if text.count("\nhedgerow_model_loaded{") == workers:
            return
        time.sleep(0.2)
    raise AssertionError(f"not every worker reports its model:\n{text}")


@pytest.fixture
def server(redis_url: str) -> Iterator[tuple[ServeProcess, dict[str, str]]]:
    """``hedgerow serve`` with two workers (``HEDGEROW_WORKERS``) on the test Redis, and a
    registered site."""
    with tempfile.TemporaryDirectory(prefix="hr-") as path:
        data_dir = Path(path)
        env = clean_env(HEDGEROW_REDIS_URL=redis_url, HEDGEROW_DATA_DIR=str(data_dir),
                        HEDGEROW_SECRET_KEY=secrets.token_urlsafe(48),
                        HEDGEROW_POW_MIN_BITS="4", HEDGEROW_POW_MAX_BITS="8",
                        HEDGEROW_RATELIMIT_SOLVE="8/minute", HEDGEROW_WORKERS="2")
        added = run_cli("sites", "add", "Blog", "--origin", ORIGIN, env=env)
        site = json.loads(added.stdout.splitlines()[-1])
        process = ServeProcess(free_port(), env, log=data_dir / "serve.log")
        try:
            process.wait_ready()
            yield process, site
        finally:
            process.stop()


def test_counts_add_up_across_workers_and_never_go_back(
    server: tuple[ServeProcess, dict[str, str]],
) -> None:
    process, site = server
    sitekey, secret = site["sitekey"], site["secret"]
    with based_session(process.url) as http:
        http.headers["Origin"] = ORIGIN
        responses = [solved_response(http, sitekey) for _ in range(3)]
        wrong = get_challenge(http, sitekey)
        body = solution(wrong, answer=solve_prompt(wrong["prompt"]) + 1)
        assert http.post("/v1/solve", json=body).json()["error-codes"] == ["wrong-answer"]
        assert http.post("/v1/siteverify", data={"secret": secret,
                                                 "response": responses[0]}).json()["success"]
        again = http.post("/v1/siteverify", data={"secret": secret, "response": responses[0]})
        assert again.json()["error-codes"] == ["timeout-or-duplicate"]
        check = http.post("/v1/comment-check", headers={"Authorization": f"Bearer {secret}"},
                          data={"comment_content": "Thanks, the second figure helped a lot.",
                                "response": responses[1]})
        assert check.status_code == 200
        actions = [check.json()["action"]]
        akismet = http.post("/1.1/comment-check", data={
            "api_key": secret, "blog": ORIGIN, "user_ip": "203.0.113.7",
            "comment_content": "Cheap pills, best price, click here now!!!"})
        assert akismet.status_code == 200 and akismet.text in ("true", "false")
        pro_tip = akismet.headers.get("X-akismet-pro-tip")
        actions.append("accept" if akismet.text == "false"
                       else "discard" if pro_tip == "discard" else "hold")
        statuses = [http.post("/v1/solve", json={"token": "x", "answer": "1"}).status_code
                    for _ in range(8)]
        assert 429 in statuses
        _wait_for_every_worker(http, 2)
        scrapes = [samples(http.get("/metrics").text) for _ in range(6)]
    first = scrapes[0]
    assert first['hedgerow_http_requests_total{endpoint="/v1/challenge",method="GET",'
                 'status="200"}'] == 4
    assert first['hedgerow_challenges_issued_total{}'] == 4
    assert first['hedgerow_challenge_answers_total{outcome="solved"}'] == 3
    assert first['hedgerow_challenge_answers_total{outcome="wrong-answer"}'] == 1
    assert first['hedgerow_siteverify_total{outcome="success"}'] == 1
    assert first['hedgerow_siteverify_total{outcome="timeout-or-duplicate"}'] == 1
    for action in set(actions):  # both APIs, counted for the site the secret names
        assert first[f'hedgerow_spam_decisions_total{{action="{action}",site="{sitekey}"}}'] \
            == actions.count(action)
    assert first['hedgerow_ratelimit_rejections_total{scope="solve"}'] == statuses.count(429)
    assert first['hedgerow_http_request_duration_seconds_count{endpoint="/v1/solve"}'] == 12
    # Both workers report the model they loaded; each scrape sums every worker's counts,
    # whichever worker answers it, so no series ever goes down between scrapes.
    loaded = [k for k in first if k.startswith("hedgerow_model_loaded{")]
    assert len(loaded) == 2 and all('version="default"' in k for k in loaded)
    for earlier, later in zip(scrapes, scrapes[1:], strict=False):
        for name, value in earlier.items():
            if name.startswith(("hedgerow_http_requests_total", "hedgerow_challenge")):
                assert later.get(name, 0) >= value, name
    metrics_endpoint = 'hedgerow_http_requests_total{endpoint="/metrics",method="GET",' \
                       'status="200"}'
    counts = [s[metrics_endpoint] for s in scrapes]
    assert counts == list(range(int(counts[0]), int(counts[0]) + 6))


def test_every_request_has_an_id_echoed_and_one_json_log_line(
    server: tuple[ServeProcess, dict[str, str]],
) -> None:
    process, site = server
    sent = "edge-7f3a9c1e-0001"
    mine = requests.get(process.url + "/healthz", headers={"X-Request-Id": sent})
    assert mine.headers["X-Request-Id"] == sent
    made = set()
    for bad in ("x" * 300, "has spaces in it", "<script>", "short"):
        reply = requests.get(process.url + "/healthz", headers={"X-Request-Id": bad})
        assert re.fullmatch(r"[0-9a-f]{32}", reply.headers["X-Request-Id"]), bad
        made.add(reply.headers["X-Request-Id"])
    assert len(made) == 4
    secret = site["secret"]
    text = "A comment nobody should find in the logs"
    requests.post(process.url + "/v1/comment-check?token=querysecret",
                  headers={"Authorization": f"Bearer {secret}", "X-Request-Id": "check-0000001"},
                  data={"comment_content": text})
    def logged() -> dict[str, dict[str, object]]:  # lines close together leave together
        lines = [json.loads(line) for line in process.log_path.read_text().splitlines()
                 if line.startswith("{")]
        found = {line["request_id"]: line for line in lines}
        return found if {sent, "check-0000001", *made} <= set(found) else {}

    by_id = wait_for(logged, timeout=10)
    assert by_id[sent]["status"] == 200 and by_id[sent]["path"] == "/healthz"
    assert made <= set(by_id)
    check = by_id["check-0000001"]
    assert check["endpoint"] == "/v1/comment-check" and check["site"] == site["sitekey"]
    assert isinstance(check["ms"], float) and check["status"] == 200
    log = process.log_path.read_text()
    assert secret not in log and text not in log and "querysecret" not in log


def test_kept_alive_connections_opened_at_once_are_shared_by_the_workers(
    server: tuple[ServeProcess, dict[str, str]],
) -> None:
    # A proxy's pool of upstream connections (or a load tester) opens them in a burst and
    # keeps them; one worker must not take them all and leave the other idle.
    process, _ = server
    _wait_for_every_worker(based_session(process.url), 2)
    host, port = process.url.removeprefix("http://").split(":")
    connections = [socket.create_connection((host, int(port)), timeout=30) for _ in range(32)]
    try:
        for i, connection in enumerate(connections):
            connection.sendall(f"GET /healthz HTTP/1.1\r\nHost: {host}\r\n"
                               f"X-Request-Id: balance-{i:04d}\r\n\r\n".encode())
        for connection in connections:
            reply = b""
            while b"\r\n\r\n" not in reply or not reply.endswith(b"}\n"):
                chunk = connection.recv(4096)
                assert chunk, reply
                reply += chunk
            assert reply.startswith(b"HTTP/1.1 200")
    finally:
        for connection in connections:
            connection.close()
    served: dict[int, int] = {}
    deadline = time.monotonic() + 10
    while sum(served.values()) < 32 and time.monotonic() < deadline:
        served = {}
        for line in process.log_path.read_text().splitlines():
            if '"request_id":"balance-' in line:
                pid = json.loads(line)["pid"]
                served[pid] = served.get(pid, 0) + 1
        time.sleep(0.1)
    assert sum(served.values()) == 32, served
    # Each worker holds at most 16 at once (a connection or so more while it notices).
    assert len(served) == 2 and min(served.values()) >= 12, served
