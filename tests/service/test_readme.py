"""The README's settings table is the one the code defines."""

from __future__ import annotations

import re
from pathlib import Path

from service.config import SETTINGS, markdown_table

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_settings_table_matches_the_code() -> None:
    text = README.read_text(encoding="utf-8")
    found = re.search(r"<!-- settings:start -->\n(.*?)\n<!-- settings:end -->", text, re.S)
    assert found, "README.md lost its settings block"
    assert found.group(1) == markdown_table(), "run scripts/settings-table"
    assert all(f"`HEDGEROW_{s.name}`" in found.group(1) for s in SETTINGS)
