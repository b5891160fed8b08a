"""``hedgerow sites``: register the sites that embed the widget, and tune them."""

from __future__ import annotations

from typing import Any

import click

from service.cli.support import find_site, open_store, print_json
from service.sites.registry import SiteError, SiteRegistry


@click.group()
def sites() -> None:
    """Register the sites that embed the widget."""


@sites.command("add")
@click.argument("name")
@click.option(
    "--origin", "origins", multiple=True, required=True, metavar="URL",
    help="An origin the widget runs on, e.g. https://blog.example.com (repeatable).",
)
def sites_add(name: str, origins: tuple[str, ...]) -> None:
    """Register a site; prints JSON with its sitekey and secret (shown only once)."""
    with open_store() as store:
        try:
            site, site_secret = SiteRegistry(store).add(name, list(origins), unique_name=True)
        except SiteError as error:
            raise click.BadParameter(str(error), param_hint="--origin/NAME") from None
    click.echo("Keep the secret safe: it is stored hashed and cannot be shown again.", err=True)
    print_json({**site.public(), "secret": site_secret})


@sites.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON array instead of a table.")
def sites_list(as_json: bool) -> None:
    """List the registered sites."""
    with open_store() as store:
        all_sites = [s.public() for s in SiteRegistry(store).all()]
    if as_json:
        print_json(all_sites)
        return
    if not all_sites:
        click.echo("No sites yet. Add one with: hedgerow sites add NAME --origin URL")
        return
    for site in all_sites:
        click.echo(f"{site['sitekey']}  {site['name']}")
        click.echo(f"    origins:  {' '.join(site['origins'])}")
        click.echo(f"    settings: {describe_settings(site['settings'])}")


def describe_settings(settings: dict[str, Any]) -> str:
    """A site's settings as ``name=value`` pairs, or what having none means."""
    if not settings:
        return "defaults (change with `hedgerow sites set`)"
    return " ".join(f"{name}={_shown(value)}" for name, value in sorted(settings.items()))


def _shown(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


@sites.command("remove")
@click.argument("site")
def sites_remove(site: str) -> None:
    """Remove a site (by sitekey or name); its secret stops working at once."""
    with open_store() as store:
        registry = SiteRegistry(store)
        found = find_site(registry, site)
        registry.remove(found)
    print_json({"removed": found.sitekey, "name": found.name})


@sites.command("rotate-secret")
@click.argument("site")
@click.option(
    "--grace", type=click.IntRange(0, 30 * 86400), default=0, show_default=True,
    metavar="SECONDS", help="Keep the old secret working this long, for a smooth switch.",
)
def sites_rotate_secret(site: str, grace: int) -> None:
    """Give a site a new secret; prints JSON with the new secret."""
    with open_store() as store:
        registry = SiteRegistry(store)
        found = find_site(registry, site)
        rotated, site_secret = registry.rotate_secret(found, grace)
    print_json({**rotated.public(), "secret": site_secret, "old_secret_valid_for": grace})


@sites.command("set")
@click.argument("site")
@click.option("--add-origin", "add_origins", multiple=True, metavar="URL",
              help="Let the widget run on this origin too (repeatable).")
@click.option("--remove-origin", "remove_origins", multiple=True, metavar="URL",
              help="Stop the widget running on this origin (repeatable).")
@click.option("--name", "new_name", metavar="NAME", help="Rename the site.")
@click.option("--hold", type=click.FloatRange(0, 1, min_open=True), metavar="P",
              help="Spam probability from which comments are held for a moderator.")
@click.option("--discard", type=click.FloatRange(0, 1, min_open=True), metavar="P",
              help="Spam probability from which comments are discarded.")
@click.option("--require-captcha/--no-require-captcha", default=None,
              help="Hold comment checks that come without a solved captcha.")
@click.option("--require-remoteip-match/--no-require-remoteip-match", default=None,
              help="Make siteverify refuse (invalid-input-remoteip) a response solved from "
              "another network than the remoteip it is given.")
@click.option("--trusted-feedback/--no-trusted-feedback", default=None,
              help="Let this site's spam/ham reports train the model every site shares "
              "(`hedgerow train --from-feedback`). Off by default.")
@click.option("--never-discard/--allow-discard", default=None,
              help="Hold comments that would be discarded, so a moderator sees every one.")
def sites_set(
    site: str,
    add_origins: tuple[str, ...],
    remove_origins: tuple[str, ...],
    new_name: str | None,
    hold: float | None,
    discard: float | None,
    require_captcha: bool | None,
    require_remoteip_match: bool | None,
    trusted_feedback: bool | None,
    never_discard: bool | None,
) -> None:
    """Change a site's origins, name or settings; prints the site as JSON.

    The sitekey and secret stay as they are, so nothing on the site needs changing.
    Running workers apply the change within HEDGEROW_SITE_CACHE_SECONDS (2 by default).
    """
    given: dict[str, Any] = {
        "hold_threshold": hold, "discard_threshold": discard,
        "require_captcha": require_captcha, "require_remoteip_match": require_remoteip_match,
        "trusted_feedback": trusted_feedback, "never_discard": never_discard,
    }
    changes = {name: value for name, value in given.items() if value is not None}
    if not changes and not (add_origins or remove_origins or new_name is not None):
        raise click.UsageError(
            "give at least one of --add-origin, --remove-origin, --name, --hold, --discard, "
            "--require-captcha, --require-remoteip-match, --trusted-feedback, "
            "--never-discard/--allow-discard"
        )
    with open_store() as store:
        registry = SiteRegistry(store)
        try:
            updated = find_site(registry, site)
            if add_origins or remove_origins or new_name is not None:
                updated = registry.update(updated, name=new_name, add_origins=add_origins,
                                          remove_origins=remove_origins)
            if changes:
                updated = registry.update_settings(updated, changes)
        except SiteError as error:
            raise click.ClickException(str(error)) from None
    print_json(updated.public())


@sites.command("reset-adaptation")
@click.argument("site")
def sites_reset_adaptation(site: str) -> None:
    """Forget what a site learned from its verdicts; its checks use the shared model again.

    The verdicts themselves stay in the feedback log, for training.
    """
    from service.spam.adaptation import SiteAdaptation

    with open_store() as store:
        found = find_site(SiteRegistry(store), site)
        dropped = SiteAdaptation(store).reset(found.sitekey)
    print_json({"site": found.sitekey, "name": found.name, "verdicts_dropped": dropped})
