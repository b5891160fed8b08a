"""The ``hedgerow`` command: serve, secrets, sites, and the model commands."""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any

import click

from service import config as settings
from service.cli import models as model_cli
from service.cli.support import load_config, open_store
from service.sites.registry import Site, SiteError, SiteRegistry
from service.spam import feedback
from service.store.embedded import EmbeddedRedis, EmbeddedRedisError
from service.store.redis_store import Store


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False))


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="hedgerow", prog_name="hedgerow")
def main() -> None:
    """Hedgerow: self-hosted captcha and comment-spam protection.

    Configure with HEDGEROW_* environment variables (see the README). Commands that
    need Redis use HEDGEROW_REDIS_URL, or the embedded Redis in HEDGEROW_DATA_DIR.
    """


# -- secrets ---------------------------------------------------------------------------
@main.group()
def secret() -> None:
    """Signing keys for HEDGEROW_SECRET_KEY."""


@secret.command("generate")
def secret_generate() -> None:
    """Print a new random signing key (384 bits).

    To rotate, put the new key first and keep the old one until its tokens have
    expired: HEDGEROW_SECRET_KEY=NEW,OLD
    """
    click.echo(secrets.token_urlsafe(48))


# -- sites -----------------------------------------------------------------------------
@main.group()
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
            site, site_secret = SiteRegistry(store).add(name, list(origins))
        except SiteError as error:
            raise click.BadParameter(str(error), param_hint="--origin/NAME") from None
    click.echo("Keep the secret safe: it is stored hashed and cannot be shown again.", err=True)
    _print_json({**site.public(), "secret": site_secret})


@sites.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON array instead of a table.")
def sites_list(as_json: bool) -> None:
    """List the registered sites."""
    with open_store() as store:
        all_sites = [s.public() for s in SiteRegistry(store).all()]
    if as_json:
        _print_json(all_sites)
        return
    if not all_sites:
        click.echo("No sites yet. Add one with: hedgerow sites add NAME --origin URL")
        return
    for site in all_sites:
        click.echo(f"{site['sitekey']}  {site['name']}  {' '.join(site['origins'])}")


def _find_site(registry: SiteRegistry, ref: str) -> Site:
    try:
        return registry.find(ref)
    except SiteError as error:
        raise click.ClickException(str(error)) from None


@sites.command("remove")
@click.argument("site")
def sites_remove(site: str) -> None:
    """Remove a site (by sitekey or name); its secret stops working at once."""
    with open_store() as store:
        registry = SiteRegistry(store)
        found = _find_site(registry, site)
        registry.remove(found)
    _print_json({"removed": found.sitekey, "name": found.name})


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
        found = _find_site(registry, site)
        rotated, site_secret = registry.rotate_secret(found, grace)
    _print_json({**rotated.public(), "secret": site_secret, "old_secret_valid_for": grace})


@sites.command("set")
@click.argument("site")
@click.option("--hold", type=click.FloatRange(0, 1, min_open=True), metavar="P",
              help="Spam probability from which comments are held for a moderator.")
@click.option("--discard", type=click.FloatRange(0, 1, min_open=True), metavar="P",
              help="Spam probability from which comments are discarded.")
@click.option("--require-captcha/--no-require-captcha", default=None,
              help="Hold comment checks that come without a solved captcha.")
def sites_set(
    site: str, hold: float | None, discard: float | None, require_captcha: bool | None
) -> None:
    """Change a site's moderation settings; prints the site as JSON."""
    changes: dict[str, Any] = {}
    if hold is not None:
        changes["hold_threshold"] = hold
    if discard is not None:
        changes["discard_threshold"] = discard
    if require_captcha is not None:
        changes["require_captcha"] = require_captcha
    if not changes:
        raise click.UsageError("give at least one of --hold, --discard, --require-captcha")
    with open_store() as store:
        registry = SiteRegistry(store)
        try:
            updated = registry.update_settings(_find_site(registry, site), changes)
        except SiteError as error:
            raise click.ClickException(str(error)) from None
    _print_json(updated.public())


# -- feedback --------------------------------------------------------------------------
@main.group("feedback")
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
            sitekey = _find_site(SiteRegistry(store), site_ref).sitekey
        with click.open_file(out_path, "w", encoding="utf-8", atomic=out_path != "-") as out:
            count = feedback.export(store, out, sitekey)
    click.echo(f"Exported {count} labelled comments.", err=True)


# -- serve -----------------------------------------------------------------------------
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


@main.command()
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


model_cli.register(main)
