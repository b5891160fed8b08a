"""A worker's memory stays bounded under comments made of words it has never seen.

A real ``hedgerow serve`` with one gunicorn worker gets thousands of comment checks over
HTTP, each a maximum-size comment of random long words (and now and then one giant
word), so every check brings the scorer's caches new entries. The worker's resident set
must stay within its size after a warm-up plus the caches' budgets plus a margin.
"""

from __future__ import annotations

import os
import random
import string
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from model.fields import MAX_COMMENT_CHARS
from model.hashing import CHAR_CACHE_BYTES, WORD_CACHE_BYTES
from service.sites.registry import Site
from tests.support.processes import ServeProcess, clean_env
from tests.support.redis_server import free_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60)]

MB = 1024 * 1024
# Room for what serving large requests keeps beyond the caches: allocator arenas,
# buffers of the largest request so far, Redis and HTTP state.
MARGIN = 40 * MB
CHECKS = 2400
WARM_UP = 20
CLIENTS = 3
# Random bytes become letters: each byte value stands for one letter.
_TO_LETTERS = bytes.maketrans(bytes(range(256)),
                              (string.ascii_lowercase * 10).encode("ascii")[:256])


def _random_words(rng: random.Random, shortest: int, longest: int) -> str:
    """Random lower-case words filling the largest comment field the API accepts."""
    letters = os.urandom(MAX_COMMENT_CHARS).translate(_TO_LETTERS).decode("ascii")
    words, pos = [], 0
    while pos < len(letters):
        size = rng.randint(shortest, longest)
        words.append(letters[pos:pos + size])
        pos += size + 1
    return " ".join(words)[:MAX_COMMENT_CHARS]


def _comment(i: int, rng: random.Random) -> dict[str, str]:
    if i % 10 == 9:  # one word as long as the field
        text = _random_words(rng, MAX_COMMENT_CHARS, MAX_COMMENT_CHARS)
    else:  # words long enough to be rare, short enough to be cached
        text = _random_words(rng, 8, 60)
    return {"comment_content": text, "comment_author": f"visitor {i}",
            "user_ip": f"198.51.100.{i % 250}"}


def _worker_pid(master: int) -> int:
    """The one gunicorn worker: the serve process's child."""
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                children.append(int(entry))
    assert len(children) == 1, children
    return children[0]


def _memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak resident set) of ``pid``, in bytes."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) * 1024
    return fields


@pytest.fixture
def server(redis_url: str, site: tuple[Site, str], secret_keys: list[str]
           ) -> Iterator[ServeProcess]:
    """``hedgerow serve`` with one worker, on the test Redis, without rate limits."""
    with tempfile.TemporaryDirectory(prefix="hr-mem-") as data:
        env = clean_env(HEDGEROW_REDIS_URL=redis_url, HEDGEROW_DATA_DIR=data,
                        HEDGEROW_SECRET_KEY=",".join(secret_keys),
                        HEDGEROW_RATELIMIT_ENABLED="false")
        process = ServeProcess(free_port(), env, "--workers", "1",
                               log=Path(data) / "serve.log")
        try:
            yield process.wait_ready()
        finally:
            process.stop()


def test_words_never_seen_before_do_not_grow_a_worker_past_its_cache_budgets(
    server: ServeProcess, site: tuple[Site, str]
) -> None:
    worker = _worker_pid(server.process.pid)
    headers = {"Authorization": f"Bearer {site[1]}"}
    statuses: list[int] = []
    rss: list[int] = []

    def check(http: requests.Session, comment: dict[str, str]) -> None:
        reply = http.post(server.url + "/v1/comment-check", json=comment, headers=headers,
                          timeout=30)
        statuses.append(reply.status_code)

    def send(first: int, count: int, step: int) -> None:
        rng = random.Random(first)
        with requests.Session() as http:
            for i in range(first, first + count * step, step):
                check(http, _comment(i, rng))
                if i % 100 == 0:
                    rss.append(_memory(worker)["VmRSS"])

    # Warm-up: ordinary comments, then a few of the flood's, so that what any busy worker
    # keeps (buffers for the largest requests) is in the baseline.
    with requests.Session() as http:
        for i in range(WARM_UP):
            check(http, {"comment_content": f"Lovely photos of the hedge, number {i}!"})
    send(-WARM_UP, WARM_UP, 1)
    baseline = _memory(worker)["VmRSS"]

    clients = [threading.Thread(target=send, args=(k, CHECKS // CLIENTS, CLIENTS))
               for k in range(CLIENTS)]
    for client in clients:
        client.start()
    for client in clients:
        client.join()

    assert statuses.count(200) == len(statuses) == 2 * WARM_UP + CHECKS, set(statuses)
    after = _memory(worker)
    bound = baseline + WORD_CACHE_BYTES + CHAR_CACHE_BYTES + MARGIN
    report = (f"baseline {baseline / MB:.0f} MB, after {after['VmRSS'] / MB:.0f} MB, "
              f"most seen {max(rss) / MB:.0f} MB, peak {after['VmHWM'] / MB:.0f} MB, "
              f"bound {bound / MB:.0f} MB")
    print(report)
    assert max([*rss, after["VmRSS"]]) <= bound, report
