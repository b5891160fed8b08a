"""``hedgerow serve``: run the service, with an embedded Redis and demo mode if asked."""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any

import click

from service import config as settings
from service.cli.support import load_config, open_store
from service.sites.registry import SiteRegistry
from service.store.embedded import EmbeddedRedis, EmbeddedRedisError
from service.store.redis_store import Store


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


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--workers", default=2, show_default=True, type=click.IntRange(1, 64),
    help="Worker processes behind the one port.",
)
@click.option(
    "--demo", is_flag=True,
    help="Work with no configuration: a generated key kept in the data directory, "
    "a demo site and the demo page at /demo.",
)
def serve(host: str, port: int, workers: int, demo: bool) -> None:
    """Run the service."""
    config = load_config()
    data_dir = Path(config["DATA_DIR"])
    if demo and not config["SECRET_KEY"]:
        os.environ["HEDGEROW_SECRET_KEY"] = _demo_secret_key(data_dir)
        click.secho(
            f"Demo mode: using the signing key kept in {data_dir / settings.DEMO_SECRET_FILE}. "
            "For production set HEDGEROW_SECRET_KEY (see `hedgerow secret generate`).",
            fg="yellow", err=True,
        )
    elif not config["SECRET_KEY"]:
        click.secho(f"Error: {settings.missing_secret_message()}", fg="red", err=True)
        sys.exit(2)
    embedded: EmbeddedRedis | None = None
    try:
        if not config["REDIS_URL"]:
            embedded = EmbeddedRedis(data_dir).start()
            os.environ["HEDGEROW_REDIS_URL"] = embedded.url
            click.echo(f"Using the embedded Redis in {embedded.dir}", err=True)
        if demo:
            os.environ["HEDGEROW_DEMO"] = "true"
            hosts = {host, "localhost", "127.0.0.1"} if host in ("127.0.0.1", "0.0.0.0") else {host}
            origins = sorted(f"http://{h}:{port}" for h in hosts if h != "0.0.0.0")
            with open_store() as store:
                _ensure_demo_site(store, data_dir, origins)
        from service import create_app

        try:
            create_app()
        except settings.ConfigError as error:
            raise click.ClickException(str(error)) from None
        base = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}"
        click.echo(f"Hedgerow listening on {base}" + (f" — open {base}/demo" if demo else ""),
                   err=True)
        from service.web.server import run

        run(host, port, workers)
    except EmbeddedRedisError as error:
        raise click.ClickException(str(error)) from None
    finally:
        if embedded is not None:
            embedded.stop()
