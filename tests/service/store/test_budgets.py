"""Budgets spent by an operation's own script, on a real Redis: all or none, then the work."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

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
