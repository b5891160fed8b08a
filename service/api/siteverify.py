"""``POST /v1/siteverify`` (and ``/siteverify``): the reCAPTCHA/Turnstile protocol.

Answers always carry ``success`` and ``error-codes`` with the codes those services
use, so their client libraries work unchanged with only the URL changed.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from service.web.errors import ApiError
from service.web.ratelimit import secret_identity
from service.web.request_data import read_fields
from service.web.state import rate_limit, state

bp = Blueprint("siteverify", __name__)

MAX_IDEMPOTENCY_KEY = 128


def _answer(success: bool, codes: list[str], status: int = 200, message: str = "") -> Response:
    # reCAPTCHA's shape; a refused request also says why, which its clients ignore.
    body: dict[str, object] = {"success": success, "error-codes": codes}
    if message:
        body["message"] = message
    response = jsonify(body)
    response.status_code = status
    return response


@bp.post("/v1/siteverify")
@bp.post("/siteverify")
@bp.post("/recaptcha/api/siteverify")
def siteverify() -> Response:
    """Verify a widget response for the site that owns ``secret``."""
    try:
        fields = read_fields(request, max_field_length=4096)
    except ApiError as error:
        return _answer(False, ["bad-request"], error.status, error.message)
    secret = fields.get("secret", "")
    response = fields.get("response", "")
    missing = []
    if not secret:
        missing.append("missing-input-secret")
    if not response:
        missing.append("missing-input-response")
    if missing:
        return _answer(False, missing)
    rate_limit("siteverify", secret_identity(secret))
    idempotency_key = fields.get("idempotency_key", "")
    if len(idempotency_key) > MAX_IDEMPOTENCY_KEY:
        return _answer(False, ["bad-request"], 400,
                       f"idempotency_key is longer than {MAX_IDEMPOTENCY_KEY} characters.")
    app_state = state()
    site = app_state.sites.by_secret(secret)
    if site is None:
        return _answer(False, ["invalid-input-secret"])
    result = app_state.captcha.verify(
        site, response, idempotency_key, fields.get("remoteip", "").strip()
    )
    return jsonify(result.to_json())
