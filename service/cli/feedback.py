"""``hedgerow feedback``: comments that moderators marked as spam or ham."""

from __future__ import annotations

import click

from service.cli.support import find_site, open_store
from service.sites.registry import SiteRegistry
from service.spam import feedback


@click.group("feedback")
def feedback_group() -> None:
    """Comments that moderators marked as spam or ham."""


@feedback_group.command("export")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, writable=True),
              default="-", show_default=True, help="Where to write the JSONL file.")
@click.option("--site", "site_ref", default=None, help="Only this site (sitekey or name).")
def feedback_export(out_path: str, site_ref: str | None) -> None:
    """Write the stored feedback as a JSONL training file (comment_content…, label).

    Train on it with `hedgerow train --data FILE`, or directly with
    `hedgerow train --from-feedback`.
    """
    with open_store() as store:
        sitekey = None
        if site_ref:
            sitekey = find_site(SiteRegistry(store), site_ref).sitekey
        with click.open_file(out_path, "w", encoding="utf-8", atomic=out_path != "-") as out:
            count = feedback.export(store, out, sitekey)
    click.echo(f"Exported {count} labelled comments.", err=True)


