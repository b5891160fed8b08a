"""Model commands: train, evaluate, models list|promote|rollback."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    """Add the model commands to the ``hedgerow`` command group."""
