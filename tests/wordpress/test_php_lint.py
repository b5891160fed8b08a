"""The plugin's PHP: every file parses under the PHP that runs WordPress here, and the
code follows the WordPress coding standard (the standard itself where it is installed,
else the ruleset of PHP_CodeSniffer's own sniffs built after it)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.unavailable import unavailable
from tests.wordpress.site import PLUGIN

INTEGRATION = PLUGIN.parent
PHP_FILES = sorted([*PLUGIN.rglob("*.php"), *Path(__file__).parent.glob("*.php")])


def _tool(name: str, package: str) -> str:
    found = shutil.which(name)
    if found is None:
        reason = f"{name} is not installed (Debian: apt-get install {package})"
        unavailable(reason)
    return found


def test_the_plugin_has_its_files() -> None:
    names = {p.relative_to(PLUGIN).as_posix() for p in PLUGIN.rglob("*.php")}
    assert {"hedgerow.php", "uninstall.php", "includes/class-hedgerow-comments.php"} <= names


@pytest.mark.parametrize("path", PHP_FILES, ids=lambda p: p.name)
def test_php_parses(path: Path) -> None:
    php = _tool("php", "php-cli")
    checked = subprocess.run([php, "-l", str(path)], capture_output=True, text=True,
                             timeout=60, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_plugin_follows_the_coding_standard() -> None:
    phpcs = _tool("phpcs", "php-codesniffer")
    installed = subprocess.run([phpcs, "-i"], capture_output=True, text=True, timeout=60,
                               check=False).stdout
    ruleset = "phpcs.xml.dist" if "WordPress" in installed else "phpcs-core.xml"
    checked = subprocess.run([phpcs, "-q", "-s", f"--standard={ruleset}"], cwd=INTEGRATION,
                             capture_output=True, text=True, timeout=120, check=False)
    assert checked.returncode == 0, f"{ruleset}:\n{checked.stdout}{checked.stderr}"


def _pot_msgids(text: str) -> set[str]:
    """The msgid and msgid_plural strings of a .pot file."""
    found: set[str] = set()
    current: list[str] | None = None
    for line in [*text.splitlines(), ""]:
        if line.startswith(("msgid ", "msgid_plural ")):
            if current is not None:
                found.add("".join(current))
            current = [json.loads(line.split(" ", 1)[1])]
        elif line.startswith('"') and current is not None:
            current.append(json.loads(line))
        elif current is not None:
            found.add("".join(current))
            current = None
    return found


def test_every_string_is_translatable_and_in_the_template() -> None:
    php = _tool("php", "php-cli")
    sources = [str(p) for p in PLUGIN.rglob("*.php")]
    listed = subprocess.run([php, str(Path(__file__).parent / "i18n_calls.php"), *sources],
                            capture_output=True, text=True, timeout=60, check=True)
    calls = json.loads(listed.stdout)
    assert len(calls) > 30
    wrong_domain = [c for c in calls if c["strings"][-1:] != ["hedgerow"]]
    assert not wrong_domain, "gettext calls without the 'hedgerow' text domain"
    pot = _pot_msgids((PLUGIN / "languages" / "hedgerow.pot").read_text(encoding="utf-8"))
    wanted = {s for c in calls for s in c["strings"][: 2 if c["function"] == "_n" else 1]}
    assert wanted - pot == set(), "languages/hedgerow.pot is out of date (see docs/wordpress.md)"
