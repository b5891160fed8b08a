"""``POST /v1/siteverify`` (and ``/siteverify``): the reCAPTCHA/Turnstile protocol.

Answers always carry ``success`` and ``error-codes`` with the codes those services
use, so their client libraries work unchanged with only the URL changed.
"""

from __future__ import annotations

from flask import Blueprint, Response

from service.sites.registry import hash_secret
from service.web.errors import ApiError
from service.web.metrics import note_outcome
from service.web.ratelimit import secret_identity
from service.web.replies import json_reply
from service.web.request_data import read_fields
from service.web.state import state

bp = Blueprint("siteverify", __name__)

MAX_IDEMPOTENCY_KEY = 128
# What each refusal means, for the people reading logs; reCAPTCHA's clients read the codes.
MESSAGES = {
    "missing-input-secret": "Send the site's secret as secret.",
    "missing-input-response": "Send the widget's response token as response; the form was "
                              "probably sent before the challenge was solved.",
    "invalid-input-secret": "The secret belongs to no registered site; "
                            "`hedgerow sites list` shows the sites.",
    "invalid-input-response": "The response token is malformed, was issued for another site, "
                              "or its signing key was retired.",
    "timeout-or-duplicate": "The response token expired or was already verified; each one "
                            "passes once, for a few minutes.",
    "invalid-input-remoteip": "The response was solved from another network than remoteip, "
                              "and the site requires them to match.",
}


def message_for(codes: list[str]) -> str:
    """The people-readable message for a refusal's error codes."""
    return " ".join(MESSAGES[code] for code in codes if code in MESSAGES) or (
        "The response was not accepted.")


def _answer(success: bool, codes: list[str], status: int = 200, message: str = "") -> Response:
    # reCAPTCHA's shape; a refused request also says why, which its clients ignore.
    body: dict[str, object] = {"success": success, "error-codes": codes}
    note_outcome("success" if success else codes[0])
    if not success:
        body["message"] = message or message_for(codes)
    return json_reply(body, status)


@bp.post("/v1/siteverify")
@bp.post("/siteverify")
@bp.post("/recaptcha/api/siteverify")
def siteverify() -> Response:
    """Verify a widget response for the site that owns ``secret``."""
    try:
        fields = read_fields(max_field_length=4096)
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
    app_state = state()
    # Spent in the round trip that spends the response, or alone when refused before it.
    digest = hash_secret(secret)  # once, for the budget's identity and the claim
    budgets = app_state.limits.budgets(("siteverify", secret_identity(secret, digest)))
    idempotency_key = fields.get("idempotency_key", "")
    if len(idempotency_key) > MAX_IDEMPOTENCY_KEY:
        app_state.store.spend_budgets(budgets)
        return _answer(False, ["bad-request"], 400,
                       f"idempotency_key is longer than {MAX_IDEMPOTENCY_KEY} characters.")
    claim = app_state.sites.claim(secret, digest)
    if claim is None:
        app_state.store.spend_budgets(budgets)
        return _answer(False, ["invalid-input-secret"])
    result = app_state.captcha.verify(
        claim.site, response, idempotency_key, fields.get("remoteip", "").strip(),
        secret_hash=claim.digest, budgets=budgets,
    )
    body = result.to_json()
    if not result.success:
        body["message"] = message_for(result.error_codes)
    note_outcome("success" if result.success else result.error_codes[0])
    return json_reply(body)
