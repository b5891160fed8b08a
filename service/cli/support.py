"""What the command-line tools share: configuration and a connection to Redis."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import click
import redis
from redis.exceptions import RedisClusterException

from service import config as settings
from service.sites.registry import Site, SiteError, SiteRegistry
from service.store.embedded import EmbeddedRedis, EmbeddedRedisError
from service.store.redis_store import Store, connect


class ConfigProblem(click.ClickException):
    """A setting is missing or wrong: `Error: …` and exit status 2, like a bad option."""

    exit_code = 2


def load_config() -> settings.Settings:
    """The settings from the environment; a bad value is a clean `Error: …` (status 2)."""
    try:
        return settings.load(require_secret=False)
    except settings.ConfigError as error:
        raise ConfigProblem(str(error)) from None


def warn_unknown_settings() -> None:
    """Say on standard error which HEDGEROW_* variables are not settings (likely typos)."""
    for warning in settings.unknown_names():
        click.secho(f"Warning: {warning}", fg="yellow", err=True)


def redacted_url(url: str) -> str:
    """``url`` with any password replaced, fit to print."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


@contextmanager
def open_store() -> Iterator[Store]:
    """A store on HEDGEROW_REDIS_URL, or on the embedded Redis in the data directory."""
    config = load_config()
    embedded: EmbeddedRedis | None = None
    try:
        if config.REDIS_URL:
            url = config.REDIS_URL
        else:
            try:
                embedded = EmbeddedRedis(config.DATA_DIR).start()
            except OSError as error:
                raise click.ClickException(
                    f"cannot use the data directory {config.DATA_DIR} "
                    f"({error.strerror or error}); check HEDGEROW_DATA_DIR and who owns it"
                ) from None
            url = embedded.url
        store = Store(connect(url), prefix=config.KEY_PREFIX)
        store.ping()
        yield store
    except (EmbeddedRedisError, ValueError) as error:
        raise click.ClickException(str(error)) from None
    except (redis.RedisError, RedisClusterException) as error:
        raise click.ClickException(
            f"cannot reach Redis ({error.__class__.__name__}); check HEDGEROW_REDIS_URL"
        ) from None
    finally:
        if embedded is not None:
            embedded.stop()


def find_site(registry: SiteRegistry, ref: str) -> Site:
    """The site with this sitekey or name, or a clean `Error: …`."""
    try:
        return registry.find(ref)
    except SiteError as error:
        raise click.ClickException(str(error)) from None


def print_json(data: Any) -> None:
    """One line of JSON on standard output."""
    click.echo(json.dumps(data, ensure_ascii=False))
