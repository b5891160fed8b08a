"""The real app on a real HTTP port, in a thread of the test process."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server


class LiveServer:
    """Serves ``app`` on 127.0.0.1 at a free port until stopped."""

    def __init__(self, app: Flask, tls: tuple[str, str] | None = None) -> None:
        """``tls``: a certificate file and its key file, to serve HTTPS instead."""
        self.app = app
        self.scheme = "https" if tls else "http"
        self.server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, app, threaded=True, ssl_context=tls)
        # A short poll interval: shutdown() waits up to one interval, once per test.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        """Base URL, without a trailing slash."""
        return f"{self.scheme}://127.0.0.1:{self.server.server_port}"

    def start(self) -> LiveServer:
        """Start serving in the background."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, free the port and close the app's connections."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
        self.app.extensions["hedgerow"].close()


@contextmanager
def serving(app: Any) -> Iterator[int]:
    """Any WSGI app (a site using Hedgerow, say) on a loopback port in a thread, for the
    length of the block; yields the port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def based_session(base: str) -> requests.Session:
    """A requests session whose relative URLs ('/v1/…') go to ``base``."""
    session = requests.Session()
    original = session.request

    def request(method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        return original(method, base + url if url.startswith("/") else url, *args, **kwargs)

    session.request = request  # type: ignore[method-assign,assignment]
    return session
