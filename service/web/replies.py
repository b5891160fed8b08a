"""JSON answers for the hot paths: the JSON ``flask.jsonify`` makes, built for less.

``jsonify`` goes through the app's JSON provider and builds an encoder (with its date,
UUID and dataclass fallbacks) for every answer. The bodies here are plain dicts, lists,
strings, numbers and booleans, written with the output options the app gives its
provider (:func:`service.create_app`: UTF-8, keys in their order, compact; a final
newline) by ``orjson``, in a small part of the standard library's time
(``bench/pieces_bench.py``). The bytes are ``jsonify``'s, except a float with an
exponent (``1e300`` for ``1e+300``: the same number) and a NaN or infinity (``null``,
where ``jsonify`` writes what is not JSON). What ``orjson`` cannot write (an integer past
64 bits, a key that is not a string) goes through the standard library's encoder, and
text UTF-8 cannot carry (a lone surrogate) is escaped rather than failing the answer.

The answer is a :class:`KnownLengthReply`, made with its length and type in hand, that
goes out with its headers as they are unless one of them needs Werkzeug's fixing (so are
the Akismet API's one-word answers, :func:`text_reply`). Its headers are
the service's own constants and numbers, so they are put in place as they are
(:func:`own_headers`) rather than checked for line breaks one by one.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from flask import Response
from werkzeug.datastructures import Headers

from service.web.headers import names_in, own_headers

# Anything else is written as its text rather than failing the answer (an error answer
# must never become a 500).
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=False, separators=(",", ":"),
                            default=str)
# For text UTF-8 cannot carry (a lone surrogate): escaped, so the answer is still JSON.
_ASCII_ENCODER = json.JSONEncoder(ensure_ascii=True, sort_keys=False, separators=(",", ":"),
                                  default=str)
_JSON = "application/json"
_TEXT = "text/plain; charset=utf-8"
# Headers Werkzeug rewrites on the way out, and statuses whose answers it trims.
_FIXED_ON_THE_WAY_OUT = frozenset({"location", "content-location"})
_TRIMMED_STATUSES = frozenset({304, 412})


class KnownLengthReply(Response):
    """A response whose body is one piece of known length.

    Werkzeug copies a response's headers on the way out, to make ``Location`` and
    ``Content-Location`` absolute URIs, trim a 304's or 412's entity headers and add a
    missing ``Content-Length``. Such a reply has its length and usually none of the
    others, and then its headers go out as they are; otherwise Werkzeug does its work.
    """

    def get_wsgi_headers(self, environ: Any) -> Headers:
        """The headers to send: :attr:`headers` when there is nothing to fix in them."""
        names = names_in(self.headers)
        if (self.status_code in _TRIMMED_STATUSES or "content-length" not in names
                or not _FIXED_ON_THE_WAY_OUT.isdisjoint(names)):
            return super().get_wsgi_headers(environ)
        return self.headers


def encoded(body: Any) -> bytes:
    """``body`` as the bytes of a JSON answer (see the module's docstring)."""
    try:
        return orjson.dumps(body, default=str, option=orjson.OPT_APPEND_NEWLINE)
    except orjson.JSONEncodeError:
        text = _ENCODER.encode(body)
    try:
        return (text + "\n").encode()
    except UnicodeEncodeError:
        return (_ASCII_ENCODER.encode(body) + "\n").encode()


def json_reply(body: Any, status: int = 200, headers: dict[str, str] | None = None
               ) -> Response:
    """``body`` (plain JSON types only) as a JSON response with ``status``; ``headers``
    are the service's own (see :func:`own_headers`)."""
    return _reply(encoded(body), _JSON, status, headers)


def text_reply(body: str, status: int = 200, headers: dict[str, str] | None = None
               ) -> Response:
    """``body`` as a UTF-8 plain-text response with ``status``; ``headers`` are the
    service's own, or made safe by :func:`~service.web.headers.header_value`."""
    return _reply(body.encode(), _TEXT, status, headers)


def _reply(data: bytes, content_type: str, status: int, headers: dict[str, str] | None
           ) -> Response:
    given = [("Content-Type", content_type), ("Content-Length", str(len(data)))]
    if headers:
        given.extend(headers.items())
    return KnownLengthReply([data], status, own_headers(given))
