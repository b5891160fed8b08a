"""Checking comments and taking feedback, for both the JSON API and the Akismet API."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from model.fields import COMMENT_FIELDS
from service import feedback
from service.app_state import AppState
from service.sites import Site
from service.spam import (
    Decision,
    FormSignals,
    SpamModel,
    Thresholds,
    decide,
    link_domains,
)


def thresholds_for(site: Site, model: SpamModel) -> Thresholds:
    """The site's own hold/discard thresholds, else the model's calibrated ones."""
    settings = site.settings
    return Thresholds(
        hold=float(settings.get("hold_threshold", model.hold)),
        discard=float(settings.get("discard_threshold", model.discard)),
    )


def _signals(
    app_state: AppState, site: Site, fields: Mapping[str, str], response: str | None
) -> FormSignals:
    honeypot_name = fields.get("honeypot_field_name", "")
    honeypot = fields.get(honeypot_name, "").strip() if honeypot_name else ""
    required = bool(site.settings.get("require_captcha", False))
    if not response:
        return FormSignals(honeypot, "absent", captcha_required=required)
    verdict = app_state.captcha.verify(site, response)
    if not verdict.success:
        return FormSignals(honeypot, "failed", ",".join(verdict.error_codes), required)
    elapsed = time.time() - verdict.challenge_ts if verdict.challenge_ts else None
    return FormSignals(honeypot, "passed", captcha_required=required, seconds_to_submit=elapsed)


def check(
    app_state: AppState, site: Site, fields: Mapping[str, str], response: str | None = None
) -> Decision:
    """Score a comment for ``site``; a captcha ``response`` is verified and spent here."""
    # Signals first: the time to fill the form in is measured when the request arrives.
    signals = _signals(app_state, site, fields, response)
    model = app_state.models.current()
    comment = {k: v for k, v in fields.items() if k in COMMENT_FIELDS}
    domains = link_domains(comment.get("comment_content", ""))
    known = app_state.store.known_domains(site.sitekey, list(domains))
    decision = decide(comment, model, thresholds_for(site, model), signals, domains, known)
    app_state.store.add_usage(site.sitekey, time.strftime("%Y-%m", time.gmtime()))
    if decision.action == "accept" and not _is_test(fields):
        app_state.store.add_known_domains(site.sitekey, decision.link_domains)
    return decision


def _is_test(fields: Mapping[str, str]) -> bool:
    return fields.get("is_test", "").strip().lower() in {"1", "true", "yes"}


def submit(
    app_state: AppState, site: Site, fields: Mapping[str, str], label: str, source: str
) -> str | None:
    """Store a moderator's verdict; returns the entry id (None for test submissions)."""
    if _is_test(fields):
        return None
    config: dict[str, Any] = app_state.config
    entry = feedback.make_entry(
        fields, label, site.sitekey, source, app_state.signer, config["KEEP_PERSONAL_DATA"]
    )
    entry_id = feedback.record(app_state.store, entry, config["FEEDBACK_RETENTION_DAYS"])
    if label == "ham":
        app_state.store.add_known_domains(
            site.sitekey, link_domains(fields.get("comment_content", ""))
        )
    return entry_id
