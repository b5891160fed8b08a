"""The hot paths' own connections to Redis: same answers, same recovery, fork-safe."""

from __future__ import annotations

import os
import threading

import pytest
import redis
from redis.exceptions import ConnectionError, ResponseError

from service.store import lane as lane_module
from service.store.lane import Lane
from service.store.redis_store import Store, connect


@pytest.fixture
def client(redis_url: str) -> redis.Redis:
    """A client on the emptied test Redis, as the store makes it."""
    made = connect(redis_url)
    assert isinstance(made, redis.Redis)
    return made


def test_a_pipeline_answers_as_the_client_does_in_one_round_trip(client: redis.Redis) -> None:
    lane = Lane(client.connection_pool)
    client.sadd("t:set", "a", "c")
    replies = lane.pipeline([("SMISMEMBER", "t:set", "a", "b", "c"), ("HINCRBY", "t:h", "f", 2),
                             ("HMGET", "t:h", "f", "g"), ("GET", "t:missing")])
    assert replies == [[1, 0, 1], 2, ["2", None], None]
    lane.close()


def test_an_error_reply_is_raised_after_every_reply_is_read(client: redis.Redis) -> None:
    lane = Lane(client.connection_pool)
    client.set("t:text", "x")
    with pytest.raises(ResponseError):
        lane.pipeline([("INCR", "t:text"), ("SET", "t:after", "1")])
    # The command after the failing one ran, and the connection is still in step.
    assert client.get("t:after") == "1"
    assert lane.pipeline([("GET", "t:after")]) == ["1"]
    lane.close()


def test_a_script_the_server_forgot_is_loaded_again(client: redis.Redis) -> None:
    lane = Lane(client.connection_pool)
    script = client.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])")
    assert lane.script(script, ["t:n"], [3]) == 3
    client.script_flush()
    assert lane.script(script, ["t:n"], [4]) == 7
    lane.close()


def test_an_idle_connection_the_server_closed_is_made_again(
        client: redis.Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lane_module, "IDLE_CHECK_SECONDS", 0.0)  # every use is "idle"
    lane = Lane(client.connection_pool)
    assert lane.pipeline([("CLIENT", "SETNAME", "lane-test")]) == ["OK"]
    client.client_kill_filter(_type="normal", skipme=True)
    assert lane.pipeline([("PING",)]) == ["PONG"]
    lane.close()


def test_a_busy_connection_the_server_closed_fails_once_then_is_made_again(
        client: redis.Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lane_module, "IDLE_CHECK_SECONDS", 3600.0)  # never "idle"
    lane = Lane(client.connection_pool)
    assert lane.pipeline([("PING",)]) == ["PONG"]
    client.client_kill_filter(_type="normal", skipme=True)
    with pytest.raises(ConnectionError):
        lane.pipeline([("PING",)])
    assert lane.pipeline([("PING",)]) == ["PONG"]
    lane.close()


def test_each_thread_has_its_own_connection_and_close_ends_them(
        client: redis.Redis) -> None:
    lane = Lane(client.connection_pool)
    ids: list[int] = []
    threads = [threading.Thread(target=lambda: ids.extend(lane.pipeline([("CLIENT", "ID")])))
               for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids)) == 3
    lane.close()
    listed: list[dict[str, str]] = client.client_list()  # type: ignore[assignment]
    alive = {int(c["id"]) for c in listed}
    assert not alive & set(ids)


def test_a_forked_child_makes_its_own_connection_and_leaves_the_parents(
        redis_url: str) -> None:
    store = Store(connect(redis_url), prefix="t")
    assert store.consume_once("challenge", "before-fork", 60).first_use
    lane = store._lane
    assert lane is not None
    parent_id = lane.pipeline([("CLIENT", "ID")])[0]
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its connection's id and whether the store works
        try:
            child_id = lane.pipeline([("CLIENT", "ID")])[0]
            spent = store.consume_once("challenge", "in-child", 60).first_use
            os.write(write, f"{child_id} {spent}".encode())
        finally:
            os._exit(0)
    os.close(write)
    reported = os.read(read, 100).decode().split()
    os.waitpid(pid, 0)
    os.close(read)
    assert int(reported[0]) != parent_id and reported[1] == "True"
    # The parent's connection is untouched by the child's exit.
    assert lane.pipeline([("CLIENT", "ID")])[0] == parent_id
    assert not store.consume_once("challenge", "in-child", 60).first_use
    store.close()
