"""``scripts/run`` installs only when it must, so a second start needs no network."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _checkout(tmp_path: Path) -> Path:
    """A copy of the script in a tree whose install step and command only record calls.

    The real install step downloads from the package index; here it is replaced by one
    that notes it ran and lays out what an install leaves behind.
    """
    tree = tmp_path / "tree"
    (tree / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "run", tree / "scripts" / "run")
    (tree / "pyproject.toml").write_text("[project]\n")
    bootstrap = tree / "scripts" / "bootstrap"
    bootstrap.write_text(
        "#!/usr/bin/env bash\nset -e\necho install >> calls\nmkdir -p .venv/bin\n"
        "printf '#!/usr/bin/env bash\\necho \"serve $*\" >> calls\\n' > .venv/bin/hedgerow\n"
        "chmod +x .venv/bin/hedgerow\n"
    )
    bootstrap.chmod(0o755)
    return tree


def _run(tree: Path, *args: str) -> list[str]:
    # Run from elsewhere: the script must find its own tree.
    subprocess.run([str(tree / "scripts" / "run"), *args], check=True, cwd=tree.parent,
                   timeout=30)
    return (tree / "calls").read_text().splitlines()


def test_installs_on_the_first_run_only_and_again_after_pyproject_changes(
    tmp_path: Path,
) -> None:
    tree = _checkout(tmp_path)
    assert _run(tree, "--port", "9000") == ["install", "serve serve --demo --port 9000"]
    assert _run(tree)[2:] == ["serve serve --demo"]  # no install: offline is fine
    later = time.time() + 5
    os.utime(tree / "pyproject.toml", (later, later))
    assert _run(tree)[3:] == ["install", "serve serve --demo"]
    (tree / ".venv" / "bin" / "hedgerow").unlink()
    assert _run(tree)[5:] == ["install", "serve serve --demo"]
