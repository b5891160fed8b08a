"""Finding the site behind a request's credential (a site secret)."""

from __future__ import annotations

from service.sites.registry import SecretClaim, Site, hash_secret
from service.store.budgets import Budgets
from service.web import current
from service.web.errors import ApiError
from service.web.ratelimit import secret_identity
from service.web.state import rate_limit, spending_if_refused, state


class Unauthorized(ApiError):
    """No credential, or one that belongs to no site."""

    status = 401
    code = "invalid-input-secret"


def bearer_secret() -> str:
    """The token of an ``Authorization: Bearer …`` header, or ''."""
    sent = str(current.request().environ.get("HTTP_AUTHORIZATION", ""))  # as cors.request_origin
    scheme, _, token = sent.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def site_for_secret(secret: str, scope: str) -> Site:
    """The site owning ``secret``, after spending one unit of its ``scope`` budget."""
    _check_and_count(secret, scope)
    site = state().sites.by_secret(secret)
    if site is None:
        raise no_such_site()
    note_site(site)
    return site


def claim_for_secret(secret: str, scope: str) -> tuple[SecretClaim, Budgets]:
    """The site ``secret`` names through the worker's caches (:meth:`SiteRegistry.claim`),
    and its ``scope`` budget, for the request's one round trip to Redis to spend as it
    confirms the claim. A secret that names no site spends the budget here."""
    _require(secret)
    app_state = state()
    digest = hash_secret(secret)  # once, for the budget's identity and the claim
    budgets = app_state.limits.budgets((scope, secret_identity(secret, digest)))
    with spending_if_refused(budgets):
        claim = app_state.sites.claim(secret, digest)
        if claim is None:
            raise no_such_site()
    note_site(claim.site)
    return claim, budgets


def _check_and_count(secret: str, scope: str) -> None:
    _require(secret)
    rate_limit(scope, secret_identity(secret))


def _require(secret: str) -> None:
    if not secret:
        raise Unauthorized(
            "Send the site's secret as 'Authorization: Bearer <secret>'.",
            code="missing-input-secret",
            headers={"WWW-Authenticate": 'Bearer realm="hedgerow"'},
        )


def no_such_site() -> Unauthorized:
    """The refusal of a secret that belongs to no site (or no longer does)."""
    return Unauthorized(
        "That secret belongs to no site; `hedgerow sites list` shows the sites.",
        headers={"WWW-Authenticate": 'Bearer realm="hedgerow", error="invalid_token"'},
    )


def note_site(site: Site) -> None:
    """Remember which site this request acts for (its metrics and access-log line)."""
    current.g().hedgerow_sitekey = site.sitekey
