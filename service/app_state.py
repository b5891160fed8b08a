"""The per-app bundle of resources, kept on ``app.extensions`` (never a global)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from service.captcha import Captcha
from service.sites import SiteRegistry
from service.store import Store, connect
from service.tokens import TokenSigner

EXTENSION_KEY = "hedgerow"


@dataclass
class AppState:
    """Everything a request handler needs, built once per app."""

    config: dict[str, Any]
    store: Store
    sites: SiteRegistry
    signer: TokenSigner
    captcha: Captcha


def build_state(config: dict[str, Any]) -> AppState:
    """Wire the resources for one app from its configuration.

    The Redis client connects lazily, so building the state does no I/O.
    """
    store = Store(connect(config["REDIS_URL"]), prefix=config["KEY_PREFIX"])
    sites = SiteRegistry(store)
    signer = TokenSigner(config["SECRET_KEY"])
    captcha = Captcha(
        store, sites, signer, config["CHALLENGE_TTL"], config["RESPONSE_TTL"]
    )
    return AppState(config, store, sites, signer, captcha)


def init_app(app: Flask, config: dict[str, Any]) -> AppState:
    """Build the state and attach it to ``app``."""
    app_state = build_state(config)
    app.extensions[EXTENSION_KEY] = app_state
    return app_state


def state() -> AppState:
    """The current app's state (inside a request or app context)."""
    return current_app.extensions[EXTENSION_KEY]  # type: ignore[no-any-return]
