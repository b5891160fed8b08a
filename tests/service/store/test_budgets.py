"""Budgets spent by an operation's own script, on a real Redis: all or none, then the work."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from limits.storage import RedisStorage

from service.store.budgets import Budgets, OverBudget
from service.store.redis_store import Store, connect
from service.web.ratelimit import RateLimits
from tests.support.round_trips import counting_round_trips


@pytest.fixture
def store(redis_url: str) -> Iterator[Store]:
    """A store on the emptied test Redis."""
    made = Store(connect(redis_url), prefix="t")
    yield made
    made.close()


@pytest.fixture
def limits(redis_url: str) -> Iterator[RateLimits]:
    """Budgets of two rules for clients, one for sites, on the same Redis."""
    made = RateLimits(redis_url, {"challenge": "2/minute;100/hour",
                                  "challenge_site": "3/minute"}, prefix="t")
    yield made
    made.close()


def _requests_counted(store: Store, client: str) -> int:
    return int(store.client.get(f"t:{{client:{client}}}:requests") or 0)


def test_the_work_runs_only_while_every_rule_has_room(store: Store, limits: RateLimits
                                                      ) -> None:
    budgets = limits.budgets(("challenge", "client-a"), ("challenge_site", "site-1"))
    assert len(budgets.rules) == 3
    for _ in range(2):
        store.note_request("client-a", budgets=budgets)
    with pytest.raises(OverBudget) as refused:
        store.note_request("client-a", budgets=budgets)
    scope, identity, item = refused.value.rule
    assert (scope, identity, item.amount) == ("challenge", "client-a", 2)
    # The refused request did not run and spent no rule, the site's included.
    assert _requests_counted(store, "client-a") == 2
    limiter = limits._get_limiter()
    site_rule = limits.rules["challenge_site"][0]
    assert limiter.get_window_stats(site_rule, "challenge_site", "site-1").remaining == 1
    # Another client still has room, and spends the site's last unit.
    store.note_request("client-b", budgets=limits.budgets(("challenge", "client-b"),
                                                          ("challenge_site", "site-1")))
    with pytest.raises(OverBudget) as site_refused:
        store.note_request("client-c", budgets=limits.budgets(("challenge", "client-c"),
                                                              ("challenge_site", "site-1")))
    assert site_refused.value.rule[0] == "challenge_site"
    assert _requests_counted(store, "client-c") == 0


def test_budgets_spent_alone_refuse_like_the_guarded_scripts(store: Store, limits: RateLimits
                                                             ) -> None:
    budgets = limits.budgets(("challenge", "client-d"))
    store.spend_budgets(budgets)
    store.spend_budgets(budgets)
    with pytest.raises(OverBudget):
        store.spend_budgets(budgets)
    with counting_round_trips() as trips:
        store.spend_budgets(Budgets())
    assert trips.count == 0  # nothing to spend: nothing asked of Redis


def test_a_comment_linking_thousands_of_domains_goes_through_the_guarded_script(
        store: Store, limits: RateLimits) -> None:
    domains = [f"d{i}.example" for i in range(5000)]
    store.add_known_domains("site-1", domains[::7])
    budgets = limits.budgets(("challenge_site", "site-1"))
    state = store.comment_state("site-1", domains, "2026-11", budgets=budgets)
    assert state.known_domains == set(domains[::7])
    assert store.usage("site-1", "2026-11") == 1


def test_a_budget_is_built_once_per_scope_and_identity_and_never_shared(limits: RateLimits
                                                                        ) -> None:
    first = limits.budgets(("challenge", "client-a"), ("challenge_site", "site-1"))
    built = limits._budget.cache_info().misses
    assert limits.budgets(("challenge", "client-a"), ("challenge_site", "site-1")) == first
    assert limits._budget.cache_info().misses == built  # the same keys, not built again
    # Another client's rules are its own; the site's are the same site's.
    other = limits.budgets(("challenge", "client-b"), ("challenge_site", "site-1"))
    assert set(other.keys[:4]).isdisjoint(first.keys) and other.keys[4:] == first.keys[4:]
    assert [rule[1] for rule in other.rules] == ["client-b", "client-b", "site-1"]
    # In the order asked for, whatever was asked before.
    swapped = limits.budgets(("challenge_site", "site-1"), ("challenge", "client-a"))
    assert swapped.keys == first.keys[4:] + first.keys[:4]
    assert swapped.args == first.args[4:] + first.args[:4]
    assert swapped.rules == first.rules[2:] + first.rules[:2]


# Window states (milliseconds left as a PX, None for no such key, -1 for a key without a
# TTL), for a rule of 5 in 10 seconds: each spent by the budgets' script and by the
# library's own, from the same start.
WINDOWS: dict[str, tuple[tuple[int, int] | None, tuple[int, int] | None]] = {
    "nothing yet": (None, None),
    "a current window": (None, (3, 15_000)),
    "both windows, room left": ((4, 5_000), (2, 15_000)),
    "both windows, weighted full": ((9, 9_000), (1, 15_000)),
    "a current window that has ended": ((7, 2_000), (1, 8_000)),
    "a previous window of nothing": ((0, 5_000), (4, 15_000)),
    "the current window full": (None, (5, 15_000)),
    "a current window without a TTL": (None, (2, -1)),
}


@pytest.mark.parametrize("name", WINDOWS)
def test_the_script_spends_a_rule_exactly_as_the_library_does(
    store: Store, limits: RateLimits, name: str
) -> None:
    previous, current = WINDOWS[name]
    storage = limits._get_limiter().storage
    assert isinstance(storage, RedisStorage)
    item = type(limits.rules["challenge_site"][0])(5, 10)  # 5 per 10 seconds
    expiry = item.get_expiry()
    found: dict[str, tuple[object, ...]] = {}
    times: dict[str, tuple[int, int]] = {}
    for who in ("script", "library"):
        key = item.key_for("challenge_site", who)
        now = storage.prefixed_key(f"{{{key}}}")
        before = f"{now}/-1"
        for window_key, window in ((before, previous), (now, current)):
            if window is not None:
                count, left = window
                if left < 0:
                    store.client.set(window_key, count)
                else:
                    store.client.set(window_key, count, px=left)
        if who == "script":
            budgets = Budgets((before, now), (5, expiry), (("challenge_site", who, item),))
            try:
                store.spend_budgets(budgets)
                allowed = True
            except OverBudget:
                allowed = False
        else:
            allowed = storage.acquire_sliding_window_entry(key, 5, expiry)
        found[who] = (allowed, store.client.get(before), store.client.get(now))
        times[who] = (store.client.pttl(before), store.client.pttl(now))
    assert found["script"] == found["library"]
    # Times left: the same state (-2 no key, -1 no TTL), else within the moments between.
    for ours, theirs in zip(times["script"], times["library"], strict=True):
        assert ours == theirs if min(ours, theirs) < 0 else abs(ours - theirs) < 500


def test_a_rule_named_twice_counts_twice(store: Store) -> None:
    budgets = Budgets(("t:p/-1", "t:p", "t:p/-1", "t:p"), (5, 10, 5, 10),
                      (("challenge", "c", None), ("challenge", "c", None)))
    store.spend_budgets(budgets)
    store.spend_budgets(budgets)
    assert store.client.get("t:p") == "4"
