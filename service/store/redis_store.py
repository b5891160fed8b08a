"""The one owner of Redis keys and scripts.

Every other module asks the :class:`Store` for what it needs (``consume_once``,
``save_site``) and never builds a key itself. Keys are prefixed, and keys that take
part in one multi-key operation share a hash tag (``{sites}``) so that they stay on one
slot of a Redis Cluster.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, cast

import redis
from redis.cluster import ClusterNode, RedisCluster
from redis.commands.core import Script

from service.store.budgets import (
    NO_BUDGETS,
    Budgets,
    budgets_script,
    check_room,
    guarded_script,
    outcome,
)
from service.store.lane import Lane

RedisClient = redis.Redis | RedisCluster
# How long a month's usage counts are kept: the month and the one after it.
_USAGE_TTL = 62 * 86400
# redis-py annotates its commands as sync-or-async unions, which a sync caller cannot
# use without a cast at every call; the store talks to its client through Any instead.
AnyClient = Any

_TIMEOUTS: dict[str, Any] = {
    "socket_timeout": 2.0,
    "socket_connect_timeout": 2.0,
    "health_check_interval": 15,
}


def connect(url: str) -> RedisClient:
    """Open a client for ``redis://``, ``rediss://``, ``unix://`` or ``redis+cluster://``.

    Connections are made lazily, on first use, so this never blocks on an unreachable
    server.
    """
    if url.startswith("redis+cluster://"):
        hosts = url.removeprefix("redis+cluster://").split("/", 1)[0]
        nodes = []
        for part in hosts.split(","):
            host, _, port = part.rpartition(":")
            nodes.append(ClusterNode(host or "localhost", int(port or 6379)))
        return RedisCluster(startup_nodes=nodes, decode_responses=True, **_TIMEOUTS)
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(
            "HEDGEROW_REDIS_URL must start with redis://, rediss://, unix:// or redis+cluster://"
        )
    return redis.Redis.from_url(url, decode_responses=True, **_TIMEOUTS)


def _script(name: str) -> str:
    return resources.files("service.store").joinpath("lua", name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class ConsumeResult:
    """Outcome of spending a single-use token."""

    first_use: bool
    idempotency_key: str = ""


@dataclass(frozen=True)
class ResponseSpent:
    """Outcome of spending a response token (:meth:`Store.spend_response`)."""

    first_use: bool
    idempotency_key: str = ""
    verified_taken: bool = False
    secret_current: bool = True  # False: nothing was spent, the secret is not the site's


@dataclass(frozen=True)
class CommentState:
    """What a comment check reads of its site, in one round trip.

    ``adaptation_state`` is None when the site has no layer, and also when its layer's
    revision and ``adaptation_sum`` are those the caller said it holds
    (``adaptation_held``).
    """

    known_domains: set[str]
    adaptation_rev: int
    adaptation_state: str | None
    secret_current: bool = True
    adaptation_sum: str | None = None
    adaptation_held: bool = False

    @property
    def layer_version(self) -> str:
        """The layer read, as ``"rev:sum"`` ('' when it has no sum): what a caller that
        holds it sends as ``held_layer``."""
        if not self.adaptation_rev or not self.adaptation_sum:
            return ""
        return f"{self.adaptation_rev}:{self.adaptation_sum}"


@dataclass(frozen=True)
class ClientActivity:
    """What a client's identity did recently, for the proof-of-work difficulty."""

    failures: int
    requests: int
    solves: float


@dataclass(frozen=True)
class FeedbackAdded:
    """Outcome of storing feedback under a site's daily quota."""

    entry_id: str | None
    over_quota: str = ""  # "entries" or "bytes" when refused


