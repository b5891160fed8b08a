"""Hedgerow's web service. ``create_app`` is the only way in; nothing runs at import."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, request

from service import config as settings


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app from the environment, then ``test_config`` on top.

    Raises :class:`service.config.ConfigError` when a setting is missing or invalid
    (there is no default secret key).
    """
    app = Flask(__name__)
    config = settings.load(require_secret=False)
    if test_config:
        config.update(test_config)
    if not config.get("SECRET_KEY"):
        raise settings.ConfigError(settings.missing_secret_message())
    if isinstance(config["SECRET_KEY"], str):
        config["SECRET_KEY"] = settings.parse_secret_keys("SECRET_KEY", config["SECRET_KEY"])
    if not config.get("REDIS_URL"):
        raise settings.ConfigError(
            "HEDGEROW_REDIS_URL is not set; `hedgerow serve` starts an embedded Redis for you."
        )
    app.config.update(
        MAX_CONTENT_LENGTH=config["MAX_BODY_BYTES"],
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
    from service.web import errors, request_data, state

    state.init_app(app, config)
    if config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    errors.register_error_handlers(app)
    if not config["TRUSTED_PROXIES"]:
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
