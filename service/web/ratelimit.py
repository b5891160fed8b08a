"""Rate limits shared by every worker and replica, on Redis, with the ``limits`` library.

Budgets: per client identity (a pseudonym of its network, never an address) and per
site for challenge and solve, per site secret for siteverify, comment-check and the
Akismet API. A site's budget is its own: a flood against one site spends no other's.
When Redis cannot be reached the limiter follows its outage policy
(``HEDGEROW_RATELIMIT_ON_ERROR``): ``allow`` (the default) lets the request through
with a warning and a metric, because the captcha itself still fails closed; ``deny``
answers 503.
"""

from __future__ import annotations

import functools
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from flask import Flask, Response
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import RedisStorage, storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter
from redis.exceptions import RedisError

from service.sites.registry import hash_secret
from service.store.budgets import (
    NO_BUDGETS,
    Budgets,
    OverBudget,
    Window,
    budgets_script,
    refused_rule,
)
from service.web.errors import ApiError, Unavailable, render

log = logging.getLogger(__name__)

SCOPES = ("challenge", "solve", "challenge_site", "solve_site", "siteverify", "comment_check")
# Scopes whose budget all of a site's visitors share; their 429 says so.
_SITE_SCOPES = frozenset({"challenge_site", "solve_site"})
_STORAGE_OPTIONS = {"socket_timeout": 1.0, "socket_connect_timeout": 1.0}
# The budgets each worker keeps built, by scope and identity (about 1 KiB each).
BUDGETS_KEPT = 4096


def init_app(app: Flask, limits: RateLimits) -> None:
    """Answer a budget an operation's script found spent (:class:`OverBudget`) with the
    429 a refused :meth:`RateLimits.check` gives."""

    @app.errorhandler(OverBudget)
    def _over_budget(error: OverBudget) -> Response:
        return render(limits.refusal(error.rule, error.window))


class TooManyRequests(ApiError):
    """A budget is spent; the headers say when to come back."""

    status = 429
    code = "rate-limited"


def storage_uri(redis_url: str) -> str:
    """The ``limits`` storage URI for one of our Redis URLs."""
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url.removeprefix("unix://")
    return redis_url


def secret_identity(secret: str, digest: str = "") -> str:
    """A rate-limit identity for a secret that does not put the secret in a key: the start
    of its stored hash (``digest``, :func:`hash_secret` of it when the caller has made it
    already)."""
    return (digest or hash_secret(secret))[:24]


@dataclass
class FailOpenCounter:
    """Requests let through because Redis was down (this process only)."""

    value: int = 0
    on_add: Callable[[], None] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self) -> None:
        """Count one."""
        with self._lock:
            self.value += 1
        if self.on_add is not None:
            self.on_add()


