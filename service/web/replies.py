"""JSON answers for the hot paths: the bytes ``flask.jsonify`` makes, built for less.

``jsonify`` goes through the app's JSON provider and builds an encoder (with its date,
UUID and dataclass fallbacks) for every answer. The bodies here are plain dicts, lists,
strings, numbers and booleans, so one encoder with the output options the app gives its
provider (:func:`service.create_app`: UTF-8, keys in their order, compact; a final
newline) serves them all: the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response

# Anything else is written as its text rather than failing the answer (an error answer
# must never become a 500).
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=False, separators=(",", ":"),
                            default=str)
_JSON = "application/json"


def json_reply(body: Any, status: int = 200, headers: dict[str, str] | None = None
               ) -> Response:
    """``body`` (plain JSON types only) as a JSON response with ``status``."""
    return Response(_ENCODER.encode(body) + "\n", status=status, headers=headers,
                    mimetype=_JSON)
