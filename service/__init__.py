"""Hedgerow's web service. ``create_app`` is the only way in; nothing runs at import."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from service import config as settings
from service.web.application import HedgerowFlask


def create_app(
    test_config: Mapping[str, Any] | None = None, *, config: settings.Settings | None = None
) -> Flask:
    """Build the Flask app from ``config``, or from the environment with ``test_config``
    (typed values by setting name) on top, validated like the environment.

    Raises :class:`service.config.ConfigError` when a setting is missing or invalid
    (there is no default secret key).
    """
    app = HedgerowFlask(__name__)
    if config is None:
        config = settings.load(overrides=test_config, require_secret=False)
    if not config.SECRET_KEY:
        raise settings.ConfigError(settings.missing_secret_message())
    if not config.REDIS_URL:
        raise settings.ConfigError(
            "HEDGEROW_REDIS_URL is not set; `hedgerow serve` starts an embedded Redis for you."
        )
    app.config.update(
        MAX_CONTENT_LENGTH=config.MAX_BODY_BYTES,
        JSON_SORT_KEYS=False,
        HEDGEROW=config,
    )
    # Answers are UTF-8 with keys in their order (service.web.replies makes the same bytes).
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]

    from service.api import (
        akismet,
        captcha,
        comments,
        demo,
        docs,
        health,
        openapi,
        siteverify,
        widget,
    )
    from service.web import errors, lifecycle, metrics, ratelimit, state

    app_state = state.init_app(app, config)
    app_metrics = metrics.init_app(app)
    # The app's own hooks: registered first, the after hook runs last, on the final
    # response (blueprints' hooks have run by then).
    lifecycle.init_app(app, app_state, app_metrics, access_lines=config.ACCESS_LOG)
    app_state.limits.on_reject = lambda scope: app_metrics.rate_limited.labels(scope).inc()
    app_state.limits.fail_open.on_add = app_metrics.fail_open.inc

    if config.TRUSTED_PROXIES:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = config.TRUSTED_PROXIES
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    errors.register_error_handlers(app)
    ratelimit.init_app(app, app_state.limits)

    for blueprint in (
        captcha.bp,
        siteverify.bp,
        comments.bp,
        akismet.bp,
        health.bp,
        openapi.bp,
        docs.bp,
        widget.bp,
        demo.bp,
    ):
        app.register_blueprint(blueprint)
    return app
