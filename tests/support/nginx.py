"""Running the shipped nginx configuration with a real nginx, as an unprivileged test."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

import requests

from service.store.embedded import terminate

TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "hedgerow.conf.template"

# nginx's own start-up: everything it writes lives in one directory of ours, so no
# default path under /var or /run (root's) is ever touched.
_MAIN = """\
{user}worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
daemon off;
events {{ worker_connections 512; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/hedgerow.conf;
}}
"""


def nginx_binary() -> str | None:
    """The nginx executable, or None if it is not installed (Debian keeps it in sbin)."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def render(template: str, upstream: str, listen: str) -> str:
    """The template with its two placeholders filled, as the nginx image's envsubst does."""
    text = template.replace("${HEDGEROW_UPSTREAM}", upstream)
    text = text.replace("${HEDGEROW_LISTEN}", listen)
    if "${" in text:
        raise ValueError("the nginx template has a placeholder this render does not fill")
    return text


class NginxProcess:
    """nginx in the foreground on a loopback port, in front of ``upstream``."""

    def __init__(self, binary: str, directory: Path, port: int, upstream: str) -> None:
        self.port = port
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "hedgerow.conf").write_text(
            render(TEMPLATE.read_text(encoding="utf-8"), upstream, f"127.0.0.1:{port}"),
            encoding="utf-8",
        )
        # Under root, nginx would hand its workers to "nobody", who cannot enter a private
        # temporary directory; keep them as the user running the tests.
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
        self.config = directory / "nginx.conf"
        self.config.write_text(_MAIN.format(user=user, dir=directory), encoding="utf-8")
        self._log = (directory / "stderr.log").open("w")
        self.process = subprocess.Popen(
            [binary, "-p", str(directory), "-c", str(self.config),
             "-e", str(directory / "error.log")],
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    @property
    def url(self) -> str:
        """Base URL of the proxy."""
        return f"http://127.0.0.1:{self.port}"

    def logs(self) -> str:
        """nginx's start-up output and error log, for failure messages."""
        parts = [self.directory / "stderr.log", self.directory / "error.log"]
        return "\n".join(p.read_text(errors="replace") for p in parts if p.exists())

    def wait_ready(self, timeout: float = 30) -> NginxProcess:
        """Wait until /healthz answers 200 through the proxy."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited:\n{self.logs()}")
            try:
                if requests.get(self.url + "/healthz", timeout=5).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"nginx not ready:\n{self.logs()}")

    def stop(self) -> None:
        """Stop nginx (SIGTERM: a fast shutdown)."""
        terminate(self.process, timeout=10)
        self._log.close()
