"""``hedgerow sites``: change a site's origins and name without new keys; see its settings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from service.sites.registry import SiteRegistry
from service.store.redis_store import Store, connect
from tests.support.processes import clean_env, run_cli


@pytest.fixture
def env(redis_url: str, tmp_path: Path) -> dict[str, str]:
    """The command's environment, on the test Redis."""
    return clean_env(HEDGEROW_REDIS_URL=redis_url, HEDGEROW_DATA_DIR=str(tmp_path / "data"))


def _ok(*args: str, env: dict[str, str]) -> Any:
    result = run_cli(*args, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _registry(redis_url: str) -> SiteRegistry:
    return SiteRegistry(Store(connect(redis_url)), cache_seconds=0)


def test_origins_change_and_the_keys_stay(env: dict[str, str], redis_url: str) -> None:
    added = _ok("sites", "add", "Blog", "--origin", "https://blog.example.com", env=env)
    changed = _ok("sites", "set", "Blog", "--add-origin", "http://localhost:8000",
                  "--add-origin", "https://www.blog.example.com",
                  "--remove-origin", "https://blog.example.com/", env=env)
    assert changed["sitekey"] == added["sitekey"]
    assert changed["origins"] == ["http://localhost:8000", "https://www.blog.example.com"]
    site = _registry(redis_url).by_secret(added["secret"])
    assert site is not None and site.allows_origin("http://localhost:8000")
    assert not site.allows_origin("https://blog.example.com")
    assert len(_ok("sites", "list", "--json", env=env)) == 1


def test_internationalised_origins_are_kept_as_browsers_send_them(env: dict[str, str]) -> None:
    added = _ok("sites", "add", "Bücher", "--origin", "https://bücher.example", env=env)
    assert added["origins"] == ["https://xn--bcher-kva.example"]
    changed = _ok("sites", "set", "Bücher", "--add-origin", "https://straße.example",
                  "--remove-origin", "https://xn--bcher-kva.example", env=env)
    assert changed["origins"] == ["https://xn--strae-oqa.example"]


def test_rename_and_duplicate_names_are_refused(env: dict[str, str]) -> None:
    blog = _ok("sites", "add", "Blog", "--origin", "https://blog.example.com", env=env)
    _ok("sites", "add", "Shop", "--origin", "https://shop.example.com", env=env)
    again = run_cli("sites", "add", "blog", "--origin", "https://other.example", env=env)
    assert again.returncode == 2  # a bad NAME, like a bad --origin
    assert "already named 'Blog'" in again.stderr and "sites set" in again.stderr
    clash = run_cli("sites", "set", "Shop", "--name", "Blog", env=env)
    assert clash.returncode == 1 and "already named 'Blog'" in clash.stderr
    renamed = _ok("sites", "set", blog["sitekey"], "--name", "Journal", env=env)
    assert renamed["name"] == "Journal" and renamed["sitekey"] == blog["sitekey"]
    # Renaming a site to its own name (another case) is no clash.
    assert _ok("sites", "set", "Journal", "--name", "JOURNAL", env=env)["name"] == "JOURNAL"
    names = [s["name"] for s in _ok("sites", "list", "--json", env=env)]
    assert names == ["JOURNAL", "Shop"]


@pytest.mark.parametrize(("args", "words"), [
    (("--remove-origin", "https://blog.example.com"), "at least one origin"),
    (("--remove-origin", "https://nope.example"), "not one of the site's origins"),
    (("--add-origin", "https://blog.example.com/path"), "drop the path"),
    (("--name", ""), "1–100 printable characters"),
])
def test_bad_changes_are_refused_and_change_nothing(
    env: dict[str, str], args: tuple[str, ...], words: str
) -> None:
    _ok("sites", "add", "Blog", "--origin", "https://blog.example.com", env=env)
    result = run_cli("sites", "set", "Blog", *args, env=env)
    assert result.returncode == 1, result.stdout
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    [site] = _ok("sites", "list", "--json", env=env)
    assert site["origins"] == ["https://blog.example.com"] and site["name"] == "Blog"


def test_list_shows_origins_and_settings(env: dict[str, str]) -> None:
    _ok("sites", "add", "Blog", "--origin", "https://blog.example.com", env=env)
    _ok("sites", "add", "Shop", "--origin", "https://shop.example.com", env=env)
    _ok("sites", "set", "Shop", "--hold", "0.4", "--never-discard", env=env)
    listed = run_cli("sites", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    blog = lines.index(next(line for line in lines if line.endswith("  Blog")))
    assert lines[blog + 1].split() == ["origins:", "https://blog.example.com"]
    assert "defaults" in lines[blog + 2]
    shop = lines.index(next(line for line in lines if line.endswith("  Shop")))
    assert lines[shop + 2].split() == ["settings:", "hold_threshold=0.4", "never_discard=true"]