class Store:
    """Redis-backed state: nonces, sites, counters."""

    def __init__(self, client: RedisClient, prefix: str = "hedgerow") -> None:
        self.client: AnyClient = cast(Any, client)
        self.prefix = prefix
        register = self.client.register_script
        self._consume = register(_script("consume_once.lua"))
        self._feedback_add = register(_script("feedback_add.lua"))
        self._spend_response = register(_script("spend_response.lua"))
        self._spend_challenge = register(_script("spend_challenge.lua"))
        self._note_request = register(_script("note_request.lua"))
        self._comment_state = register(_script("comment_state.lua"))
        self._budgets = register(budgets_script())
        # The hot operations again, after the request's rate-limit budgets (one round trip
        # for both); keyed by the operation's own script.
        self._guarded: dict[Script, Script] = {
            script: register(guarded_script(_script(name)))
            for script, name in ((self._note_request, "note_request.lua"),
                                 (self._spend_challenge, "spend_challenge.lua"),
                                 (self._spend_response, "spend_response.lua"),
                                 (self._comment_state, "comment_state.lua"))
        }
        # A cluster refuses a script whose keys are on different slots.
        self._cluster = isinstance(client, RedisCluster)
        # The calls every request makes go on each thread's own connection (a cluster
        # routes each by its keys, so it keeps the client's way).
        self._lane = None if self._cluster else Lane(self.client.connection_pool)

    def close(self) -> None:
        """Close the store's connections to Redis."""
        if self._lane is not None:
            self._lane.close()
        self.client.close()

    def _run(self, script: Script, keys: list[str], args: list[Any],
             budgets: Budgets = NO_BUDGETS) -> Any:
        """One of the store's scripts, in one round trip; with ``budgets``, only when they
        have room (else :class:`OverBudget`, and nothing is done)."""
        if budgets:
            if self._cluster:  # RateLimits.budgets spends them itself there, giving none
                raise ValueError("budgets cannot go with an operation on a cluster")
            script = self._guarded[script]
            keys = [*budgets.script_keys(), *keys]
            args = [*budgets.script_args(), *args]
            return outcome(self._run(script, keys, args), budgets)
        if self._lane is None:
            return script(keys=keys, args=args)
        return self._lane.script(script, keys, args)

    def spend_budgets(self, budgets: Budgets) -> None:
        """Spend ``budgets`` alone (for a request that ends before its operation);
        raises :class:`OverBudget` when a rule has no room."""
        if budgets:
            check_room(budgets, self._run(self._budgets, budgets.script_keys(),
                                          budgets.script_args()))

    # -- keys ------------------------------------------------------------------------
    def _key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    def _sites_key(self, *parts: str) -> str:
        return self._key("{sites}", *parts)

    # -- health ----------------------------------------------------------------------
    def ping(self) -> bool:
        """True when Redis answers."""
        return bool(self.client.ping())

    # -- single-use tokens -----------------------------------------------------------
    def consume_once(
        self, purpose: str, nonce: str, ttl_seconds: float, idempotency_key: str = ""
    ) -> ConsumeResult:
        """Atomically mark ``nonce`` spent; only the first caller gets ``first_use``.

        The mark outlives the token (``ttl_seconds``), so a replay inside the token's
        lifetime always finds it.
        """
        ttl_ms = max(1000, int(ttl_seconds * 1000))
        first, stored = self._run(
            self._consume,
            keys=[self._key("used", purpose, nonce)], args=[idempotency_key, ttl_ms]
        )
        return ConsumeResult(bool(int(first)), "" if stored in ("", "-") else str(stored))

    # -- client activity (for the proof-of-work difficulty) ----------------------------
    def _client_key(self, client: str, *parts: str) -> str:
        # One hash tag per client: its counters stay on one slot of a cluster.
        return self._key(f"{{client:{client}}}", *parts)

    def note_request(
        self, client: str, window: int = 60, solves_window: int = 3600, now: float | None = None,
        budgets: Budgets = NO_BUDGETS,
    ) -> ClientActivity:
        """Count a challenge for ``client`` and read its recent history, in one round trip.

        ``client`` is an identity (a pseudonym), never an address. ``budgets`` are spent
        in the same round trip first (:meth:`_run`).
        """
        now = time.time() if now is None else now
        bucket, into = divmod(now, solves_window)
        # One script rather than a pipeline of five: one reply for the client to parse.
        count, failures, current, previous = self._run(
            self._note_request,
            keys=[self._client_key(client, "requests"), self._client_key(client, "failures"),
                  self._client_key(client, "solves", str(int(bucket))),
                  self._client_key(client, "solves", str(int(bucket) - 1))],
            args=[window], budgets=budgets,
        )
        # A sliding window from two fixed ones: the previous window counts for the part
        # of it that still lies within the last ``solves_window`` seconds.
        solves = int(current or 0) + int(previous or 0) * (1 - into / solves_window)
        return ClientActivity(int(failures or 0), int(count), solves)

    def note_solve(
        self,
        client: str,
        succeeded: bool,
        failure_window: int = 600,
        solves_window: int = 3600,
        now: float | None = None,
    ) -> None:
        """Count a solve of ``client`` (and the service-wide metric), in one round trip.

        Failures are remembered ``failure_window`` seconds after the latest one;
        successes count for ``solves_window`` seconds.
        """
        key, ttl, field = self._solve_counter(client, succeeded, failure_window, solves_window,
                                              now)
        pipe = self.client.pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, ttl)
        pipe.hincrby(self._key("{metrics}", "counters"), field, 1)
        pipe.execute()

    def _solve_counter(self, client: str, succeeded: bool, failure_window: int,
                       solves_window: int, now: float | None) -> tuple[str, int, str]:
        """The client's counter a solve adds to, its TTL and the service-wide field."""
        if succeeded:
            now = time.time() if now is None else now
            key = self._client_key(client, "solves", str(int(now // solves_window)))
            return key, 2 * solves_window, "solve_succeeded"
        return self._client_key(client, "failures"), failure_window, "solve_failed"

    def spend_challenge(
        self,
        nonce: str,
        ttl_seconds: float,
        client: str,
        succeeded: bool,
        failure_window: int = 600,
        solves_window: int = 3600,
        now: float | None = None,
        budgets: Budgets = NO_BUDGETS,
    ) -> bool:
        """Mark a challenge spent and, the first time only, count its solve (as
        :meth:`note_solve`); True when this was the first use. ``budgets`` are spent in
        the same round trip first (:meth:`_run`).

        One round trip on a single Redis; on a cluster, whose slots a script cannot
        span, the mark and then the count.
        """
        ttl_ms = max(1000, int(ttl_seconds * 1000))
        if self._cluster:
            if not self.consume_once("challenge", nonce, ttl_seconds).first_use:
                return False
            self.note_solve(client, succeeded, failure_window, solves_window, now)
            return True
        key, ttl, field = self._solve_counter(client, succeeded, failure_window, solves_window,
                                              now)
        first = self._run(
            self._spend_challenge,
            keys=[self._key("used", "challenge", nonce), key,
                  self._key("{metrics}", "counters")],
            args=[ttl_ms, ttl, field], budgets=budgets,
        )
        return bool(int(first))

    # -- sites -----------------------------------------------------------------------
    def save_site(self, sitekey: str, record: dict[str, Any], secret_hash: str) -> None:
        """Create or replace a site and index its secret hash, in one transaction."""
        pipe = self.client.pipeline(transaction=True)
        pipe.set(self._sites_key("site", sitekey), json.dumps(record, sort_keys=True))
        pipe.set(self._sites_key("secret", secret_hash), sitekey)
        pipe.sadd(self._sites_key("all"), sitekey)
        pipe.execute()

    def update_site(self, sitekey: str, record: dict[str, Any]) -> None:
        """Replace a site's stored record (its secret index is unchanged)."""
        self.client.set(self._sites_key("site", sitekey), json.dumps(record, sort_keys=True))

    def get_site(self, sitekey: str) -> dict[str, Any] | None:
        """The stored record of a site, or None."""
        raw = self.client.get(self._sites_key("site", sitekey))
        return json.loads(raw) if raw else None

    def sitekey_for_secret(self, secret_hash: str) -> str | None:
        """Which site a secret (given as its hash) belongs to, or None."""
        value = self.client.get(self._sites_key("secret", secret_hash))
        return str(value) if value else None

    def list_sitekeys(self) -> list[str]:
        """Every registered sitekey, sorted."""
        return sorted(self.client.smembers(self._sites_key("all")))

    def replace_secret(
        self, sitekey: str, record: dict[str, Any], new_hash: str, old_hash: str, grace: int
    ) -> None:
        """Store a rotated secret; the old one stays valid for ``grace`` seconds (0: none)."""
        pipe = self.client.pipeline(transaction=True)
        pipe.set(self._sites_key("site", sitekey), json.dumps(record, sort_keys=True))
        pipe.set(self._sites_key("secret", new_hash), sitekey)
        if grace > 0:
            pipe.expire(self._sites_key("secret", old_hash), grace)
        else:
            pipe.delete(self._sites_key("secret", old_hash))
        pipe.execute()

    def delete_site(self, sitekey: str, secret_hashes: list[str]) -> bool:
        """Remove a site and its secrets; False when it did not exist."""
        pipe = self.client.pipeline(transaction=True)
        pipe.delete(self._sites_key("site", sitekey))
        pipe.srem(self._sites_key("all"), sitekey)
        for secret_hash in secret_hashes:
            pipe.delete(self._sites_key("secret", secret_hash))
        deleted, *_ = pipe.execute()
        return bool(deleted)

    # -- feedback --------------------------------------------------------------------
    def add_feedback(
        self,
        entry: dict[str, str],
        retention_seconds: int,
        *,
        site: str = "",
        day: str = "",
        max_entries: int = 0,
        max_bytes: int = 0,
        quota_seconds: int = 86400,
    ) -> FeedbackAdded:
        """Append a labelled comment, unless it would break ``site``'s quota for ``day``.

        The quota (``max_entries`` entries and ``max_bytes`` bytes of field names and
        values; 0 is no limit) is checked and spent in the same script as the append, so
        concurrent submissions cannot overshoot it. Its counters live ``quota_seconds``.
        Entries older than the retention are dropped.
        """
        flat = [part for pair in entry.items() for part in pair]
        quota_key = self._key("{feedback}", "quota", day or "-", site or "-")
        added, value = self._run(
            self._feedback_add,
            keys=[self._key("{feedback}", "log"), quota_key],
            args=[retention_seconds * 1000, max_entries, max_bytes, max(1, quota_seconds),
                  *flat],
        )
        if int(added):
            return FeedbackAdded(str(value))
        return FeedbackAdded(None, str(value))

    def iter_feedback(self, batch: int = 500) -> Iterator[tuple[str, dict[str, str]]]:
        """Every stored feedback entry, oldest first."""
        key = self._key("{feedback}", "log")
        start = "-"
        while True:
            rows = self.client.xrange(key, min=start, max="+", count=batch)
            if not rows:
                return
            yield from rows
            start = "(" + rows[-1][0]

    def feedback_count(self) -> int:
        """How many feedback entries are stored."""
        return int(self.client.xlen(self._key("{feedback}", "log")))

    # -- what accepted comments look like, per site -----------------------------------
    def add_known_domains(self, sitekey: str, domains: Iterable[str]) -> None:
        """Remember link domains seen in accepted comments of a site."""
        values = list(domains)
        if values:
            self.client.sadd(self._key(f"{{site:{sitekey}}}", "domains"), *values)

    def comment_state(self, sitekey: str, domains: Sequence[str], month: str,
                      secret_hash: str = "", budgets: Budgets = NO_BUDGETS,
                      held_layer: str = "") -> CommentState:
        """For a comment check, in one round trip: which of ``domains`` the site's accepted
        comments had (:meth:`add_known_domains`), its adaptation layer
        (:meth:`adaptation_state`), and one more check counted in ``month`` (read back by
        :meth:`usage`); ``budgets`` first, in the same round trip (:meth:`_run`).

        With ``secret_hash`` (the caller's secret, which named ``sitekey`` through the
        worker's caches), whether that secret's index entry still names ``sitekey``
        (:meth:`sitekey_for_secret`): when it does not (a secret rotated out or removed a
        moment ago), nothing is counted and ``secret_current`` is False. ``held_layer`` is
        the layer the caller holds (:attr:`CommentState.layer_version`): a layer
        stored with that revision and sum is not sent again (``adaptation_held``).
        """
        values = list(domains)
        usage = self._key("{usage}", month)
        domains_key = self._key(f"{{site:{sitekey}}}", "domains")
        if self._cluster:
            return self._cluster_comment_state(sitekey, values, usage, domains_key, secret_hash)
        keys = [domains_key, self._adaptation_key(sitekey), usage]
        if secret_hash:
            keys.append(self._sites_key("secret", secret_hash))
        reply = self._run(self._comment_state, keys,
                          [sitekey, _USAGE_TTL, held_layer, *values], budgets=budgets)
        if not int(reply[0]):
            return CommentState(set(), 0, None, secret_current=False)
        _, found, rev, state, stored_sum = reply
        read = CommentState({d for d, hit in zip(values, found, strict=True) if hit},
                            int(rev or 0), str(state) if state else None,
                            adaptation_sum=str(stored_sum) if stored_sum else None)
        if held_layer and read.adaptation_state is None and read.layer_version == held_layer:
            return dataclasses.replace(read, adaptation_held=True)
        return read

    def _cluster_comment_state(self, sitekey: str, values: list[str], usage: str,
                               domains_key: str, secret_hash: str) -> CommentState:
        """:meth:`comment_state` on a cluster: a pipeline, whose commands each go to their
        key's node; a count made for a secret no longer current is taken back."""
        pipe = self.client.pipeline(transaction=False)
        if secret_hash:
            pipe.get(self._sites_key("secret", secret_hash))
        if values:
            pipe.smismember(domains_key, values)
        pipe.hmget(self._adaptation_key(sitekey), ["rev", "state", "sum"])
        pipe.hincrby(usage, sitekey, 1)
        pipe.expire(usage, _USAGE_TTL)
        replies = pipe.execute()
        current = replies.pop(0) == sitekey if secret_hash else True
        if not current:
            self.client.hincrby(usage, sitekey, -1)
        found = replies.pop(0) if values else []
        rev, state, stored_sum = replies[0]
        return CommentState({d for d, hit in zip(values, found, strict=True) if hit},
                            int(rev or 0), str(state) if state else None, current,
                            adaptation_sum=str(stored_sum) if stored_sum else None)

    # -- usage ------------------------------------------------------------------------
    def usage(self, sitekey: str, month: str) -> int:
        """Comment checks of the site in ``month``."""
        return int(self.client.hget(self._key("{usage}", month), sitekey) or 0)

    # -- the active spam model ---------------------------------------------------------
    def active_model(self) -> str | None:
        """The version every worker should score with (None: the shipped default).

        As stored: callers check the name before using it.
        """
        value = self.client.get(self._key("{models}", "active"))
        return str(value) if value else None

    def set_active_model(self, version: str, default: str = "default") -> None:
        """Switch every worker to ``version``; the previous one is kept for rollback."""
        active, history = self._key("{models}", "active"), self._key("{models}", "history")
        previous = self.client.get(active) or default
        now = self.server_time()
        pipe = self.client.pipeline(transaction=True)
        pipe.set(active, version)
        pipe.set(self._key("{models}", "active-since"), repr(now))
        if previous != version:
            pipe.lpush(history, previous)
            pipe.ltrim(history, 0, 49)
        pipe.execute()

    def rollback_model(self) -> str | None:
        """Go back to the previously active version; returns it (None: nothing to undo)."""
        active, history = self._key("{models}", "active"), self._key("{models}", "history")
        previous = self.client.lpop(history)
        if previous:
            now = self.server_time()
            pipe = self.client.pipeline(transaction=True)
            pipe.set(active, previous)
            pipe.set(self._key("{models}", "active-since"), repr(now))
            pipe.execute()
        return str(previous) if previous else None

    def model_history(self) -> list[str]:
        """Versions active before the current one, most recent first."""
        return [str(v) for v in self.client.lrange(self._key("{models}", "history"), 0, -1)]

    def put_artifact(self, version: str, files: dict[str, bytes]) -> None:
        """Keep a model version's files in Redis, for replicas on other machines.

        Replaces any earlier copy of the version and records when it was published.
        """
        encoded = {name: base64.b64encode(data).decode() for name, data in files.items()}
        key = self._key("{models}", "artifact", version)
        now = self.server_time()
        pipe = self.client.pipeline(transaction=True)
        pipe.delete(key)
        pipe.hset(key, mapping=encoded)
        pipe.zadd(self._key("{models}", "published"), {version: now})
        pipe.execute()

    def get_artifact(self, version: str) -> dict[str, bytes] | None:
        """A model version's files as stored by :meth:`put_artifact`, or None.

        Raises ``ValueError`` when a stored file is not base64.
        """
        encoded = self.client.hgetall(self._key("{models}", "artifact", version))
        if not encoded:
            return None
        return {name: base64.b64decode(data, validate=True) for name, data in encoded.items()}

    # -- metrics ---------------------------------------------------------------------
    def count(self, name: str, amount: int = 1) -> None:
        """Add to a service-wide counter shared by every worker."""
        self.client.hincrby(self._key("{metrics}", "counters"), name, amount)

    def counters(self) -> dict[str, int]:
        """Every service-wide counter."""
        raw = self.client.hgetall(self._key("{metrics}", "counters"))
        return {name: int(value) for name, value in raw.items()}

    # -- per-site adaptation layers ------------------------------------------------------
    def _adaptation_key(self, sitekey: str) -> str:
        return self._key(f"{{site:{sitekey}}}", "adaptation")

    def adaptation_state(self, sitekey: str) -> tuple[int, str | None]:
        """A site's adaptation layer as stored (None: none) and its revision."""
        rev, state = self.client.hmget(self._adaptation_key(sitekey), ["rev", "state"])
        return int(rev or 0), (str(state) if state else None)

    def replace_adaptation_state(self, sitekey: str, expected_rev: int | None, state: str
                                 ) -> int | None:
        """Store a site's new layer if its revision is still ``expected_rev``.

        ``expected_rev`` None replaces whatever is there; an empty ``state`` removes the
        layer. Returns the new revision, or None when another writer came first.
        """
        script = getattr(self, "_adaptation_replace", None)
        if script is None:
            script = self._adaptation_replace = self.client.register_script(
                _script("adaptation_replace.lua"))
        rev = int(script(keys=[self._adaptation_key(sitekey)],
                         args=["*" if expected_rev is None else expected_rev, state]))
        return None if rev < 0 else rev

    def scratch(self, name: str) -> Store:
        """A store on the same connection under a throwaway prefix (see :meth:`clear`)."""
        return Store(self.client, prefix=f"{self.prefix}:scratch:{name}")

    def clear(self, batch: int = 500) -> int:
        """Delete every key of a :meth:`scratch` store; returns how many.

        Refused (``ValueError``) for any other store, whose keys are the service's state.
        """
        if ":scratch:" not in self.prefix:
            raise ValueError("only a scratch store can be cleared")
        pattern = "".join("\\" + c if c in "*?[]\\" else c for c in self.prefix) + ":*"
        deleted = 0
        pipe = self.client.pipeline(transaction=False)
        for key in self.client.scan_iter(match=pattern, count=batch):
            pipe.unlink(key)
            deleted += 1
            if deleted % batch == 0:
                pipe.execute()
        pipe.execute()
        return deleted
    # -- the spam model: published copies and what each worker runs ---------------------
    def server_time(self) -> float:
        """Redis's clock, in seconds: one clock for every machine that compares times."""
        seconds, micros = self.client.time()
        return int(seconds) + int(micros) / 1e6

    def active_model_since(self) -> float | None:
        """When the active version was last set (Redis time), or None if never."""
        value = self.client.get(self._key("{models}", "active-since"))
        try:
            return float(value) if value else None
        except ValueError:
            return None

    def published_models(self) -> list[tuple[str, float]]:
        """Versions with a copy in Redis and when each was published, newest first."""
        rows = self.client.zrevrange(self._key("{models}", "published"), 0, -1, withscores=True)
        return [(str(version), float(at)) for version, at in rows]

    def delete_artifact(self, version: str) -> bool:
        """Drop a version's copy in Redis and its place in the rollback history.

        Returns whether a copy was there.
        """
        pipe = self.client.pipeline(transaction=True)
        pipe.delete(self._key("{models}", "artifact", version))
        pipe.zrem(self._key("{models}", "published"), version)
        pipe.lrem(self._key("{models}", "history"), 0, version)
        deleted, *_ = pipe.execute()
        return bool(deleted)

    def report_worker(self, worker: str, report: dict[str, Any], ttl_seconds: float) -> None:
        """Record what one worker runs; the record lapses ``ttl_seconds`` after its last report."""
        pipe = self.client.pipeline(transaction=False)
        pipe.set(self._key("{models}", "worker", worker), json.dumps(report),
                 px=max(1000, int(ttl_seconds * 1000)))
        pipe.sadd(self._key("{models}", "workers"), worker)
        pipe.execute()

    def drop_worker(self, worker: str) -> None:
        """Forget a worker's report (it is shutting down)."""
        pipe = self.client.pipeline(transaction=False)
        pipe.delete(self._key("{models}", "worker", worker))
        pipe.srem(self._key("{models}", "workers"), worker)
        pipe.execute()

    def worker_reports(self) -> list[dict[str, Any]]:
        """The live workers' reports, by worker id; lapsed ones are forgotten on the way."""
        members = sorted(self.client.smembers(self._key("{models}", "workers")))
        if not members:
            return []
        values = self.client.mget([self._key("{models}", "worker", w) for w in members])
        reports, lapsed = [], []
        for worker, raw in zip(members, values, strict=True):
            try:
                report = json.loads(raw) if raw else None
            except ValueError:
                report = None
            if isinstance(report, dict):
                reports.append({**report, "worker": worker})
            else:
                lapsed.append(worker)
        if lapsed:
            self.client.srem(self._key("{models}", "workers"), *lapsed)
        return reports

    # -- responses a site's backend verified, passing one comment check after ---------
    def _verified_key(self, sitekey: str, nonce: str) -> str:
        # Hash-tagged with the whole name of the response's spent mark, so that both are
        # on one slot of a cluster and one script can spend the token and mark it.
        return f"{{{self._key('used', 'response', nonce)}}}:verified:{sitekey}"

    def spend_response(
        self,
        sitekey: str,
        nonce: str,
        ttl_seconds: float,
        idempotency_key: str = "",
        *,
        verified_ttl: float = 0,
        take_verified: bool = False,
        secret_hash: str = "",
        budgets: Budgets = NO_BUDGETS,
    ) -> ResponseSpent:
        """Spend a response token, in one round trip (``budgets`` first, in the same one:
        :meth:`_run`).

        As :meth:`consume_once`; also, on first use, a "verified" mark for
        ``verified_ttl`` seconds (0: none), and when the token was spent before and
        ``take_verified`` is set, that mark taken (deleted; only the first taker gets
        ``verified_taken``). With ``secret_hash``, the
        secret's index entry must still name ``sitekey`` (:meth:`sitekey_for_secret`),
        else nothing is spent and ``secret_current`` is False; on a cluster, whose slots
        a script cannot span, that is one more round trip first.
        """
        keys = [self._key("used", "response", nonce), self._verified_key(sitekey, nonce)]
        if secret_hash:
            if self._cluster:
                if self.sitekey_for_secret(secret_hash) != sitekey:
                    return ResponseSpent(False, secret_current=False)
            else:
                keys.append(self._sites_key("secret", secret_hash))
        first, stored, taken = self._run(
            self._spend_response,
            keys=keys,
            args=[idempotency_key, max(1000, int(ttl_seconds * 1000)),
                  max(1000, int(verified_ttl * 1000)) if verified_ttl > 0 else 0,
                  "1" if take_verified else "0", sitekey],
            budgets=budgets,
        )
        if int(first) < 0:
            return ResponseSpent(False, secret_current=False)
        return ResponseSpent(bool(int(first)), "" if stored in ("", "-") else str(stored),
                             bool(int(taken)))
