"""Reading request bodies: JSON or form-encoded, flat string fields only."""

from __future__ import annotations

from typing import Any

from flask import Request

from model.fields import MAX_COMMENT_CHARS
from service.web.errors import BadRequest

MAX_FIELDS = 64


def read_fields(request: Request, *, max_field_length: int = MAX_COMMENT_CHARS) -> dict[str, str]:
    """The body's fields as strings, from a JSON object or a form.

    Raises :class:`BadRequest` for a body that is not a flat object of scalars, has too
    many fields, or has a field longer than ``max_field_length`` characters.
    """
    fields: dict[str, Any]
    mimetype = request.mimetype or ""
    if mimetype == "application/json" or mimetype.endswith("+json"):
        data = request.get_json(silent=True)
        if data is None:
            if not request.get_data(cache=True):
                return {}
            raise BadRequest("The body is not valid JSON.")
        if not isinstance(data, dict):
            raise BadRequest("The JSON body must be an object of fields.")
        fields = data
    elif mimetype in ("", "application/x-www-form-urlencoded", "multipart/form-data"):
        fields = {key: request.form.get(key) for key in request.form}
    elif mimetype == "text/plain":
        raise BadRequest("Send the fields as JSON or form-encoded, not text/plain.")
    else:
        raise BadRequest(
            f"Unsupported Content-Type {mimetype[:60]!r}: send JSON or form-encoded fields.",
            code="unsupported-media-type",
            status=415,
        )
    if len(fields) > MAX_FIELDS:
        raise BadRequest(f"Too many fields (at most {MAX_FIELDS}).")
    out: dict[str, str] = {}
    for key, value in fields.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, int | float):
            value = str(value)
        elif not isinstance(value, str):
            raise BadRequest(f"Field {str(key)[:40]!r} must be a string or a number.")
        if len(value) > max_field_length:
            raise BadRequest(
                f"Field {str(key)[:40]!r} is longer than {max_field_length} characters.",
                code="payload-too-large",
                status=413,
            )
        out[str(key)] = value
    return out
