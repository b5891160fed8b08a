"""HTTP endpoints the widget calls: ``GET /v1/challenge`` and ``POST /v1/solve``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from service.captcha.flow import MODES
from service.sites.registry import Site
from service.web import cors
from service.web.errors import ApiError, BadRequest
from service.web.metrics import note_outcome
from service.web.replies import json_reply
from service.web.request_data import query_field, read_fields
from service.web.state import client_identity, rate_limit, state

bp = Blueprint("captcha", __name__)
bp.after_request(cors.expose_refusal)

# Fresh every time, and opened to the site's own pages (cors.allow).
_REPLY_HEADERS = {"Cache-Control": "no-store", **cors.VARY}
_SOLVE_STATUS = {"invalid-input-token": 400, "missing-input-token": 400}
_SOLVE_MESSAGES = {
    "invalid-input-token": "The challenge token is malformed or was not issued here; "
                           "fetch a new challenge.",
    "timeout-or-duplicate": "The challenge expired or was already answered; "
                            "here is a new one.",
    "missing-input-pow": "Send the proof-of-work counter as pow; here is a new challenge.",
    "invalid-input-pow": "The proof-of-work counter does not solve the puzzle; "
                         "here is a new challenge.",
    "missing-input-answer": "Send the missing number as answer; here is a new challenge.",
    "invalid-input-answer": "The answer is not a whole number; here is a new challenge.",
    "wrong-answer": "That is not the missing number; here is a new challenge.",
}


@bp.route("/v1/challenge", methods=["OPTIONS"])
@bp.route("/v1/solve", methods=["OPTIONS"])
def preflight() -> Response:
    """CORS preflight: answered for the origins of the site named by ``?sitekey=``.

    The widget itself sends only simple requests, which need none; a page that sends
    JSON names its site in the URL (``/v1/solve?sitekey=…``) so that this can find it.
    """
    sitekey = request.args.get("sitekey", "")
    site = state().sites.get(sitekey) if sitekey and cors.request_origin() else None
    return cors.preflight(site)


@bp.get("/v1/challenge")
def get_challenge() -> Response:
    """Issue a challenge for the site named by ``sitekey``.

    ``previous``, the widget's last challenge token, continues its chain: the time the
    form takes to fill in counts from the chain's first challenge. ``mode=work`` asks
    for the other way: no question, a longer proof of work.
    """
    client = client_identity()
    app_state = state()
    try:
        mode, site = _challenge_request()
    except ApiError:
        rate_limit("challenge", client)  # a refused request spends the client's budget too
        raise
    # Both budgets are spent in the challenge's one round trip (or refuse it).
    budgets = app_state.limits.budgets(("challenge", client), ("challenge_site", site.sitekey))
    captcha = app_state.captcha
    first_shown = captcha.first_shown_of(site, query_field("previous"))
    response = json_reply(captcha.issue(site, client, first_shown, mode, budgets).to_json(),
                          headers=_REPLY_HEADERS)
    return cors.allow(response, site)


def _challenge_request() -> tuple[str, Site]:
    """The mode and the site a challenge is asked for, checked (with the page's origin)."""
    mode = query_field("mode") or "arithmetic"
    if mode not in MODES:
        raise BadRequest("mode is arithmetic (the default) or work.", code="invalid-input-mode")
    sitekey = query_field("sitekey")
    if not sitekey:
        raise BadRequest("Pass the site's public key as ?sitekey=…", code="missing-input-sitekey")
    site = state().sites.get(sitekey)
    if site is None:
        raise BadRequest(
            "Unknown sitekey; `hedgerow sites list` shows the registered ones.",
            code="invalid-input-sitekey",
        )
    origin = cors.request_origin()
    if origin and not site.allows_origin(origin):
        raise cors.origin_not_allowed(origin)
    return mode, site


@bp.post("/v1/solve")
def solve() -> Response:
    """Check an answer; give a response token or a fresh challenge."""
    client = client_identity()
    app_state = state()
    try:
        fields = read_fields(max_field_length=4096)
        token = fields.get("token", "")
        if not token:
            raise BadRequest("Send the challenge's token and your answer.",
                             code="missing-input-token")
    except ApiError:
        rate_limit("solve", client)  # a refused request spends the client's budget too
        raise
    captcha = app_state.captcha
    read = captcha.read_challenge(token)
    spends = [("solve", client)]
    if read.site is not None:
        spends.append(("solve_site", read.site.sitekey))
    # Spent in the round trip that spends the challenge, or alone when refused before it.
    result = captcha.solve(
        read, fields.get("answer"), cors.request_origin(), fields.get("pow"), client,
        app_state.limits.budgets(*spends),
    )
    if result.error_codes == ["origin-not-allowed"]:
        raise cors.origin_not_allowed(cors.request_origin())
    body: dict[str, Any]
    if result.success:
        body = {"success": True, "response": result.response, "expires_in": result.expires_in}
        status = 200
    else:
        body = {"success": False, "error-codes": result.error_codes}
        if result.site is not None:
            body["challenge"] = captcha.issue(
                result.site, client, result.first_shown, result.mode).to_json()
        status = _SOLVE_STATUS.get(result.error_codes[0], 200)
        body["message"] = _SOLVE_MESSAGES.get(
            result.error_codes[0], "The answer was not accepted; fetch a new challenge.")
    note_outcome("solved" if result.success else result.error_codes[0])
    response = json_reply(body, status, _REPLY_HEADERS)
    return cors.allow(response, result.site)
