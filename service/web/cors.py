"""CORS for the browser-facing endpoints: a site's registered origins, and no others."""

from __future__ import annotations

from flask import Response, request

from service.sites.registry import Site
from service.web.errors import Forbidden

PREFLIGHT_MAX_AGE = "600"


def request_origin() -> str:
    """The request's Origin header, or '' when there is none (non-browser clients).

    ``null`` is returned as it is: browsers send it from sandboxed frames, ``file:`` and
    ``data:`` pages and after cross-origin redirects. It matches no registered origin,
    so such a page is refused like any unknown origin rather than treated as a server.
    """
    return request.headers.get("Origin", "")


def origin_not_allowed() -> Forbidden:
    """The error for a page whose origin is not one of the site's."""
    return Forbidden(
        "This page's origin is not registered for the sitekey; add it with "
        "`hedgerow sites add … --origin`.",
        code="origin-not-allowed",
    )


def allow(response: Response, site: Site | None) -> Response:
    """Let the caller's origin read ``response`` when it is one of ``site``'s origins."""
    origin = request_origin()
    response.vary.add("Origin")
    if origin and site is not None and site.allows_origin(origin):
        response.headers["Access-Control-Allow-Origin"] = origin
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
        raise origin_not_allowed()
    response = Response(status=204)
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    response.vary.add("Origin")
    return response
