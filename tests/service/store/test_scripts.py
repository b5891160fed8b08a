"""The store's Lua scripts on a real Redis: single use, idempotent retries, retention."""

from __future__ import annotations

import pytest
import redis

from service.store.redis_store import Store, connect


@pytest.fixture
def store(redis_url: str) -> Store:
    """A store on the emptied test Redis."""
    return Store(connect(redis_url), prefix="t")


def test_a_nonce_is_spent_once(store: Store) -> None:
    first = store.consume_once("challenge", "n1", 60)
    again = store.consume_once("challenge", "n1", 60)
    assert (first.first_use, again.first_use) == (True, False)
    assert store.consume_once("response", "n1", 60).first_use  # purposes do not collide


def test_the_idempotency_key_of_the_first_use_is_kept(store: Store) -> None:
    assert store.consume_once("response", "n2", 60, "retry-1").first_use
    retry = store.consume_once("response", "n2", 60, "other")
    assert (retry.first_use, retry.idempotency_key) == (False, "retry-1")
    assert store.consume_once("response", "n3", 60).first_use
    assert store.consume_once("response", "n3", 60, "late").idempotency_key == ""


def test_a_spent_mark_outlives_the_token_and_then_expires(store: Store, redis_url: str) -> None:
    store.consume_once("challenge", "n4", 0.2)  # rounded up to Redis's 1 s floor
    client = redis.Redis.from_url(redis_url)
    keys: list[bytes] = client.keys("t:used:challenge:n4")  # type: ignore[assignment]
    ttl: int = client.pttl(keys[0])  # type: ignore[assignment]
    assert len(keys) == 1 and 0 < ttl <= 1000
    client.close()


def test_feedback_older_than_the_retention_is_trimmed_by_redis_s_clock(
    store: Store, redis_url: str
) -> None:
    client = redis.Redis.from_url(redis_url)
    stream = "t:{feedback}:log"
    client.xadd(stream, {"label": "spam"}, id="1-0")  # 1970: far older than any retention
    store.add_feedback({"label": "ham", "comment_content": "kept"}, retention_seconds=86400)
    assert [entry["label"] for _, entry in store.iter_feedback()] == ["ham"]
    client.delete(stream)
    client.xadd(stream, {"label": "spam"}, id="1-0")
    store.add_feedback({"label": "ham"}, retention_seconds=0)  # 0: keep everything
    assert store.feedback_count() == 2
    client.close()
