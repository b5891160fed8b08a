"""``hedgerow secret``: signing keys for HEDGEROW_SECRET_KEY."""

from __future__ import annotations

import secrets

import click


@click.group()
def secret() -> None:
    """Signing keys for HEDGEROW_SECRET_KEY."""


@secret.command("generate")
def secret_generate() -> None:
    """Print a new random signing key (384 bits).

    To rotate, put the new key first and keep the old one until its tokens have
    expired: HEDGEROW_SECRET_KEY=NEW,OLD
    """
    click.echo(secrets.token_urlsafe(48))


