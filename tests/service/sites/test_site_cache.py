"""The per-process sitekey cache: bounded in entries and bytes, against the real Redis."""

from __future__ import annotations

import secrets

from service.sites.registry import SITEKEY_PREFIX, SiteRegistry
from service.web.state import AppState

ORIGIN = "https://blog.example.com"


def _unknown_sitekey() -> str:
    return SITEKEY_PREFIX + secrets.token_urlsafe(16)


def test_a_flood_of_unknown_sitekeys_stays_within_the_bounds(state: AppState) -> None:
    registry = SiteRegistry(state.store, cache_seconds=60, cache_entries=40, cache_bytes=12_000)
    site, _ = registry.add("Blog", [ORIGIN])
    for i in range(300):
        assert registry.get(_unknown_sitekey()) is None
        assert len(registry._cache) <= 40 and registry.cached_bytes <= 12_000
        if i % 50 == 0:
            assert registry.get(site.sitekey) == site
    assert registry.cached_bytes == sum(size for _, _, size in registry._cache.values())


def test_expired_entries_make_room_before_live_ones_are_dropped(state: AppState) -> None:
    live = SiteRegistry(state.store, cache_seconds=60, cache_entries=10)
    for _ in range(10):
        live.get(_unknown_sitekey())
    site, _ = live.add("Blog", [ORIGIN])
    assert live.get(site.sitekey) == site
    assert set(live._cache) == {site.sitekey}  # full of live entries: started again
    stale = SiteRegistry(state.store, cache_seconds=0, cache_entries=10)
    for _ in range(9):
        stale.get(_unknown_sitekey())
    assert stale.get(site.sitekey) == site and len(stale._cache) == 10
    unknown = _unknown_sitekey()
    stale.get(unknown)  # full, but every entry has expired: they make room
    assert set(stale._cache) == {unknown}


def test_changes_to_a_site_leave_the_counts_right(state: AppState) -> None:
    registry = SiteRegistry(state.store)
    site, _ = registry.add("Blog", [ORIGIN])
    registry.get(site.sitekey)
    counted = registry.cached_bytes
    assert counted > 0
    updated = registry.update_settings(site, {"hold_threshold": 0.4})
    assert registry.cached_bytes == 0
    assert registry.get(site.sitekey) == updated and registry.cached_bytes > counted
    registry.remove(updated)
    assert registry.cached_bytes == 0 and registry.get(site.sitekey) is None


def test_a_secret_s_site_is_read_afresh_while_its_index_is_cached(state: AppState) -> None:
    worker = SiteRegistry(state.store, cache_seconds=60)  # another process's registry
    admin = SiteRegistry(state.store)
    site, secret = admin.add("Blog", [ORIGIN])
    assert worker.by_secret(secret) == site
    changed = admin.update_settings(site, {"never_discard": True})
    assert worker.by_secret(secret) == changed  # settings: at once
    rotated, new_secret = admin.rotate_secret(changed, grace_seconds=60)
    assert worker.by_secret(secret) == rotated  # in its grace period
    assert worker.by_secret(new_secret) == rotated
    again, newest = admin.rotate_secret(rotated)  # no grace: both earlier ones stop
    assert worker.by_secret(secret) is None and worker.by_secret(new_secret) is None
    assert worker.by_secret(newest) == again
    assert admin.remove(again)
    assert worker.by_secret(newest) is None  # removal: at once


def test_a_grace_period_ends_for_a_cached_secret_too(state: AppState) -> None:
    worker = SiteRegistry(state.store, cache_seconds=60)
    site, secret = worker.add("Blog", [ORIGIN])
    assert worker.by_secret(secret) == site
    rotated, _ = SiteRegistry(state.store).rotate_secret(site, grace_seconds=60)
    assert worker.by_secret(secret) == rotated
    state.store.client.delete(state.store._sites_key("secret", site.secret_hash))  # grace ends
    assert worker.by_secret(secret) is None
