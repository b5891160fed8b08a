"""Reading request data: JSON or form-encoded bodies and query strings, flat string fields only.

Everything a client sends is checked before any of it is used: bodies and query strings
must be valid UTF-8 (no lone surrogates, whether as raw bytes or as JSON ``\\ud800``
escapes), field names printable ASCII and given once, JSON nested no deeper than a flat
object needs. Each refusal is a :class:`BadRequest` with its own stable code.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from typing import Any, NoReturn
from urllib.parse import unquote

from flask import Request
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge

from model.fields import MAX_COMMENT_CHARS
from service.web import current
from service.web.errors import BadRequest

log = logging.getLogger(__name__)

MAX_FIELDS = 64
MAX_FIELD_NAME = 100
# A valid body is one flat object (depth 1); a little more lets the answer for a nested
# field value name the field instead of only saying "too deep".
MAX_JSON_DEPTH = 4
# Headers whose values are read as credentials or origins; they must be plain ASCII.
# (With their WSGI environ keys, read directly: most requests carry neither.)
CHECKED_HEADERS = (("Authorization", "HTTP_AUTHORIZATION"), ("Origin", "HTTP_ORIGIN"))

# What a client is told of a body the server could not decode (chunked wrong, cut short).
UNREADABLE_BODY = ("The request body could not be read (a malformed or unfinished chunked "
                   "body); send it again, or with a Content-Length.")
# Content types that are their own mimetype (no parameters), taken without parsing.
_PLAIN_TYPES = frozenset({"application/json", "application/x-www-form-urlencoded", ""})
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_ESCAPE = re.compile(r"\\.", re.S)
_STRING = re.compile(r'"[^"]*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_EMPTY_PAIR = re.compile(r"\[\]|\{\}")
_VISIBLE_ASCII = re.compile(r"[\x20-\x7e]*")


def read_fields(*, max_field_length: int = MAX_COMMENT_CHARS) -> dict[str, str]:
    """The current request's body's fields as strings, from a JSON object or a form.

    Raises :class:`BadRequest` for a body that is not valid UTF-8, is not a flat object
    of scalars, nests too deeply, names a field badly or twice, has too many fields, or
    has a field longer than ``max_field_length`` characters.
    """
    request = current.request()
    mimetype = request.environ.get("CONTENT_TYPE", "")
    if mimetype not in _PLAIN_TYPES:  # parameters, odd case: as Werkzeug reads it
        mimetype = request.mimetype or ""
    if mimetype == "application/json" or mimetype.endswith("+json"):
        pairs = _json_pairs(_body(request))
    elif mimetype in ("", "application/x-www-form-urlencoded"):
        pairs = parse_query(_body(request), "body")
    elif mimetype == "multipart/form-data":
        pairs = _multipart_pairs(request)
    elif mimetype == "text/plain":
        raise BadRequest("Send the fields as JSON or form-encoded, not text/plain.")
    else:
        raise BadRequest(
            f"Unsupported Content-Type {mimetype[:60]!r}: send JSON or form-encoded fields.",
            code="unsupported-media-type",
            status=415,
        )
    return _to_fields(pairs, max_field_length)


def parse_query(raw: bytes, where: str = "query string") -> list[tuple[str, str]]:
    """The name/value pairs of URL-encoded ``raw`` bytes (a query string or a form body).

    Raises :class:`BadRequest` when the bytes or what they percent-encode are not UTF-8,
    or when there are more than :data:`MAX_FIELDS` pairs.
    """
    if not raw:
        return []
    try:
        text = raw.decode("utf-8")
        if text.count("&") >= MAX_FIELDS:
            raise ValueError("too many fields")
        # urllib.parse.parse_qsl's pairs (blank values kept, decoding strict), with only the parts
        # that hold a '+' or a '%' decoded: most hold neither.
        pairs = [(_unquoted(name), _unquoted(value)) for name, _, value in
                 (part.partition("=") for part in text.split("&") if part)]
    except UnicodeDecodeError:
        _bad_encoding(where)
    except ValueError:
        raise BadRequest(f"Too many fields in the {where} (at most {MAX_FIELDS}).",
                         code="too-many-fields") from None
    return pairs


def _unquoted(part: str) -> str:
    """One name or value of a URL-encoded text, decoded as
    :func:`urllib.parse.parse_qsl` decodes it."""
    if "+" in part:
        part = part.replace("+", " ")
    return unquote(part, encoding="utf-8", errors="strict") if "%" in part else part


def check_request_text(request: Request) -> dict[str, str]:
    """Refuse a request whose query string or credential headers carry bad characters;
    the query string's fields, checked.

    Run before every view: the query string must be valid UTF-8 with well-formed,
    unrepeated names, and ``Authorization`` and ``Origin`` printable ASCII.
    """
    query = _to_fields(parse_query(request.query_string), MAX_COMMENT_CHARS,
                       where="query string")
    for name, key in CHECKED_HEADERS:
        value = request.environ.get(key)
        if value is not None and not _VISIBLE_ASCII.fullmatch(value):
            raise BadRequest(
                f"The {name} header may hold only printable ASCII characters.",
                code="invalid-header",
            )
    return query


def query_field(name: str) -> str:
    """A field of the current request's query string, '' when absent: from the fields
    checked before the view (parsed once), else from the request itself."""
    checked: dict[str, str] | None = current.g().get("hedgerow_query")
    if checked is None:
        checked = check_request_text(current.request())
    return checked.get(name, "")


def _json_pairs(raw: bytes) -> list[tuple[str, Any]]:
    if not raw:
        return []
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        _bad_encoding("JSON body")
    _check_depth(text)
    try:
        data = _DECODER.decode(text)
    except RecursionError:  # _check_depth should have caught it; never a 500 regardless
        _too_deep()
    except ValueError:
        raise BadRequest("The body is not valid JSON.") from None
    if not isinstance(data, _Pairs):
        raise BadRequest("The JSON body must be an object of fields.")
    return list(data)


class _Pairs(list[tuple[str, Any]]):
    """A JSON object as its list of pairs, so that a repeated name can be refused."""


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


# Made once: json.loads with options builds a decoder (and its scanner) per call.
_DECODER = json.JSONDecoder(
    object_pairs_hook=_Pairs,
    # Numbers stay as written: no float overflow, no giant integer to convert.
    parse_int=str,
    parse_float=str,
    parse_constant=_reject_constant,
)


def _check_depth(text: str) -> None:
    """Refuse JSON nested deeper than :data:`MAX_JSON_DEPTH`, without parsing it.

    Escapes, then strings, then everything but brackets are dropped (each a linear
    regular-expression pass), and innermost empty pairs are removed once per allowed
    level: a body that still has an empty pair left nests deeper than allowed.
    """
    if text.count("{") + text.count("[") <= MAX_JSON_DEPTH:
        return  # a body cannot nest deeper than it has opening brackets
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", _ESCAPE.sub("", text)))
    for _ in range(MAX_JSON_DEPTH):
        if not brackets:
            return
        brackets = _EMPTY_PAIR.sub("", brackets)
    if _EMPTY_PAIR.search(brackets):
        _too_deep()


def _too_deep() -> NoReturn:
    raise BadRequest(
        f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels; send one flat object "
        "of fields.",
        code="json-too-deep",
    )


def _body(request: Request, *, for_the_form_parser: bool = False) -> bytes:
    """The request's body, read once per request.

    Under gunicorn a chunked body is decoded as it is read, so a malformed one, or one that
    stops before its last chunk, fails here, in the app: the client's fault, answered as
    such rather than as the app's. ``for_the_form_parser`` reads it through Werkzeug's
    stream, which keeps it for :attr:`Request.form`.
    """
    ctx_globals = current.g()
    kept: bytes | None = ctx_globals.get("hedgerow_body")
    if kept is not None:
        return kept
    try:
        body = (request.get_data(cache=True) if for_the_form_parser
                else _read_body(request))
    except Exception as error:
        # Imported only here: gunicorn's HTTP package takes a while to import, and most
        # processes that build the app never read a body.
        from gunicorn.http.errors import NoMoreData, ParseException

        if not isinstance(error, ParseException | NoMoreData):
            raise
        log.info("unreadable request body: %s", error.__class__.__name__)
        raise BadRequest(UNREADABLE_BODY, code="malformed-body") from None
    ctx_globals.hedgerow_body = body
    return body


def _read_body(request: Request) -> bytes:
    """The body, as :meth:`Request.get_data` reads it.

    A body with a plain ``Content-Length`` (the usual one) is read from the WSGI input in
    one call, with Werkzeug's checks (the size limit, a client gone before the end)
    rather than through its stream, which takes about three times as long
    (``bench/pieces_bench.py``). Any other body (chunked, an odd length) goes through
    Werkzeug.
    """
    environ = request.environ
    length = environ.get("CONTENT_LENGTH")
    if (not length or not length.isdigit() or not length.isascii()
            or "HTTP_TRANSFER_ENCODING" in environ):
        return request.get_data(cache=True)
    size = int(length)
    limit = request.max_content_length
    if limit is not None and size > limit:
        raise RequestEntityTooLarge()
    body: bytes = environ["wsgi.input"].read(size) if size else b""
    # A server that ends the input itself (gunicorn) gives what arrived; with another,
    # Werkzeug counts a body that stops short as a client gone away.
    if len(body) < size and "wsgi.input_terminated" not in environ:
        raise ClientDisconnected()
    return body


def _multipart_pairs(request: Request) -> list[tuple[str, str]]:
    raw = _body(request, for_the_form_parser=True)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        _bad_encoding("body")
    if request.files:
        raise BadRequest("Send fields only; this service takes no file uploads.")
    return list(request.form.items(multi=True))


def _to_fields(
    pairs: list[tuple[str, Any]], max_field_length: int, where: str = "body"
) -> dict[str, str]:
    if len(pairs) > MAX_FIELDS:
        raise BadRequest(f"Too many fields in the {where} (at most {MAX_FIELDS}).",
                         code="too-many-fields")
    _check_names(name for name, _ in pairs)
    seen: set[str] = set()
    out: dict[str, str] = {}
    for key, value in pairs:
        if key in seen:
            raise BadRequest(f"Field {key[:40]!r} is given more than once.",
                             code="duplicate-field")
        seen.add(key)
        if value is None:  # JSON null: as if the field were absent
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif not isinstance(value, str):
            raise BadRequest(f"Field {key[:40]!r} must be a string or a number.")
        if not value.isascii() and _SURROGATE.search(value):  # ASCII holds none
            _bad_encoding(where, key)
        if len(value) > max_field_length:
            raise BadRequest(
                f"Field {key[:40]!r} is longer than {max_field_length} characters.",
                code="payload-too-large",
                status=413,
            )
        out[key] = value
    return out


def _check_names(names: Iterable[str]) -> None:
    for name in names:
        # Printable ASCII (\x20-\x7e): two tests of str, quicker than a pattern.
        if not name or len(name) > MAX_FIELD_NAME or not (name.isascii() and name.isprintable()):
            raise BadRequest(
                f"Field name {ascii(name[:40])} is not allowed: names are 1 to {MAX_FIELD_NAME} "
                "printable ASCII characters.",
                code="invalid-field-name",
            )


def _bad_encoding(where: str, field: str | None = None) -> NoReturn:
    place = f"field {field[:40]!r} of the {where}" if field else f"the {where}"
    raise BadRequest(
        f"Text in {place} is not valid UTF-8 (invalid bytes or a lone surrogate).",
        code="invalid-encoding",
    )
