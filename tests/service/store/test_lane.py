"""The hot paths' own connections to Redis: same answers, same recovery, fork-safe."""

from __future__ import annotations

import os
import signal
import socket
import struct
import threading
from pathlib import Path

import pytest
import redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError, ResponseError, TimeoutError
from redis.retry import Retry

from service.store import lane as lane_module
from service.store.lane import Lane
from service.store.redis_store import Store, connect
from tests.support.redis_server import RedisServer


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


def test_replies_longer_than_one_read_come_whole_and_in_order(client: redis.Redis) -> None:
    lane = Lane(client.connection_pool)
    big = "☐" * 200_000  # 600 kB of UTF-8: many reads of the socket
    client.set("t:big", big)
    commands = [("GET", "t:big"), *[("INCR", "t:n") for _ in range(2000)], ("GET", "t:big")]
    replies = lane.pipeline(commands)
    assert replies[0] == big and replies[-1] == big
    assert replies[1:-1] == list(range(1, 2001))
    assert lane.pipeline([("GET", "t:n")]) == ["2000"]
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


def _socket_of(lane: Lane) -> socket.socket:
    """The calling thread's socket in ``lane``."""
    sock: socket.socket = lane._local.wire.connection._sock
    return sock


@pytest.mark.parametrize("over", ["tcp", "unix"])
def test_a_connection_waits_in_the_kernel_not_in_python(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, over: str) -> None:
    path = tmp_path / "r.sock"
    server = RedisServer(tmp_path, None, "--unixsocket", str(path),
                         "--unixsocketperm", "700").start()
    url = server.url if over == "tcp" else f"unix://{path}"
    try:
        lane = Lane(redis.Redis.from_url(url, socket_timeout=1.5).connection_pool)
        monkeypatch.setattr(lane_module, "IDLE_CHECK_SECONDS", 0.0)  # the poll every call
        for _ in range(2):  # the second call comes after the idle check's poll
            assert lane.pipeline([("PING",)]) == [b"PONG"]
            sock = _socket_of(lane)
            assert sock.gettimeout() is None  # blocking: no poll before each call
            for option in (socket.SO_RCVTIMEO, socket.SO_SNDTIMEO):
                limit = struct.unpack("ll", sock.getsockopt(socket.SOL_SOCKET, option, 16))
                assert limit == (1, 500_000)
        lane.close()
    finally:
        server.stop()


def test_a_tls_connection_keeps_pythons_timeout(redis_url: str) -> None:
    class Kept(redis.connection.Connection):
        """Any connection class but the two plain ones is made as the pool makes it."""

    pool = redis.ConnectionPool.from_url(redis_url, socket_timeout=1.5, connection_class=Kept)
    lane = Lane(pool)
    assert lane.pipeline([("PING",)]) == [b"PONG"]
    assert _socket_of(lane).gettimeout() == 1.5
    lane.close()


def test_a_server_that_stops_answering_fails_the_call_and_the_lane_recovers(
        tmp_path: Path) -> None:
    server = RedisServer(tmp_path).start()
    assert server.process is not None
    try:
        client = redis.Redis.from_url(server.url, socket_timeout=0.3,
                                      retry=Retry(NoBackoff(), 0))
        lane = Lane(client.connection_pool)
        assert lane.pipeline([("PING",)]) == [b"PONG"]
        os.kill(server.process.pid, signal.SIGSTOP)
        try:
            outcome: list[BaseException | object] = []

            def call() -> None:
                try:
                    outcome.append(lane.pipeline([("PING",)]))
                except (ConnectionError, TimeoutError) as error:
                    outcome.append(error)

            caller = threading.Thread(target=call, daemon=True)
            caller.start()
            caller.join(30)  # a socket with no limit would wait for ever
            assert not caller.is_alive()
            assert isinstance(outcome[0], ConnectionError | TimeoutError)
        finally:
            os.kill(server.process.pid, signal.SIGCONT)
        assert lane.pipeline([("PING",)]) == [b"PONG"]
        lane.close()
    finally:
        server.stop()


def test_a_server_that_answers_garbage_fails_the_call_with_a_connection_error() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:  # greets as Redis would, then answers with bytes that are not RESP
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                while sent := conn.recv(65536):
                    greetings = sent.count(b"SETINFO")
                    conn.sendall(b"+OK\r\n" * greetings if greetings
                                 else b"?this is not redis\r\n")

    threading.Thread(target=serve, daemon=True).start()
    try:
        client = redis.Redis(port=port, socket_timeout=2, retry=Retry(NoBackoff(), 1))
        lane = Lane(client.connection_pool)
        with pytest.raises(ConnectionError, match="Unreadable reply"):
            lane.pipeline([("PING",)])
        lane.close()
    finally:
        listener.close()
