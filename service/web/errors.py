"""One error hierarchy and one JSON error shape for every endpoint.

Every error body is ``{"success": false, "error-codes": [code], "message": text}``: the
code is stable for programs, the message is for people. Nothing internal (tracebacks,
paths, secrets) is ever put in one.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, has_request_context
from werkzeug.exceptions import HTTPException

from service.web.headers import header_value
from service.web.metrics import note_outcome
from service.web.replies import json_reply

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error answered to the client with a stable code and a human message."""

    status = 400
    code = "bad-request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.extra = extra or {}
        self.headers = headers or {}


class BadRequest(ApiError):
    """The request is malformed: wrong type, missing field, unparseable body."""


class Forbidden(ApiError):
    """The request is well formed but not allowed (unknown origin, bad key)."""

    status = 403
    code = "forbidden"


class Unavailable(ApiError):
    """A dependency (Redis) is down; the client may retry later."""

    status = 503
    code = "internal-error"


# Messages for the HTTP errors Flask raises itself, so their bodies say what to do.
_HTTP_MESSAGES = {
    404: ("not-found", "No such endpoint. See /openapi.json for the API."),
    405: ("method-not-allowed", "This endpoint does not accept that HTTP method."),
    413: ("payload-too-large", "The request body is larger than this service accepts."),
    415: ("unsupported-media-type", "Send JSON or form-encoded data."),
}


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """Build the standard error body."""
    return {"success": False, "error-codes": [code], "message": message, **extra}


def error_response(
    code: str, message: str, status: int, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    """A JSON error response in the standard shape (header values made safe to send)."""
    response = json_reply(error_body(code, message, **extra), status)
    note_outcome(code)
    for name, value in (headers or {}).items():
        response.headers[name] = header_value(value)
    return response


def from_http_exception(error: HTTPException) -> ApiError:
    """The :class:`ApiError` to answer for an HTTP error Flask or Werkzeug raised."""
    status = error.code or 500
    code, message = _HTTP_MESSAGES.get(
        status, ("bad-request" if status < 500 else "internal-error", error.name)
    )
    headers = {}
    valid_methods = getattr(error, "valid_methods", None)
    if status == 405 and valid_methods:
        headers["Allow"] = ", ".join(valid_methods)
    return ApiError(message, code=code, status=status, headers=headers)


def from_unexpected(error: Exception) -> ApiError:
    """The :class:`ApiError` to answer for any other exception, logged as it deserves.

    Redis being unreachable is a 503 logged in one line; anything else is a bug: a 500
    whose traceback goes to the log (and never to the client).
    """
    from redis.exceptions import ConnectionError, RedisError, TimeoutError

    if isinstance(error, RedisError):
        if has_request_context():
            g.hedgerow_redis_error = True
        if isinstance(error, ConnectionError | TimeoutError):
            log.warning("Redis unavailable: %s", error.__class__.__name__)
        else:
            log.error("Redis refused a command: %s", error)
        return Unavailable("The service's storage is unavailable; try again shortly.",
                           headers={"Retry-After": "5"})
    log.error("unhandled error", exc_info=error)
    return ApiError("Something went wrong on our side.", code="internal-error", status=500)


def render(error: ApiError) -> Response:
    """The standard JSON answer to ``error``."""
    return error_response(error.code, error.message, error.status, error.headers, **error.extra)


def register_error_handlers(app: Flask) -> None:
    """Answer every error, expected or not, with the standard JSON body."""

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        if isinstance(error, Unavailable):
            g.hedgerow_redis_error = True  # counted by the metrics
        return render(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        return render(from_http_exception(error))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        return render(from_unexpected(error))
