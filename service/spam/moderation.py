"""Checking comments and taking feedback, for both the JSON API and the Akismet API."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from model.features import prepare_comment
from model.fields import COMMENT_FIELDS
from service.captcha.flow import Captcha
from service.signing import TokenSigner
from service.sites.registry import Site
from service.spam import feedback
from service.spam.adaptation import SiteAdaptation
from service.spam.decision import (
    Decision,
    FormSignals,
    SpamModel,
    Thresholds,
    decide,
    link_domains,
    reputable_for_site,
)
from service.store.budgets import NO_BUDGETS, Budgets
from service.store.redis_store import Store


def thresholds_for(site: Site, model: SpamModel) -> Thresholds:
    """The site's own hold/discard thresholds, else the model's calibrated ones."""
    settings = site.settings
    return Thresholds(
        hold=float(settings.get("hold_threshold", model.hold)),
        discard=float(settings.get("discard_threshold", model.discard)),
    )


def _reputable_on_demand(site: Site, known: set[str]) -> Callable[[str], bool]:
    """:func:`reputable_for_site` of ``site`` and its ``known`` domains, made at its first
    call: only a comment scored for discard asks, so most never pay for it."""
    made: list[Callable[[str], bool]] = []

    def reputable(domain: str) -> bool:
        if not made:
            made.append(reputable_for_site(site.hosts, known))
        return made[0](domain)

    return reputable


def _is_test(fields: Mapping[str, str]) -> bool:
    return fields.get("is_test", "").strip().lower() in {"1", "true", "yes"}


class SecretNotCurrent(Exception):
    """The secret that named a site through a worker's caches is no longer the site's (it
    was rotated out or the site removed a moment ago)."""


class Moderator:
    """Checks comments and takes moderators' verdicts, for the JSON and the Akismet API."""

    def __init__(
        self,
        captcha: Captcha,
        current_model: Callable[[], SpamModel],
        store: Store,
        signer: TokenSigner,
        *,
        keep_personal_data: bool,
        feedback_retention_days: int,
        adaptation: SiteAdaptation | None = None,
        feedback_quota: feedback.Quota | None = None,
    ) -> None:
        self.captcha = captcha
        self.current_model = current_model
        self.store = store
        self.signer = signer
        self.keep_personal_data = keep_personal_data
        self.feedback_retention_days = feedback_retention_days
        self.adaptation = adaptation
        self.feedback_quota = feedback_quota or feedback.Quota()

    def _signals(self, site: Site, fields: Mapping[str, str], response: str | None,
                 arrived: float) -> FormSignals:
        honeypot_name = fields.get("honeypot_field_name", "")
        honeypot = fields.get(honeypot_name, "").strip() if honeypot_name else ""
        required = bool(site.settings.get("require_captcha", False))
        if not response:
            return FormSignals(honeypot, "absent", captcha_required=required)
        verdict = self.captcha.verify(site, response, comment_check=True)
        if not verdict.success:
            return FormSignals(honeypot, "failed", ",".join(verdict.error_codes), required)
        # From when the widget first showed a challenge, not from the one answered last.
        elapsed = arrived - verdict.first_shown if verdict.first_shown else None
        return FormSignals(honeypot, "passed", captcha_required=required,
                           seconds_to_submit=elapsed)

    def check(self, site: Site, fields: Mapping[str, str], response: str | None = None,
              *, secret_hash: str = "", budgets: Budgets = NO_BUDGETS) -> Decision:
        """Score a comment for ``site``; a captcha ``response`` is verified and spent here.

        With ``secret_hash`` (the caller's secret, which named ``site`` through the
        worker's caches), the read that starts the check also confirms that the secret is
        still the site's; when it is not, :class:`SecretNotCurrent` is raised before
        anything is spent or counted. ``budgets`` (the caller's rate limits) are spent in
        that same round trip (:class:`~service.store.budgets.OverBudget` when one has no
        room).
        """
        arrived = time.time()  # the time to fill the form in ends when the request arrives
        comment = {k: v for k, v in fields.items() if k in COMMENT_FIELDS}
        # Normalised once: the link domains and the model's features come from it.
        prepared = prepare_comment(comment)
        domains = prepared.normalized.domains
        # One round trip for what the check reads (and its usage count).
        stored = self.store.comment_state(
            site.sitekey, list(domains), time.strftime("%Y-%m", time.gmtime(arrived)),
            secret_hash, budgets,
            self.adaptation.held_layer(site.sitekey) if self.adaptation is not None else "")
        if not stored.secret_current:
            raise SecretNotCurrent(site.sitekey)
        signals = self._signals(site, fields, response, arrived)
        model = self.current_model()
        if self.adaptation is not None:
            model = self.adaptation.apply_stored(site.sitekey, model, stored)
        known = stored.known_domains
        decision = decide(comment, model, thresholds_for(site, model), signals, domains, known,
                          prepared=prepared,
                          never_discard=bool(site.settings.get("never_discard", False)),
                          reputable=_reputable_on_demand(site, known))
        new_domains = [d for d in decision.link_domains if d not in known]
        if decision.action == "accept" and new_domains and not _is_test(fields):
            self.store.add_known_domains(site.sitekey, new_domains)
        return decision

    def submit(self, site: Site, fields: Mapping[str, str], label: str, source: str
               ) -> feedback.Recorded:
        """Store a moderator's verdict within the site's daily quota.

        Test submissions are not stored (the result has no ``entry_id``); nor is one
        over the quota (the result says which limit and when it resets).
        """
        if _is_test(fields):
            return feedback.Recorded(None)
        entry = feedback.make_entry(
            fields, label, site.sitekey, source, self.signer, self.keep_personal_data
        )
        recorded = feedback.record(
            self.store, entry, self.feedback_retention_days, self.feedback_quota
        )
        if recorded.entry_id is None:
            return recorded
        self._learn(site, fields, label)
        if label == "ham":
            self.store.add_known_domains(
                site.sitekey, link_domains(fields.get("comment_content", ""))
            )
        return recorded

    # -- the site's own layer over the shared model (spam/adaptation.py) ----------------
    def _learn(self, site: Site, fields: Mapping[str, str], label: str) -> None:
        if self.adaptation is not None:
            self.adaptation.learn(site.sitekey, fields, label == "spam", self.current_model())
