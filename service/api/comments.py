"""``POST /v1/comment-check`` and ``POST /v1/feedback``: the JSON spam API."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from model.fields import MAX_COMMENT_CHARS
from service.spam import moderation
from service.spam.moderation import SecretNotCurrent
from service.web.auth import bearer_secret, claim_for_secret, no_such_site, site_for_secret
from service.web.errors import BadRequest
from service.web.metrics import note_outcome
from service.web.quotas import refuse_over_quota
from service.web.replies import json_reply
from service.web.request_data import read_fields
from service.web.state import spending_if_refused, state

bp = Blueprint("comment_check", __name__)

# The fields each call takes: a comment's, and the call's own.
_CHECK_FIELDS = moderation.COMMENT_FIELDS | {"response"}
_FEEDBACK_FIELDS = moderation.COMMENT_FIELDS | {"label"}


def _comment_fields(allowed: frozenset[str]) -> dict[str, str]:
    fields = read_fields(max_field_length=MAX_COMMENT_CHARS)
    honeypot = fields.get("honeypot_field_name", "")
    unknown = sorted(k for k in fields if k not in allowed and k != honeypot)
    if unknown:
        raise BadRequest(
            f"Unknown field(s): {', '.join(u[:40] for u in unknown[:5])}. Fields are named as "
            "in Akismet (comment_content, comment_author, user_ip…); see /openapi.json.",
            code="unknown-field",
        )
    return fields


@bp.post("/v1/comment-check")
def comment_check() -> Response:
    """Score a comment for the site whose secret authorises the call."""
    claim, budgets = claim_for_secret(bearer_secret(), "comment_check")
    with spending_if_refused(budgets):
        fields = _comment_fields(_CHECK_FIELDS)
    try:
        decision = state().moderator.check(claim.site, fields, fields.get("response") or None,
                                           secret_hash=claim.digest, budgets=budgets)
    except SecretNotCurrent:
        raise no_such_site() from None
    note_outcome(decision.action)
    return json_reply(decision.to_json())


@bp.post("/v1/feedback")
def submit_feedback() -> Response:
    """Record that a comment was spam or ham: the site adapts at once, training later."""
    site = site_for_secret(bearer_secret(), "comment_check")
    fields = _comment_fields(_FEEDBACK_FIELDS)
    label = fields.get("label", "").strip().lower()
    if label not in ("spam", "ham"):
        raise BadRequest("Set label to spam or ham.", code="invalid-label")
    if not fields.get("comment_content", "").strip():
        raise BadRequest("Feedback needs the comment_content.", code="missing-input-content")
    recorded = state().moderator.submit(site, fields, label, "api")
    refuse_over_quota(recorded)
    entry_id = recorded.entry_id
    response = jsonify({"success": True, "id": entry_id, "stored": entry_id is not None})
    response.status_code = 201 if entry_id else 200
    return response
