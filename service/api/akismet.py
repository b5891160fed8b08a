"""The Akismet API (``/1.1/…``, ``/1.2/usage-limit``), byte for byte.

Existing Akismet clients and plugins work unchanged once their host points here. The
site's secret is the API key and ``blog`` must be one of the site's origins. Bodies
and headers are Akismet's: ``valid``/``invalid``, ``true``/``false``, the thanks
sentence, ``X-akismet-pro-tip: discard``, ``X-akismet-guid`` and, on any error,
``invalid`` with ``X-akismet-debug-help`` saying what is wrong.
"""

from __future__ import annotations

import time

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from model.fields import MAX_COMMENT_CHARS
from service import randomness
from service.sites.registry import Site, SiteError, hash_secret, normalize_origin
from service.spam.moderation import SecretNotCurrent
from service.store.budgets import OverBudget
from service.web.auth import bearer_secret, note_site
from service.web.errors import ApiError, from_http_exception, from_unexpected
from service.web.headers import header_value
from service.web.metrics import note_outcome
from service.web.quotas import refuse_over_quota
from service.web.ratelimit import secret_identity
from service.web.replies import text_reply
from service.web.request_data import read_fields
from service.web.state import rate_limit, spending_if_refused, state

bp = Blueprint("akismet", __name__)

THANKS = "Thanks for making the web a better place."


class AkismetError(Exception):
    """Answered as ``invalid`` with the reason in ``X-akismet-debug-help``."""

    def __init__(self, help_text: str) -> None:
        super().__init__(help_text)
        self.help_text = help_text


def _text(body: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    # Help texts quote what the client sent (a "blog" value, a field name).
    return text_reply(body, status, {name: header_value(value)
                                     for name, value in (headers or {}).items()})


def _invalid(help_text: str, status: int = 200, headers: dict[str, str] | None = None
             ) -> Response:
    return _text("invalid", status, {"X-akismet-debug-help": help_text, **(headers or {})})


def _api_invalid(error: ApiError) -> Response:
    return _invalid(error.message, error.status, error.headers)


@bp.errorhandler(AkismetError)
def _akismet_error(error: AkismetError) -> Response:
    return _invalid(error.help_text)


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> Response:
    return _api_invalid(error)


@bp.errorhandler(OverBudget)
def _over_budget(error: OverBudget) -> Response:
    return _api_invalid(state().limits.refusal(error.rule, error.window))


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    return _api_invalid(from_http_exception(error))


@bp.errorhandler(Exception)
def _unexpected(error: Exception) -> Response:
    return _api_invalid(from_unexpected(error))


def _fields() -> dict[str, str]:
    return read_fields(max_field_length=MAX_COMMENT_CHARS)


def _site(fields: dict[str, str], *, need_blog: bool = True) -> Site:
    key = _key(fields)
    site = state().sites.by_secret(key)
    if site is None:
        raise _unknown_key()
    return _check_blog(fields, site, need_blog)


def _key(fields: dict[str, str]) -> str:
    """The API key, after spending one unit of its budget."""
    key = _key_sent(fields)
    rate_limit("comment_check", secret_identity(key))
    return key


def _key_sent(fields: dict[str, str]) -> str:
    key = fields.get("api_key") or fields.get("key") or ""
    if not key:
        if request.method == "POST" and ("api_key" in request.args or "key" in request.args):
            raise AkismetError('Send "api_key" in the POST body, not in the URL, where '
                               "access logs would keep it.")
        raise AkismetError('Empty "api_key" value')
    return key


def _check_blog(fields: dict[str, str], site: Site, need_blog: bool) -> Site:
    """``site``, once ``blog`` is found to be one of its origins."""
    note_site(site)
    blog = fields.get("blog", "").strip()
    if not blog:
        if need_blog:
            raise AkismetError('Empty "blog" value')
        return site
    origin = _origin_of(blog)
    # The usual blog names an origin as the site stores it: accepted without parsing.
    if site.allows_origin(origin):
        return site
    try:
        origin = normalize_origin(origin)
    except SiteError:
        raise AkismetError(f'Invalid "blog" value: {blog[:100]}') from None
    raise AkismetError(f"The blog {origin} is not registered for this API key; add it "
                       "with `hedgerow sites set SITE --add-origin ORIGIN`.")


def _unknown_key() -> AkismetError:
    return AkismetError("We were unable to find your API key. Check it with "
                        "`hedgerow sites list` and your site's settings.")


def _origin_of(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    return f"{scheme}://{rest.split('/', 1)[0]}"


@bp.post("/1.1/verify-key")
def verify_key() -> Response:
    """``valid`` when the key (``key`` or ``api_key``) and ``blog`` belong together."""
    fields = _fields()
    try:
        _site(fields, need_blog=False)
    except AkismetError as error:
        return _invalid(error.help_text)
    return _text("valid")


@bp.post("/1.1/comment-check")
def comment_check() -> Response:
    """``true`` for spam (with ``X-akismet-pro-tip: discard`` when blatant), else ``false``."""
    fields = _fields()
    key = _key_sent(fields)
    app_state = state()
    # Spent in the check's one round trip, or alone when the call is refused before it.
    digest = hash_secret(key)  # once, for the budget's identity and the claim
    budgets = app_state.limits.budgets(("comment_check", secret_identity(key, digest)))
    with spending_if_refused(budgets, (AkismetError,)):
        claim = app_state.sites.claim(key, digest)
        if claim is None:
            raise _unknown_key()
        _check_blog(fields, claim.site, need_blog=True)
        if not fields.get("user_ip", "").strip():
            raise AkismetError('Empty "user_ip" value')
    try:
        decision = app_state.moderator.check(claim.site, fields, secret_hash=claim.digest,
                                             budgets=budgets)
    except SecretNotCurrent:
        raise _unknown_key() from None
    note_outcome(decision.action)
    headers = {"X-akismet-guid": randomness.uuid4()}
    if decision.action == "discard":
        headers["X-akismet-pro-tip"] = "discard"
    return text_reply("true" if decision.spam else "false", headers=headers)


def _submit(label: str) -> Response:
    fields = _fields()
    site = _site(fields)
    refuse_over_quota(state().moderator.submit(site, fields, label, "akismet"))
    return _text(THANKS)


@bp.post("/1.1/submit-spam")
def submit_spam() -> Response:
    """Record a missed spam."""
    return _submit("spam")


@bp.post("/1.1/submit-ham")
def submit_ham() -> Response:
    """Record a false positive."""
    return _submit("ham")


@bp.route("/1.2/usage-limit", methods=["GET", "POST"])
def usage_limit() -> Response:
    """This month's comment checks; a self-hosted service has no limit.

    The key comes from the body of a POST, or from the query string of a GET: that is
    how Akismet documents this call and how its clients (the ``akismet`` package among
    them) send it. Either may send it as ``Authorization: Bearer KEY`` instead.
    """
    fields = request.args.to_dict() if request.method == "GET" else _fields()
    if not (fields.get("api_key") or fields.get("key")) and bearer_secret():
        fields["api_key"] = bearer_secret()
    site = _site(fields, need_blog=False)
    usage = state().store.usage(site.sitekey, time.strftime("%Y-%m", time.gmtime()))
    return jsonify({"limit": "none", "usage": usage, "percentage": "0.00", "throttled": False})
