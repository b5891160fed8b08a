"""A request's body, read from the WSGI input directly, is what Werkzeug's ``get_data``
reads (or refuses) for the same request."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask, request

from service.web.application import HedgerowFlask
from service.web.request_data import _body

BODY = b'{"comment_content": "Thanks! \xc3\xa9"}'


def _environ(body: bytes, **overrides: Any) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": "/v1/comment-check",
        "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
        "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    environ.update(overrides)
    return {name: value for name, value in environ.items() if value is not None}


def _outcome(read: Any) -> Any:
    try:
        return read()
    except Exception as refused:
        return type(refused).__name__


CASES: dict[str, dict[str, Any]] = {
    "as long as it says": {},
    "empty": {"body": b""},
    "past the size limit": {"body": b"x" * 300},
    "stops short": {"CONTENT_LENGTH": str(len(BODY) + 10)},
    "stops short, server-ended input": {"CONTENT_LENGTH": str(len(BODY) + 10),
                                        "wsgi.input_terminated": True},
    "more than it says": {"CONTENT_LENGTH": "5"},
    "chunked": {"CONTENT_LENGTH": None, "HTTP_TRANSFER_ENCODING": "chunked",
                "wsgi.input_terminated": True},
    "no length": {"CONTENT_LENGTH": None},
    "length not a number": {"CONTENT_LENGTH": "abc"},
    "negative length": {"CONTENT_LENGTH": "-1"},
    "non-ASCII digits": {"CONTENT_LENGTH": "\uff13\uff15"},
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_body_is_read_as_werkzeug_reads_it(name: str) -> None:
    overrides = dict(CASES[name])
    body = overrides.pop("body", BODY)
    outcomes = []
    for app, read in ((Flask(__name__), lambda: request.get_data(cache=True)),
                      (HedgerowFlask(__name__), lambda: _body(request))):
        app.config["MAX_CONTENT_LENGTH"] = 200
        with app.request_context(_environ(body, **overrides)):
            outcomes.append((_outcome(read), _outcome(read)))  # read twice: kept
    assert outcomes[1] == outcomes[0]


def test_the_body_read_directly_is_the_one_read_for_the_form_parser() -> None:
    form = b"comment_content=Thanks&blog=https%3A%2F%2Fblog.example"
    app = HedgerowFlask(__name__)
    for via_the_form in (False, True):
        environ = _environ(form, CONTENT_TYPE="application/x-www-form-urlencoded")
        with app.request_context(environ):
            assert _body(request, for_the_form_parser=via_the_form) == form
            assert _body(request) == form
