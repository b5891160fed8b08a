"""``GET /widget.js``, ``/widget.css`` and ``/pow-worker.js``: the embeddable widget.

The files are public and the same for every site, so any origin may load them. Their
URLs carry no version, so browsers keep them for an hour and then revalidate with the
ETag (a cheap 304); they are sent minified (``rjsmin``, ``rcssmin``: the sources are
written for their readers) and gzipped to clients that accept it.
``/recaptcha/api.js`` is the widget again, at the path django-recaptcha builds.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import rcssmin
import rjsmin
from flask import Blueprint, Response, request

bp = Blueprint("widget", __name__)

STATIC_DIR = Path(__file__).parents[1] / "static"
CACHE_CONTROL = "public, max-age=3600, stale-while-revalidate=86400"
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}


@dataclass(frozen=True)
class Asset:
    """A static file's bytes, gzipped bytes and entity tag."""

    body: bytes
    gzipped: bytes
    etag: str
    content_type: str


def minify(name: str, source: bytes) -> bytes:
    """``source`` as served: scripts and stylesheets minified, ``/*! … */`` notices kept."""
    if name.endswith(".js"):
        return bytes(rjsmin.jsmin(source, keep_bang_comments=True))
    if name.endswith(".css"):
        return bytes(rcssmin.cssmin(source, keep_bang_comments=True))
    return source


@lru_cache(maxsize=32)
def _read(name: str, mtime_ns: int) -> Asset:
    body = minify(name, (STATIC_DIR / name).read_bytes())
    # mtime=0 keeps the gzipped bytes, and so their length, the same on every worker.
    gzipped = gzip.compress(body, compresslevel=9, mtime=0)
    etag = hashlib.sha256(body).hexdigest()[:20]
    return Asset(body, gzipped, etag, CONTENT_TYPES[Path(name).suffix])


def load_asset(name: str) -> Asset:
    """One of the files in ``service/static`` (re-read when it changes on disk)."""
    return _read(name, (STATIC_DIR / name).stat().st_mtime_ns)


def serve_asset(name: str, *, cross_origin: bool = True) -> Response:
    """Answer a GET for a static asset: cacheable, conditional, gzipped when accepted."""
    asset = load_asset(name)
    gzipped = request.accept_encodings["gzip"] > 0
    response = Response(asset.gzipped if gzipped else asset.body, content_type=asset.content_type)
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    # Each encoding is a different representation, so each gets its own tag.
    response.set_etag(asset.etag + ("-gz" if gzipped else ""))
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.vary.add("Accept-Encoding")
    if cross_origin:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.make_conditional(request)
    return response


@bp.get("/widget.js")
@bp.get("/recaptcha/api.js")
def widget_js() -> Response:
    """The widget script that sites embed."""
    return serve_asset("widget.js")


@bp.get("/widget.css")
def widget_css() -> Response:
    """The widget's stylesheet, linked by the script itself."""
    return serve_asset("widget.css")


@bp.get("/pow-worker.js")
def pow_worker_js() -> Response:
    """The proof-of-work solver: a Worker on the widget's own origin, else a plain script."""
    return serve_asset("pow-worker.js")
