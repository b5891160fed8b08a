"""Labelled comments from moderators: stored durably, privately, for the next training.

IP addresses and e-mail addresses are kept only as keyed hashes unless the operator
opts in (``HEDGEROW_KEEP_PERSONAL_DATA=true``); entries older than the retention
(``HEDGEROW_FEEDBACK_RETENTION_DAYS``) are dropped as new ones arrive.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from typing import IO

from model.fields import (
    AUTHOR,
    AUTHOR_URL,
    BLOG_LANG,
    COMMENT_TYPE,
    CONTENT,
    PERMALINK,
    PERSONAL_FIELDS,
)
from service.signing import TokenSigner
from service.store.redis_store import Store

LABELS = ("spam", "ham")
# Fields kept as written: what the model trains on and what a moderator needs to see.
KEPT_FIELDS = (CONTENT, AUTHOR, AUTHOR_URL, COMMENT_TYPE, PERMALINK, BLOG_LANG)


def make_entry(
    fields: Mapping[str, str],
    label: str,
    sitekey: str,
    source: str,
    signer: TokenSigner,
    keep_personal: bool,
) -> dict[str, str]:
    """The stored form of one piece of feedback."""
    if label not in LABELS:
        raise ValueError(f"label must be spam or ham, not {label!r}")
    entry = {"label": label, "site": sitekey, "source": source, "time": str(int(time.time()))}
    for name in KEPT_FIELDS:
        if fields.get(name):
            entry[name] = fields[name]
    for name in PERSONAL_FIELDS:
        value = fields.get(name, "").strip()
        if not value:
            continue
        if keep_personal:
            entry[name] = value
        else:
            entry[name + "_hash"] = signer.pseudonym(value.lower())
    return entry


def record(
    store: Store, entry: dict[str, str], retention_days: int
) -> str:
    """Store one entry durably; returns its id."""
    return store.add_feedback(entry, retention_days * 86400)


def export(store: Store, out: IO[str], sitekey: str | None = None) -> int:
    """Write every entry (optionally of one site) as JSONL training rows; returns the count."""
    count = 0
    for row in iter_rows(store, sitekey):
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def iter_rows(store: Store, sitekey: str | None = None) -> Iterator[dict[str, str]]:
    """Feedback entries as training rows (``comment_content``…, ``label``)."""
    for _, entry in store.iter_feedback():
        if sitekey and entry.get("site") != sitekey:
            continue
        if not entry.get("comment_content"):
            continue
        row = {name: entry[name] for name in KEPT_FIELDS if name in entry}
        if "comment_author_email" in entry:
            row["comment_author_email"] = entry["comment_author_email"]
        row["label"] = entry["label"]
        yield row
