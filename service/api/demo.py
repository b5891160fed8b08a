"""``/demo``: a comment form protected by the widget, verified by this very service.

It exists only in demo mode (``hedgerow serve --demo`` sets ``DEMO``); otherwise every
``/demo`` URL is a 404. The form posts back here and the page shows what a site's
backend would get from ``POST /v1/siteverify`` — computed in-process with the demo
site's secret from ``<DATA_DIR>/demo-site.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, make_response, render_template, request

from service.api.widget import serve_asset
from service.config import DEMO_SITE_FILE
from service.sites.registry import Site
from service.web.request_data import read_fields
from service.web.state import state

bp = Blueprint("demo", __name__)

THEMES = ("auto", "light", "dark")
LANGUAGES = {
    "en": "English", "de": "Deutsch", "fr": "Français", "es": "Español",
    "pt": "Português", "it": "Italiano", "nl": "Nederlands", "pl": "Polski",
}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


@bp.before_request
def _demo_only() -> None:
    if not state().config.get("DEMO"):
        abort(404)


def demo_site() -> dict[str, str] | None:
    """The demo site's ``sitekey`` and ``secret``, as ``hedgerow serve --demo`` saved them."""
    path = Path(state().config["DATA_DIR"]) / DEMO_SITE_FILE
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(saved, dict) or not saved.get("sitekey") or not saved.get("secret"):
        return None
    return {"sitekey": str(saved["sitekey"]), "secret": str(saved["secret"])}


def siteverify(secret: str, response: str) -> dict[str, Any]:
    """What ``POST /v1/siteverify`` would answer for ``secret`` and ``response``."""
    if not response:
        return {"success": False, "error-codes": ["missing-input-response"]}
    site = state().sites.by_secret(secret)
    if site is None:
        return {"success": False, "error-codes": ["invalid-input-secret"]}
    return state().captcha.verify(site, response).to_json()


def comment_check(site: Site | None, fields: dict[str, str]) -> dict[str, Any] | None:
    """What ``POST /v1/comment-check`` answers for the demo comment (None: no demo site)."""
    if site is None:
        return None
    return state().moderator.check(site, fields).to_json()


def _page(status: int = 200, **context: Any) -> Response:
    theme = request.args.get("theme", "auto")
    language = request.args.get("lang", "en")
    response = make_response(
        render_template(
            "demo.html",
            base=request.host_url.rstrip("/"),
            theme=theme if theme in THEMES else "auto",
            themes=THEMES,
            language=language if language in LANGUAGES else "en",
            languages=LANGUAGES,
            **context,
        ),
        status,
    )
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/demo")
def demo_page() -> Response:
    """The demo comment form."""
    site = demo_site()
    if site is None:
        return _page(503, sitekey=None)
    return _page(sitekey=site["sitekey"])


@bp.post("/demo")
def demo_submit() -> Response:
    """Handle the demo form as a site's backend would: siteverify, then the spam check."""
    site = demo_site()
    if site is None:
        return _page(503, sitekey=None)
    form = read_fields()
    author = form.get("author", "")[:200]
    comment = form.get("comment", "")[:5000]
    verdict = siteverify(site["secret"], form.get("hedgerow-response", ""))
    spam = None
    if verdict["success"]:
        spam = comment_check(
            state().sites.by_secret(site["secret"]),
            {
                "comment_type": "comment",
                "comment_author": author,
                "comment_content": comment,
                "user_ip": request.remote_addr or "",
                "user_agent": request.headers.get("User-Agent", ""),
                "referrer": request.headers.get("Referer", ""),
                "permalink": request.base_url,
            },
        )
    return _page(
        sitekey=site["sitekey"],
        submitted=True,
        author=author,
        comment=comment,
        verdict=verdict,
        verdict_json=json.dumps(verdict, indent=2, ensure_ascii=False),
        spam=spam,
        spam_json=json.dumps(spam, indent=2, ensure_ascii=False) if spam else "",
    )


@bp.get("/demo/demo.css")
def demo_css() -> Response:
    """The demo page's stylesheet."""
    return serve_asset("demo.css", cross_origin=False)
