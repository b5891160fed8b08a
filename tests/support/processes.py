"""Running ``hedgerow`` as a real process, as an operator would."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import requests

from service.store.embedded import terminate

HEDGEROW = [sys.executable, "-m", "service"]


def clean_env(**overrides: str) -> dict[str, str]:
    """The test process's environment without any HEDGEROW_* settings, plus overrides."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEDGEROW_")}
    env.update(overrides)
    return env


def run_cli(
    *args: str, env: Mapping[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run ``hedgerow ARGS`` to completion."""
    return subprocess.run(
        [*HEDGEROW, *args], env=dict(env), capture_output=True, text=True, timeout=timeout
    )


class ServeProcess:
    """``hedgerow serve`` in the background, stopped on exit."""

    def __init__(self, port: int, env: Mapping[str, str], *args: str, log: Path) -> None:
        self.port = port
        self.log_path = log
        self._log = log.open("w")
        self.process = subprocess.Popen(
            [*HEDGEROW, "serve", "--port", str(port), *args],
            env=dict(env), stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def url(self) -> str:
        """Base URL of the server."""
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 30) -> ServeProcess:
        """Wait until /readyz answers 200."""
        wait_until_ok(self.process, self.url + "/readyz", self.log_path.read_text, timeout)
        return self

    def stop(self) -> None:
        """Stop the server (SIGTERM, as a process manager would)."""
        terminate(self.process, timeout=20)
        self._log.close()


def wait_until_ok(
    process: subprocess.Popen[bytes], url: str, logs: Callable[[], str], timeout: float = 30
) -> None:
    """Wait until ``url`` answers 200; fail with ``logs()`` if ``process`` exits or time is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited:\n{logs()}")
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} not ready:\n{logs()}")
