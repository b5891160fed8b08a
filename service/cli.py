"""The ``hedgerow`` command: serve, secrets, sites, and the model commands."""

from __future__ import annotations

import click

from service import model_cli


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="hedgerow", prog_name="hedgerow")
def main() -> None:
    """Hedgerow: self-hosted captcha and comment-spam protection.

    Configure with HEDGEROW_* environment variables (see the README); every command
    that needs Redis uses HEDGEROW_REDIS_URL, or the embedded Redis in HEDGEROW_DATA_DIR.
    """


model_cli.register(main)
