"""CORS for the browser-facing endpoints: a site's registered origins, and no others.

Refusals are the exception: their bodies hold only an error code and a message, so any
page may read them. That is how a page on a wrong origin (``localhost`` for
``127.0.0.1``, ``www.``, ``http`` for ``https``) learns why, instead of a CORS error.
"""

from __future__ import annotations

from flask import Response

from service.sites.registry import Site
from service.web import current
from service.web.errors import Forbidden

PREFLIGHT_MAX_AGE = "600"
# Among the headers of every answer :func:`allow` may open to a page: what a cache keeps
# must depend on the page's origin, whether this one is let in or not.
VARY = {"Vary": "Origin"}


def request_origin() -> str:
    """The request's Origin header, or '' when there is none (non-browser clients).

    ``null`` is returned as it is: browsers send it from sandboxed frames, ``file:`` and
    ``data:`` pages and after cross-origin redirects. It matches no registered origin,
    so such a page is refused like any unknown origin rather than treated as a server.
    """
    # From the WSGI environ: werkzeug's header lookup raises and catches an exception when
    # the header is absent, as it is for every server-to-server call.
    return str(current.request().environ.get("HTTP_ORIGIN", ""))


def origin_not_allowed(origin: str = "") -> Forbidden:
    """The error for a page whose origin is not one of the site's."""
    shown = f"This page's origin ({origin[:200]})" if origin else "This page's origin"
    return Forbidden(
        f"{shown} is not registered for the sitekey; add it with "
        "`hedgerow sites set SITE --add-origin ORIGIN`.",
        code="origin-not-allowed",
    )


def allow(response: Response, site: Site | None) -> Response:
    """Let the caller's origin read ``response`` (made with :data:`VARY` among its
    headers) when it is one of ``site``'s origins."""
    origin = request_origin()
    if origin and site is not None and site.allows_origin(origin):
        response.headers["Access-Control-Allow-Origin"] = origin
    return response


def expose_refusal(response: Response) -> Response:
    """Let any page read an error answer (4xx, 5xx, not to a preflight).

    The widget sends no credentials, so ``*`` is enough; ``Retry-After`` is exposed so
    that a rate-limited widget knows when to offer *Try again*.
    """
    # A refused preflight stays bare: the browser then never sends the request itself.
    if current.request().method == "OPTIONS" or response.status_code < 400:
        return response
    if "Access-Control-Allow-Origin" not in response.headers:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = "Retry-After"
    return response


def preflight(site: Site | None) -> Response:
    """Answer a CORS preflight for ``site`` (None: the request named no known site).

    A preflight has no body, so the site comes from the URL's ``sitekey``. Only the
    site's own origins are told which method and header they may use; any other
    origin, ``null`` included, gets a 403 without CORS headers, so the browser never
    sends the request itself. A request without an Origin is no preflight: a bare 204.
    """
    origin = request_origin()
    if origin and (site is None or not site.allows_origin(origin)):
        raise origin_not_allowed(origin)
    response = Response(status=204)
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    response.vary.add("Origin")
    return response
