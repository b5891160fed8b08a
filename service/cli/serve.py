"""``hedgerow serve``: run the service, with an embedded Redis and demo mode if asked.

Start-up is in the order an operator can trust: settings validated, the port bound,
Redis reached; only then "listening" is printed and the
workers start. Any failure before that is one line on standard error and exit status 1
(2 for a bad setting), never a traceback or a retry loop.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
from pathlib import Path
from typing import Any

import click
import redis
from redis.exceptions import RedisClusterException

from service import config as settings
from service.cli.support import ConfigProblem, load_config, redacted_url
from service.sites.registry import SiteRegistry
from service.store.embedded import EmbeddedRedis, EmbeddedRedisError
from service.store.redis_store import Store, connect

REDIS_CHECK_TIMEOUT = 3.0
LISTEN_BACKLOG = 2048


def _demo_secret_key(data_dir: Path) -> str:
    path = data_dir / settings.DEMO_SECRET_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key


def _ensure_demo_site(store: Store, data_dir: Path, origins: list[str]) -> dict[str, Any]:
    path = data_dir / settings.DEMO_SITE_FILE
    registry = SiteRegistry(store)
    if path.exists():
        saved = json.loads(path.read_text(encoding="utf-8"))
        existing = registry.get(saved.get("sitekey"))
        if existing is not None and registry.by_secret(saved.get("secret")) is not None:
            if set(origins) <= set(existing.origins):
                return dict(saved)
            registry.remove(existing)
    site, site_secret = registry.add("Demo", origins)
    saved = {"sitekey": site.sitekey, "secret": site_secret}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(saved, handle)
    return saved


def _data_dir_problem(data_dir: Path, error: OSError) -> str:
    return (f"cannot use the data directory {data_dir} ({error.strerror or error}); "
            "check HEDGEROW_DATA_DIR and who owns it")


def bind(host: str, port: int) -> socket.socket:
    """The listening socket for ``host:port``, or a clean `Error: …` saying why not."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as error:
        raise click.ClickException(f"cannot listen on {host}:{port}: unknown host ({error})") \
            from None
    family, _, _, _, address = infos[0]
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(LISTEN_BACKLOG)
    except OSError as error:
        listener.close()
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {error.strerror or error}"
        ) from None
    listener.set_inheritable(True)
    return listener


def check_redis(url: str) -> None:
    """Reach Redis once before serving; a clean `Error: …` naming the (redacted) URL if not."""
    client = None
    try:
        # A cluster client connects as it is made; a plain one on first use.
        client = connect(url)
        client.ping()
    except (redis.RedisError, RedisClusterException) as error:
        raise click.ClickException(
            f"cannot reach Redis at {redacted_url(url)} ({error.__class__.__name__}: "
            f"{str(error).splitlines()[0] if str(error) else 'no answer'}); "
            "check HEDGEROW_REDIS_URL and that the server is running"
        ) from None
    finally:
        if client is not None:
            client.close()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--workers", default=None, type=click.IntRange(1, 64),
    help="Worker processes behind the one port [default: HEDGEROW_WORKERS, 2].",
)
@click.option(
    "--threads", default=None, type=click.IntRange(1, 64),
    help="Threads per worker, each answering one request at a time "
    "[default: HEDGEROW_THREADS, 4].",
)
@click.option(
    "--demo", is_flag=True,
    help="Work with no configuration: a generated key kept in the data directory, "
    "a demo site and the demo page at /demo.",
)
def serve(host: str, port: int, workers: int | None, threads: int | None, demo: bool
          ) -> None:
    """Run the service."""
    config = load_config()
    if demo and not config.SECRET_KEY:
        try:
            key = _demo_secret_key(config.DATA_DIR)
        except OSError as error:
            raise click.ClickException(_data_dir_problem(config.DATA_DIR, error)) from None
        config = config.replace(SECRET_KEY=[key])
        click.secho(
            "Demo mode: using the signing key kept in "
            f"{config.DATA_DIR / settings.DEMO_SECRET_FILE}. "
            "For production set HEDGEROW_SECRET_KEY (see `hedgerow secret generate`).",
            fg="yellow", err=True,
        )
    elif not config.SECRET_KEY:
        click.secho(f"Error: {settings.missing_secret_message()}", fg="red", err=True)
        raise SystemExit(2)
    if demo:
        config = config.replace(DEMO=True)
    listener = bind(host, port)
    # Workers are forked inside run() and leave through this function's `finally` too;
    # only the process that started things may stop them.
    master = os.getpid()
    embedded: EmbeddedRedis | None = None
    try:
        if not config.REDIS_URL:
            try:
                embedded = EmbeddedRedis(config.DATA_DIR).start()
            except OSError as error:
                raise click.ClickException(_data_dir_problem(config.DATA_DIR, error)) from None
            config = config.replace(REDIS_URL=embedded.url)
            click.echo(f"Using the embedded Redis in {embedded.dir}", err=True)
        check_redis(config.REDIS_URL)
        port = listener.getsockname()[1]
        if demo:
            hosts = {host, "localhost", "127.0.0.1"} if host in ("127.0.0.1", "0.0.0.0") else {host}
            origins = sorted(f"http://{h}:{port}" for h in hosts if h != "0.0.0.0")
            store = Store(connect(config.REDIS_URL), prefix=config.KEY_PREFIX)
            try:
                _ensure_demo_site(store, config.DATA_DIR, origins)
            finally:
                store.client.close()
        from service.web.server import run

        base = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}"

        def announce() -> None:
            click.echo(f"Hedgerow listening on {base}" + (f" — open {base}/demo" if demo else ""),
                       err=True)

        run(config, listener, workers or config.WORKERS, threads or config.THREADS,
            on_ready=announce)
    except settings.ConfigError as error:
        raise ConfigProblem(str(error)) from None
    except EmbeddedRedisError as error:
        raise click.ClickException(str(error)) from None
    finally:
        if os.getpid() == master:
            with contextlib.suppress(OSError):  # gunicorn may have closed it already
                listener.close()
            if embedded is not None:
                embedded.stop()