class RateLimits:
    """Checks and spends the budgets of each scope."""

    def __init__(
        self,
        redis_url: str,
        rules: dict[str, str],
        *,
        enabled: bool = True,
        on_error: str = "allow",
        prefix: str = "hedgerow",
    ) -> None:
        self.enabled = enabled
        self.on_error = on_error
        self.rules: dict[str, list[RateLimitItem]] = {}
        for scope in SCOPES:
            try:
                self.rules[scope] = parse_many(rules[scope]) if rules.get(scope) else []
            except ValueError:
                raise ValueError(
                    f"HEDGEROW_RATELIMIT_{scope.upper()}={rules[scope]!r} is not in the "
                    "limits notation, e.g. '30/minute;500/hour'"
                ) from None
        self.fail_open = FailOpenCounter()
        # Told the scope of each refused request (for metrics).
        self.on_reject: Callable[[str], None] | None = None
        self._limiter: SlidingWindowCounterRateLimiter | None = None
        self._windows: Any = None  # the script that spends a budget's rules at once
        self._redis_url = redis_url
        self._prefix = prefix
        # A budget's keys are the same for every request of one identity in one scope, and
        # the library takes a few microseconds a rule to build them.
        self._budget = functools.lru_cache(maxsize=BUDGETS_KEPT)(self._make_budget)

    def _get_limiter(self) -> SlidingWindowCounterRateLimiter:
        # Built on first use so that creating the app does no I/O.
        if self._limiter is None:
            storage = storage_from_string(
                storage_uri(self._redis_url),
                key_prefix=f"{self._prefix}:ratelimit",
                **_STORAGE_OPTIONS,
            )
            self._limiter = SlidingWindowCounterRateLimiter(storage)
        return self._limiter

    def close(self) -> None:
        """Close the limiter's Redis connections."""
        if self._limiter is not None:
            storage = self._limiter.storage
            connection = getattr(storage, "storage", None)
            if connection is not None:
                connection.close()
            self._limiter = None
            self._windows = None

    def check(self, scope: str, identity: str) -> None:
        """Spend one unit of ``identity``'s budget in ``scope``; raise when it is spent."""
        if not self.enabled or not self.rules.get(scope):
            return
        try:
            limiter = self._get_limiter()
            items = self.rules[scope]
            refused, window = self._hit_all(limiter, items, scope, identity)
            if refused is not None:
                raise self.refusal((scope, identity, refused), window)
        except (RedisError, StorageError, ConnectionError, OSError) as error:
            self._storage_failed(error)

    def budgets(self, *spends: tuple[str, str]) -> Budgets:
        """The budgets of ``(scope, identity)`` pairs, for an operation's script to spend
        in its own round trip (:mod:`service.store.budgets`).

        Where a script cannot spend them (a cluster), they are spent here and now, as
        :meth:`check` does, and what is returned holds only the others (none).
        """
        if not self.enabled:
            return NO_BUDGETS
        keys: tuple[str, ...] = ()
        args: tuple[int, ...] = ()
        rules: tuple[tuple[str, str, RateLimitItem], ...] = ()
        storage = None
        for scope, identity in spends:
            if not self.rules.get(scope):
                continue
            if storage is None:  # the limiter once per call, made on first need
                storage = self._get_limiter().storage
            if type(storage) is not RedisStorage:
                self.check(scope, identity)
                continue
            part = self._budget(scope, identity)
            keys += part.keys
            args += part.args
            rules += part.rules
        return Budgets(keys, args, rules) if rules else NO_BUDGETS

    def _make_budget(self, scope: str, identity: str) -> Budgets:
        """The keys, arguments and rules of ``identity``'s budget in ``scope`` (on a
        single Redis: :meth:`budgets` asks only there)."""
        storage = cast(RedisStorage, self._get_limiter().storage)
        keys: list[str] = []
        args: list[int] = []
        for item in self.rules[scope]:
            # The library's own keys for the item's two windows, so that its window
            # statistics (for Retry-After) read what the script wrote.
            current = storage.prefixed_key(f"{{{item.key_for(scope, identity)}}}")
            keys += [f"{current}/-1", current]
            args += [item.amount, item.get_expiry()]
        return Budgets(tuple(keys), tuple(args),
                       tuple((scope, identity, item) for item in self.rules[scope]))

    def refusal(self, rule: tuple[str, str, RateLimitItem], window: Window | None = None
                ) -> TooManyRequests:
        """The 429 for a refused rule ``(scope, identity, item)``, saying when to retry:
        from ``window``, the rule's windows as the refusing script saw them, else read
        from Redis."""
        scope, identity, item = rule
        if window is not None:
            reset_at = reset_time(item, window)
        else:
            try:
                reset_at, _ = self._get_limiter().get_window_stats(item, scope, identity)
            except (RedisError, StorageError, ConnectionError, OSError):
                reset_at = time.time() + item.get_expiry()
        if self.on_reject is not None:
            self.on_reject(scope)
        return self._too_many(item, reset_at, scope in _SITE_SCOPES)

    def _hit_all(self, limiter: SlidingWindowCounterRateLimiter, items: list[RateLimitItem],
                 scope: str, identity: str) -> tuple[RateLimitItem | None, Window | None]:
        """Spend one unit of each rule of a budget; the first rule without room, if any
        (and its windows, when the script read them).

        A budget of several rules (``30/minute;500/hour``) is one round trip on a single
        Redis, all or nothing; elsewhere (a cluster, whose slots a script cannot span) and
        for a lone rule, the library's own call per rule.
        """
        storage = limiter.storage
        if len(items) > 1 and type(storage) is RedisStorage:
            if self._windows is None:
                self._windows = storage.get_connection().register_script(budgets_script().encode())
            budgets = self.budgets((scope, identity))
            refused, window = refused_rule(self._windows(keys=budgets.script_keys(),
                                                         args=budgets.script_args()))
            return (items[refused - 1], window) if refused else (None, None)
        for item in items:
            if not limiter.hit(item, scope, identity):
                return item, None
        return None, None

    def _storage_failed(self, error: Exception) -> None:
        if self.on_error == "deny":
            raise Unavailable(
                "Rate limiting is unavailable; try again shortly.", headers={"Retry-After": "5"}
            ) from None
        self.fail_open.add()
        log.warning("rate limit storage unavailable, allowing request: %s",
                    error.__class__.__name__)

    @staticmethod
    def _too_many(item: RateLimitItem, reset_at: float, site_wide: bool) -> TooManyRequests:
        retry_after = max(1, math.ceil(reset_at - time.time()))
        whose = " for this site, from all its visitors together" if site_wide else ""
        return TooManyRequests(
            f"Too many requests{whose}: at most {item.amount} per {item.get_expiry()} s. "
            f"Try again in {retry_after} s.",
            headers={
                "Retry-After": str(retry_after),
                "RateLimit-Limit": str(item.amount),
                "RateLimit-Remaining": "0",
                "RateLimit-Reset": str(retry_after),
                "RateLimit-Policy": f"{item.amount};w={item.get_expiry()}",
            },
        )


def reset_time(item: RateLimitItem, window: Window) -> float:
    """When ``item``'s budget has room again, from its windows: what the ``limits``
    library's ``get_window_stats`` works out from the same four numbers."""
    previous, previous_left, current, current_left = window
    now = time.time()
    if not (previous or current):
        return now
    expiry = item.get_expiry()
    previous_reset = previous_left % (expiry / previous) if previous else math.inf
    current_reset = current_left % expiry if current else math.inf
    return now + min(previous_reset, current_reset)
