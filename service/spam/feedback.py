"""Labelled comments from moderators: stored durably, privately, for the next training.

IP addresses and e-mail addresses are kept only as keyed hashes unless the operator
opts in (``HEDGEROW_KEEP_PERSONAL_DATA=true``); entries older than the retention
(``HEDGEROW_FEEDBACK_RETENTION_DAYS``) are dropped as new ones arrive. Each site may
store a bounded amount a day (:class:`Quota`), so one site's key cannot fill Redis.

Every site shares one model, so one site's reports would shape every other site's decisions.
Only sites the operator marks as trusted (``hedgerow sites set SITE --trusted-feedback``)
feed the shared model (:func:`select`); the rest stay stored for that site alone.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
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
from service.sites.registry import Site
from service.store.redis_store import Store

LABELS = ("spam", "ham")
# Fields kept as written: what the model trains on and what a moderator needs to see.
KEPT_FIELDS = (CONTENT, AUTHOR, AUTHOR_URL, COMMENT_TYPE, PERMALINK, BLOG_LANG)
DAY = 86400


@dataclass(frozen=True)
class Quota:
    """What one site may store a day (UTC); 0 is no limit."""

    entries_per_day: int = 2000
    bytes_per_day: int = 8 * 1024 * 1024


@dataclass(frozen=True)
class Recorded:
    """The outcome of storing feedback.

    ``entry_id`` is None when nothing was stored: a test submission, or one over the
    site's quota, in which case ``over_quota`` says which limit (``entries`` or
    ``bytes``), ``limit`` its size and ``resets_at`` when (Unix time) it starts afresh.
    """

    entry_id: str | None
    over_quota: str = ""
    limit: int = 0
    resets_at: float = 0.0


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
    store: Store,
    entry: dict[str, str],
    retention_days: int,
    quota: Quota | None = None,
    now: float | None = None,
) -> Recorded:
    """Store one entry durably, within its site's daily quota."""
    quota = quota or Quota(0, 0)
    now = time.time() if now is None else now
    resets_at = (now // DAY + 1) * DAY
    added = store.add_feedback(
        entry,
        retention_days * DAY,
        site=entry.get("site", ""),
        day=time.strftime("%Y-%m-%d", time.gmtime(now)),
        max_entries=quota.entries_per_day,
        max_bytes=quota.bytes_per_day,
        # Kept a little past midnight, so a clock slightly behind Redis's still finds it.
        quota_seconds=int(resets_at - now) + 3600,
    )
    if added.entry_id is not None:
        return Recorded(added.entry_id)
    limit = quota.entries_per_day if added.over_quota == "entries" else quota.bytes_per_day
    return Recorded(None, added.over_quota, limit, resets_at)


def export(store: Store, out: IO[str], sitekey: str | None = None) -> int:
    """Write every entry (optionally of one site) as JSONL training rows; returns the count."""
    count = 0
    for row in iter_rows(store, sitekey):
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def iter_rows(store: Store, sitekey: str | None = None) -> Iterator[dict[str, str]]:
    """Feedback entries as training rows (``comment_content``…, ``label``)."""
    for _, site, row in _site_rows(store):
        if sitekey and site != sitekey:
            continue
        yield row


def _site_rows(store: Store) -> Iterator[tuple[str, str, dict[str, str]]]:
    for entry_id, entry in store.iter_feedback():
        if not entry.get("comment_content") or entry.get("label") not in LABELS:
            continue
        row = {name: entry[name] for name in KEPT_FIELDS if name in entry}
        if "comment_author_email" in entry:
            row["comment_author_email"] = entry["comment_author_email"]
        row["label"] = entry["label"]
        yield entry_id, entry.get("site", ""), row


@dataclass
class SiteRows:
    """One site's feedback rows."""

    sitekey: str
    name: str
    rows: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Selection:
    """Feedback split by whether its site is trusted to shape the shared model."""

    used: list[SiteRows]
    left_out: list[SiteRows]

    def summary(self) -> str:
        """What was taken and what was left out, in one sentence for the operator."""
        def listing(groups: list[SiteRows]) -> str:
            return ", ".join(f"{g.name} {len(g.rows)}" for g in groups)

        used = sum(len(g.rows) for g in self.used)
        text = (f"Feedback: {used} rows from {len(self.used)} trusted "
                f"site{'s' if len(self.used) != 1 else ''}"
                + (f" ({listing(self.used)})" if self.used else ""))
        left = sum(len(g.rows) for g in self.left_out)
        if left:
            text += (f"; {left} rows from {len(self.left_out)} untrusted "
                     f"site{'s' if len(self.left_out) != 1 else ''} left out "
                     f"({listing(self.left_out)}). Trust a site's moderators with "
                     "`hedgerow sites set SITE --trusted-feedback`")
        return text + "."


def select(store: Store, sites: Iterable[Site]) -> Selection:
    """Group the stored feedback by site; only trusted sites' rows are ``used``.

    Feedback whose site has been removed counts as untrusted.
    """
    known = {site.sitekey: site for site in sites}
    groups: dict[str, SiteRows] = {}
    for _, sitekey, row in _site_rows(store):
        if sitekey not in groups:
            site = known.get(sitekey)
            groups[sitekey] = SiteRows(sitekey, site.name if site else
                                       f"removed site {sitekey or '(none)'}")
        groups[sitekey].rows.append(row)
    used = [g for key, g in groups.items() if key in known and known[key].trusted_feedback]
    left = [g for key, g in groups.items() if g not in used]
    return Selection(used=used, left_out=left)
