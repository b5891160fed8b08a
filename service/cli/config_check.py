"""``hedgerow config check``: validate the settings and show the effective values."""

from __future__ import annotations

import json

import click

from service import config as settings
from service.cli.support import ConfigProblem, load_config


@click.group("config")
def config_group() -> None:
    """Inspect the HEDGEROW_* settings."""


@config_group.command("check")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of a table.")
def check(as_json: bool) -> None:
    """Validate every setting and print the effective values, secrets masked.

    Exits 1 with one line per bad variable, or when no signing key is set.
    """
    effective = load_config().masked()
    if as_json:
        click.echo(json.dumps(effective, ensure_ascii=False))
    else:
        width = max(len(name) for name in effective)
        for name, value in effective.items():
            shown = ",".join(value) if isinstance(value, list) else value
            if isinstance(shown, bool):
                shown = str(shown).lower()
            click.echo(f"{name:<{width}}  {'(not set)' if shown in ('', None) else shown}")
    if effective[settings.ENV_PREFIX + "SECRET_KEY"] is None:
        raise ConfigProblem(settings.missing_secret_message().splitlines()[0])
