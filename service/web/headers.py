"""Making text safe to send as an HTTP header value, and putting the service's own in place.

Header values must not contain CR or LF (a response-splitting hazard, and Werkzeug
refuses them) and go out as Latin-1. Anything a client sent that may end up in a
response header passes through :func:`header_value` first.

Werkzeug checks every value it is given for a line break. The headers every answer
carries (its type and length, the security headers, a checked request id) are the
service's own constants and numbers, so :func:`own_headers` and :func:`add_own` put them
in place as they are rather than check them again on every request.
"""

from __future__ import annotations

import re

from werkzeug.datastructures import Headers

MAX_HEADER_VALUE = 300
_UNSAFE = re.compile(r"[\x00-\x1f\x7f]+")
_REPLACEMENTS = {"…": "...", "−": "-", "–": "-", "—": "-", "‘": "'", "’": "'", "“": '"',
                 "”": '"'}


def header_value(text: str, limit: int = MAX_HEADER_VALUE) -> str:
    """``text`` as a one-line, printable-ASCII header value of at most ``limit`` characters.

    Control characters (CR and LF among them) become a space; other characters outside
    ASCII become ``?`` (after a few typographic ones are spelled in ASCII).
    """
    for typographic, plain in _REPLACEMENTS.items():
        text = text.replace(typographic, plain)
    text = _UNSAFE.sub(" ", text).encode("ascii", "replace").decode("ascii").strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def names_in(headers: Headers) -> set[str]:
    """The names of ``headers``, lower-cased.

    Asking Werkzeug's ``Headers`` whether a name is absent raises and catches an
    exception inside; looking at the few names there are costs a fraction of that.
    """
    return {name.lower() for name, _ in headers}


def own_headers(pairs: list[tuple[str, str]]) -> Headers:
    """Werkzeug headers holding ``pairs`` (the list itself), names and values the service
    wrote: never anything a client sent, which goes through :meth:`Headers.add` (and
    :func:`header_value` first)."""
    headers = Headers()
    headers._list = pairs  # the list Werkzeug's own methods read and write
    return headers


def add_own(headers: Headers, name: str, value: str) -> None:
    """Add a header the service wrote (as :func:`own_headers`) to ``headers``."""
    headers._list.append((name, value))
