"""The per-app bundle of resources, kept on ``app.extensions`` (never a global)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask

from service.captcha.clients import ClientIdentifier
from service.captcha.flow import Captcha
from service.captcha.proof_of_work import Policy
from service.config import Settings
from service.models.holder import ModelHolder
from service.models.loading import ModelLoader
from service.signing import TokenSigner, model_signing_keys
from service.sites.registry import SiteRegistry
from service.spam.adaptation import SiteAdaptation
from service.spam.feedback import Quota
from service.spam.moderation import Moderator
from service.store.budgets import Budgets
from service.store.redis_store import Store, connect
from service.web import current
from service.web.errors import ApiError
from service.web.proxy_check import ForwardedForCheck
from service.web.ratelimit import SCOPES, RateLimits

EXTENSION_KEY = "hedgerow"


@dataclass
class AppState:
    """Everything a request handler needs, built once per app."""

    config: Settings
    store: Store
    sites: SiteRegistry
    signer: TokenSigner
    clients: ClientIdentifier
    captcha: Captcha
    limits: RateLimits
    models: ModelHolder
    moderator: Moderator
    forwarding: ForwardedForCheck

    def close(self) -> None:
        """Close every connection this app opened (for tests and clean shutdowns)."""
        self.models.close()
        self.store.close()
        self.limits.close()


def build_state(config: Settings) -> AppState:
    """Wire the resources for one app from its configuration.

    The Redis client connects lazily, so building the state does no I/O.
    """
    store = Store(connect(config.REDIS_URL), prefix=config.KEY_PREFIX)
    sites = SiteRegistry(store, cache_seconds=config.SITE_CACHE_SECONDS)
    signer = TokenSigner(config.signing_keys)
    clients = ClientIdentifier(signer, config.IPV4_PREFIX, config.IPV6_PREFIX)
    pow_policy = (
        Policy(
            min_bits=config.POW_MIN_BITS,
            max_bits=config.POW_MAX_BITS,
            free_solves=config.POW_FREE_SOLVES,
            volume_bits=config.POW_VOLUME_BITS,
            solves_window=config.POW_SOLVES_WINDOW,
        )
        if config.POW_ENABLED
        else None
    )
    captcha = Captcha(
        store, sites, signer, config.CHALLENGE_TTL, config.RESPONSE_TTL, pow_policy,
        clients,
    )
    limits = RateLimits(
        config.REDIS_URL,
        {scope: config[f"RATELIMIT_{scope.upper()}"] for scope in SCOPES},
        enabled=config.RATELIMIT_ENABLED,
        on_error=config.RATELIMIT_ON_ERROR,
        prefix=config.KEY_PREFIX,
    )
    load_model = ModelLoader(store, config.DATA_DIR / "models",
                             model_signing_keys(config.signing_keys))
    models = ModelHolder(store, load_model, config.MODEL_CHECK_INTERVAL)
    moderator = Moderator(
        captcha, models.current, store, signer,
        keep_personal_data=config.KEEP_PERSONAL_DATA,
        feedback_retention_days=config.FEEDBACK_RETENTION_DAYS,
        adaptation=SiteAdaptation(store) if config.ADAPTATION_ENABLED else None,
        feedback_quota=Quota(config.FEEDBACK_ENTRIES_PER_DAY, config.FEEDBACK_BYTES_PER_DAY),
    )
    forwarding = ForwardedForCheck(config.TRUSTED_PROXIES)
    return AppState(
        config, store, sites, signer, clients, captcha, limits, models, moderator, forwarding
    )


def init_app(app: Flask, config: Settings) -> AppState:
    """Build the state and attach it to ``app``."""
    app_state = build_state(config)
    app.extensions[EXTENSION_KEY] = app_state
    return app_state


@contextmanager
def spending_if_refused(budgets: Budgets, refusals: tuple[type[Exception], ...] = (ApiError,)
                        ) -> Iterator[None]:
    """Run the block; when it refuses the request (raises one of ``refusals``) before the
    operation that would have spent ``budgets``, spend them alone first: a refused request
    pays as an answered one does."""
    try:
        yield
    except refusals:
        state().store.spend_budgets(budgets)
        raise


def rate_limit(scope: str, identity: str | None = None) -> None:
    """Spend one unit of the budget of ``scope`` for ``identity`` (default: the client's)."""
    state().limits.check(scope, identity if identity is not None else client_identity())


def client_ip() -> str:
    """The client's IP; ``X-Forwarded-For`` counts only through trusted proxy hops."""
    return current.request().remote_addr or "unknown"


def client_identity() -> str:
    """The client's identity: a keyed pseudonym of its network, never its address."""
    identity = state().clients.identity(client_ip())
    current.g().hedgerow_client = identity
    return identity


def state() -> AppState:
    """The current app's state (inside a request or app context)."""
    app_state: AppState = current.extension(EXTENSION_KEY)
    return app_state
