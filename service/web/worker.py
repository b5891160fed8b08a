"""The gunicorn worker ``hedgerow serve`` runs: gunicorn's threaded worker, answering the
requests gunicorn refuses before the app sees them in the service's JSON error shape.

A request line that is not HTTP, a header given twice or badly formed, a URL or headers
past the server's limits, a transfer coding it does not speak: gunicorn answers these
itself, with an HTML page. Clients of this service read JSON, so they get the error shape
every endpoint uses (a stable code and a message saying what to do) with the same status.
What goes wrong on the server's side is left to gunicorn, which logs it.
"""

from __future__ import annotations

import json
from typing import Any

from gunicorn import util
from gunicorn.http import errors as http_errors
from gunicorn.workers.gthread import ThreadWorker

from service.web.errors import error_body
from service.web.request_data import UNREADABLE_BODY

# What gunicorn refuses because of the app, not the client: it answers those itself.
_SERVER_SIDE = (http_errors.InvalidResponseHeader, http_errors.InvalidResponseHeaderName)
# Gunicorn's refusals, most specific first: (its exceptions, status, reason, code, message).
_REFUSALS: tuple[tuple[type[Exception] | tuple[type[Exception], ...], int, str, str, str],
                 ...] = (
    (http_errors.LimitRequestLine, 414, "URI Too Long", "uri-too-long",
     "The request line is too long; send the fields in a POST body instead."),
    (http_errors.LimitRequestHeaders, 431, "Request Header Fields Too Large",
     "headers-too-large", "Too many headers, or one too large; send fewer and shorter ones."),
    (http_errors.InvalidRequestLine, 400, "Bad Request", "malformed-request",
     "The request line is not HTTP/1.x: send METHOD /path HTTP/1.1 in ASCII."),
    (http_errors.InvalidRequestMethod, 400, "Bad Request", "malformed-request",
     "The request method is not a valid HTTP method."),
    (http_errors.InvalidHTTPVersion, 400, "Bad Request", "malformed-request",
     "The HTTP version is not one this server speaks; use HTTP/1.1."),
    (http_errors.ObsoleteFolding, 400, "Bad Request", "invalid-header",
     "A header is folded over several lines; send each header on one line."),
    (http_errors.InvalidHeaderName, 400, "Bad Request", "invalid-header",
     "A header name has characters a header name cannot have."),
    (http_errors.InvalidHeader, 400, "Bad Request", "invalid-header",
     "A header is malformed, has a value this server does not support (such as a "
     "Transfer-Encoding other than chunked), or is given twice where only one is allowed "
     "(such as Host)."),
    (http_errors.UnsupportedTransferCoding, 501, "Not Implemented",
     "unsupported-transfer-coding",
     "The body's Transfer-Encoding is not supported; send a Content-Length instead."),
    ((http_errors.InvalidChunkSize, http_errors.ChunkMissingTerminator,
      http_errors.InvalidChunkExtension), 400, "Bad Request", "malformed-body",
     UNREADABLE_BODY),
    (http_errors.ExpectationFailed, 417, "Expectation Failed", "expectation-failed",
     "The Expect header asks for something this server does not do; leave it out."),
    (http_errors.InvalidSchemeHeaders, 400, "Bad Request", "invalid-header",
     "The forwarded-scheme headers contradict each other; send one of them."),
    (http_errors.InvalidH2CPreface, 400, "Bad Request", "malformed-request",
     "This server speaks HTTP/1.1, not HTTP/2 in the clear."),
    (http_errors.ForbiddenProxyRequest, 403, "Forbidden", "forbidden",
     "PROXY protocol lines are taken only from the proxies this server trusts."),
    ((http_errors.InvalidProxyLine, http_errors.InvalidProxyHeader), 400, "Bad Request",
     "malformed-request", "The PROXY protocol line is malformed."),
)


def refusal_for(error: BaseException) -> tuple[int, str, bytes] | None:
    """The status, reason and JSON body to answer a request gunicorn refused with
    ``error``; None for an error that is not the client's (gunicorn answers those)."""
    if isinstance(error, _SERVER_SIDE):
        return None
    for kind, status, reason, code, message in _REFUSALS:
        if isinstance(error, kind):
            body = json.dumps(error_body(code, message), separators=(",", ":")) + "\n"
            return status, reason, body.encode()
    return None


class HedgerowWorker(ThreadWorker):
    """Gunicorn's threaded worker, its refusals of malformed requests answered in JSON."""

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        """Answer ``exc`` in JSON when it is the client's fault, else as gunicorn does."""
        refusal = refusal_for(exc)
        if refusal is None:
            super().handle_error(req, client, addr, exc)
            return
        status, reason, body = refusal
        # As gunicorn logs its refusals: one line, the client's address, no traceback.
        self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                "X-Content-Type-Options: nosniff\r\n\r\n")
        try:
            util.write_nonblock(client, head.encode("latin-1") + body)
        except Exception:  # the client may be gone; there is no one left to tell
            self.log.debug("Failed to send error message.")
