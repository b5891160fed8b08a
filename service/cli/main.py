"""The ``hedgerow`` command: one group, its subcommands each in a module of their own."""

from __future__ import annotations

import click

from service.cli import config_check, feedback, models, replay, secret, serve, sites, support


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="hedgerow", prog_name="hedgerow")
def main() -> None:
    """Hedgerow: self-hosted captcha and comment-spam protection.

    Configure with HEDGEROW_* environment variables (see the README). Commands that
    need Redis use HEDGEROW_REDIS_URL, or the embedded Redis in HEDGEROW_DATA_DIR.
    """
    support.warn_unknown_settings()


main.add_command(serve.serve)
main.add_command(config_check.config_group)
main.add_command(secret.secret)
main.add_command(sites.sites)
main.add_command(feedback.feedback_group)
models.register(main)
main.add_command(replay.replay_command)
