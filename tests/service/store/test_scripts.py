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


def test_a_challenge_is_spent_and_its_solve_counted_once(store: Store) -> None:
    now = 7200.0 + 10
    assert store.spend_challenge("c1", 60, "someone", True, solves_window=3600, now=now)
    assert not store.spend_challenge("c1", 60, "someone", True, solves_window=3600, now=now)
    assert not store.spend_challenge("c1", 60, "someone", False)  # a replay counts nothing
    assert store.spend_challenge("c2", 60, "someone", False)
    assert not store.consume_once("challenge", "c2", 60).first_use  # the same spent mark
    activity = store.note_request("someone", now=now)
    assert (activity.failures, activity.solves) == (1, 1)
    assert store.counters() == {"solve_succeeded": 1, "solve_failed": 1}


def test_a_response_is_spent_once_and_its_verified_mark_taken_once(store: Store) -> None:
    first = store.spend_response("hk_a", "r1", 60, "idem", verified_ttl=300)
    assert (first.first_use, first.verified_taken) == (True, False)
    retry = store.spend_response("hk_a", "r1", 60, "other", verified_ttl=300)
    assert (retry.first_use, retry.idempotency_key, retry.verified_taken) == (False, "idem", False)
    assert not store.spend_response("hk_b", "r1", 60, take_verified=True).verified_taken
    taken = store.spend_response("hk_a", "r1", 60, take_verified=True)
    assert (taken.first_use, taken.verified_taken) == (False, True)
    assert not store.spend_response("hk_a", "r1", 60, take_verified=True).verified_taken
    # A comment check that spends a fresh response marks nothing to take later.
    assert store.spend_response("hk_a", "r2", 60, take_verified=True).first_use
    assert not store.spend_response("hk_a", "r2", 60, take_verified=True).verified_taken


def test_a_comment_check_reads_its_site_in_one_go(store: Store) -> None:
    store.save_site("hk_a", {"name": "A"}, "hash-a")
    store.add_known_domains("hk_a", ["example.org"])
    store.replace_adaptation_state("hk_a", None, "layer")
    state = store.comment_state("hk_a", ["example.org", "spam.example"], "2026-11", "hash-a")
    assert (state.known_domains, state.adaptation_rev, state.adaptation_state,
            state.secret_current) == ({"example.org"}, 1, "layer", True)
    empty = store.comment_state("hk_b", [], "2026-11")
    assert (empty.known_domains, empty.adaptation_rev, empty.adaptation_state,
            empty.secret_current) == (set(), 0, None, True)
    assert (store.usage("hk_a", "2026-11"), store.usage("hk_b", "2026-11")) == (1, 1)


@pytest.mark.parametrize("secret_hash", ["hash-gone", "hash-of-b"])
def test_a_comment_check_with_a_secret_no_longer_the_site_s_counts_nothing(
    store: Store, secret_hash: str
) -> None:
    store.save_site("hk_a", {"name": "A"}, "hash-a")
    store.save_site("hk_b", {"name": "B"}, "hash-of-b")
    store.comment_state("hk_a", [], "2026-11", "hash-a")
    state = store.comment_state("hk_a", ["example.org"], "2026-11", secret_hash)
    assert not state.secret_current
    assert store.usage("hk_a", "2026-11") == 1


@pytest.mark.parametrize("cluster_path", [False, True])
def test_a_response_is_spent_only_for_a_secret_still_the_site_s(
    store: Store, cluster_path: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "_cluster", cluster_path)  # the cluster's two-step path
    store.save_site("hk_a", {"name": "A"}, "hash-a")
    store.save_site("hk_b", {"name": "B"}, "hash-of-b")
    for stale in ("hash-gone", "hash-of-b"):
        refused = store.spend_response("hk_a", "r9", 60, secret_hash=stale)
        assert (refused.secret_current, refused.first_use) == (False, False)
    spent = store.spend_response("hk_a", "r9", 60, secret_hash="hash-a")
    assert spent.secret_current and spent.first_use  # nothing was spent before
    assert not store.spend_response("hk_a", "r9", 60, secret_hash="hash-a").first_use
