"""The per-app bundle of resources, kept on ``app.extensions`` (never a global)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app, request

from service.captcha.flow import Captcha
from service.captcha.proof_of_work import Policy
from service.models.holder import ModelHolder
from service.models.loading import ModelLoader
from service.signing import TokenSigner, model_signing_keys
from service.sites.registry import SiteRegistry
from service.spam.moderation import Moderator
from service.store.redis_store import Store, connect
from service.web.ratelimit import SCOPES, RateLimits

EXTENSION_KEY = "hedgerow"


@dataclass
class AppState:
    """Everything a request handler needs, built once per app."""

    config: dict[str, Any]
    store: Store
    sites: SiteRegistry
    signer: TokenSigner
    captcha: Captcha
    limits: RateLimits
    models: ModelHolder
    moderator: Moderator

    def close(self) -> None:
        """Close every connection this app opened (for tests and clean shutdowns)."""
        self.models.close()
        self.store.client.close()
        self.limits.close()


def build_state(config: dict[str, Any]) -> AppState:
    """Wire the resources for one app from its configuration.

    The Redis client connects lazily, so building the state does no I/O.
    """
    store = Store(connect(config["REDIS_URL"]), prefix=config["KEY_PREFIX"])
    sites = SiteRegistry(store, cache_seconds=config["SITE_CACHE_SECONDS"])
    signer = TokenSigner(config["SECRET_KEY"])
    pow_policy = (
        Policy(min_bits=config["POW_MIN_BITS"], max_bits=config["POW_MAX_BITS"])
        if config["POW_ENABLED"]
        else None
    )
    captcha = Captcha(
        store, sites, signer, config["CHALLENGE_TTL"], config["RESPONSE_TTL"], pow_policy
    )
    limits = RateLimits(
        config["REDIS_URL"],
        {scope: config[f"RATELIMIT_{scope.upper()}"] for scope in SCOPES},
        enabled=config["RATELIMIT_ENABLED"],
        on_error=config["RATELIMIT_ON_ERROR"],
        prefix=config["KEY_PREFIX"],
    )
    load_model = ModelLoader(store, Path(config["DATA_DIR"]) / "models",
                             model_signing_keys(config["SECRET_KEY"]))
    models = ModelHolder(store, load_model, config["MODEL_CHECK_INTERVAL"])
    moderator = Moderator(
        captcha, models.current, store, signer,
        keep_personal_data=config["KEEP_PERSONAL_DATA"],
        feedback_retention_days=config["FEEDBACK_RETENTION_DAYS"],
    )
    return AppState(config, store, sites, signer, captcha, limits, models, moderator)


def init_app(app: Flask, config: dict[str, Any]) -> AppState:
    """Build the state and attach it to ``app``."""
    app_state = build_state(config)
    app.extensions[EXTENSION_KEY] = app_state
    return app_state


def rate_limit(scope: str, identity: str | None = None) -> None:
    """Spend one unit of the budget of ``scope`` for ``identity`` (default: client IP)."""
    state().limits.check(scope, identity if identity is not None else client_ip())


def client_ip() -> str:
    """The client's IP; ``X-Forwarded-For`` counts only through trusted proxy hops."""
    return request.remote_addr or "unknown"


def state() -> AppState:
    """The current app's state (inside a request or app context)."""
    app_state: AppState = current_app.extensions[EXTENSION_KEY]
    return app_state
