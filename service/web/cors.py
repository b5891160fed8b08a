"""CORS for the browser-facing endpoints: a site's registered origins, and no others."""

from __future__ import annotations

from flask import Response, request

from service.sites.registry import Site

PREFLIGHT_MAX_AGE = "600"


def request_origin() -> str:
    """The request's Origin header, or '' (non-browser clients send none)."""
    origin = request.headers.get("Origin", "")
    return origin if origin and origin != "null" else ""


def allow(response: Response, site: Site | None) -> Response:
    """Let the caller's origin read ``response`` when it is one of ``site``'s origins."""
    origin = request_origin()
    response.vary.add("Origin")
    if origin and site is not None and site.allows_origin(origin):
        response.headers["Access-Control-Allow-Origin"] = origin
    return response


def preflight() -> Response:
    """Answer a CORS preflight.

    The preflight carries no body, so it cannot know the site; it only says which
    method and header are allowed. The actual response carries
    ``Access-Control-Allow-Origin`` only for the site's own origins, and the server
    refuses other origins outright, so this leaks nothing.
    """
    response = Response(status=204)
    origin = request_origin()
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    response.vary.add("Origin")
    return response
