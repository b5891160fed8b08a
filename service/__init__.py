"""Hedgerow's web service. ``create_app`` is the only way in; nothing runs at import."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, request

from service import config as settings


def create_app(
    test_config: Mapping[str, Any] | None = None, *, config: settings.Settings | None = None
) -> Flask:
    """Build the Flask app from ``config``, or from the environment with ``test_config``
    (typed values by setting name) on top, validated like the environment.

    Raises :class:`service.config.ConfigError` when a setting is missing or invalid
    (there is no default secret key).
    """
    app = Flask(__name__)
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
    from service.web import access_log, errors, metrics, request_data, state

    app_state = state.init_app(app, config)
    # First registered: the clock and the request id exist before any other hook runs,
    # and the counting after_request hooks run last, on the final response.
    app_metrics = metrics.init_app(app)
    access_log.init_app(app, enabled=config.ACCESS_LOG)
    app_state.limits.on_reject = lambda scope: app_metrics.rate_limited.labels(scope).inc()
    app_state.limits.fail_open.on_add = app_metrics.fail_open.inc

    @app.after_request
    def _note_model(response: Response) -> Response:
        app_metrics.note_model(app_state.models.loaded_version)
        return response

    if config.TRUSTED_PROXIES:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = config.TRUSTED_PROXIES
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    errors.register_error_handlers(app)
    if not config.TRUSTED_PROXIES:
        app.before_request(state.check_forwarding)

    @app.before_request
    def _check_request_text() -> None:
        request_data.check_request_text(request)

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

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    return app
