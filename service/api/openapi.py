"""``GET /openapi.json``: the HTTP API, described for people and client generators."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from flask import Blueprint, Response, jsonify

bp = Blueprint("openapi", __name__)

_ERROR = {"$ref": "#/components/schemas/Error"}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again",
                                "schema": {"type": "string"}}}


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    """A response in the standard JSON error shape."""
    response: dict[str, Any] = {"description": description,
                                "content": {"application/json": {"schema": _ERROR}}}
    if headers:
        response["headers"] = headers
    return response


_JSON_ERROR = _error("Error")
BAD_REQUEST = _error("The request is malformed (error-codes say which part)")
TOO_LARGE = _error("payload-too-large: the body is larger than the service accepts")
UNSUPPORTED = _error("unsupported-media-type: send JSON or form-encoded fields")
RATE_LIMITED = _error("rate-limited: a budget is spent", {
    **_RETRY_AFTER,
    "RateLimit-Limit": {"schema": {"type": "string"}},
    "RateLimit-Reset": {"schema": {"type": "string"}},
})
UNAVAILABLE = _error("internal-error: the service's storage is unavailable; retry later",
                     _RETRY_AFTER)
# What every endpoint that reads a body may answer besides its own outcomes.
BODY_ERRORS = {"400": BAD_REQUEST, "413": TOO_LARGE, "415": UNSUPPORTED,
               "429": RATE_LIMITED, "503": UNAVAILABLE}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _text(description: str, media_type: str = "text/plain") -> dict[str, Any]:
    return {"description": description, "content": {media_type: {"schema": {"type": "string"}}}}


def _body(schema: dict[str, Any], *, required: bool = True) -> dict[str, Any]:
    return {
        "required": required,
        "content": {
            "application/json": {"schema": schema},
            "application/x-www-form-urlencoded": {"schema": schema},
        },
    }


def _str(description: str, **more: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **more}


_CODES = {"type": "array", "items": {"type": "string"}}
_NUMBER_TEXT = {"type": ["string", "integer"]}

POW = {
    "type": "object",
    "description": "A proof-of-work puzzle: find n such that SHA-256(salt ':' n) starts "
                   "with difficulty zero bits, and send n as pow",
    "required": ["algorithm", "salt", "difficulty"],
    "properties": {
        "algorithm": {"const": "SHA-256"},
        "salt": {"type": "string"},
        "difficulty": {"type": "integer", "minimum": 0},
    },
}

CHALLENGE = {
    "type": "object",
    "required": ["token", "prompt", "expires_in"],
    "properties": {
        "token": _str("Signed challenge token; send it back to /v1/solve."),
        "prompt": _str("The question, e.g. '27 − ☐ = 21'; ☐ marks the blank."),
        "expires_in": {"type": "integer", "description": "Seconds the challenge is valid."},
        "pow": POW,
        "mode": {"const": "work", "description": "Only for the other way: no question "
                 "(the prompt is empty), only the puzzle, which is much harder"},
    },
}

SOLVE_REQUEST = {
    "type": "object",
    "required": ["token"],
    "properties": {
        "token": _str("The challenge's token"),
        "answer": {**_NUMBER_TEXT, "description": "The missing number (required, except "
                   "for a challenge of mode work)"},
        "pow": {**_NUMBER_TEXT, "description": "The counter n that solves the challenge's "
                "pow puzzle (required when the challenge has one)"},
    },
}

SOLVE_ANSWER = {
    "type": "object",
    "required": ["success"],
    "properties": {
        "success": {"type": "boolean"},
        "response": _str("Single-use response token for siteverify"),
        "expires_in": {"type": "integer"},
        "error-codes": {**_CODES, "description": "wrong-answer, timeout-or-duplicate, "
                        "missing-input-pow, invalid-input-pow, missing-input-answer, "
                        "invalid-input-answer, invalid-input-token"},
        "message": _str("What went wrong, for people"),
        "challenge": CHALLENGE,
    },
}

SITEVERIFY = {
    "post": {
        "summary": "Verify a response token (the reCAPTCHA/Turnstile protocol)",
        "description": "The same call answers at /v1/siteverify, /siteverify and "
                       "/recaptcha/api/siteverify (the path django-recaptcha builds).",
        "requestBody": _body({
            "type": "object",
            "required": ["secret", "response"],
            "properties": {
                "secret": _str("The site's secret"),
                "response": _str("The widget's response token"),
                "remoteip": _str(
                    "The visitor's IP (optional). For a site set to "
                    "--require-remoteip-match, a response solved from another "
                    "network fails with invalid-input-remoteip"
                ),
                "idempotency_key": _str("Lets a retry of the same check succeed",
                                        maxLength=128),
            },
        }),
        "responses": {
            "200": _json({
                "type": "object",
                "required": ["success", "error-codes"],
                "properties": {
                    "success": {"type": "boolean"},
                    "challenge_ts": _str("ISO 8601 time the challenge was issued"),
                    "hostname": _str("Host of the page the challenge was solved on"),
                    "method": {"const": "proof-of-work", "description": "Present only when "
                               "the visitor verified the other way (mode work)"},
                    "error-codes": _CODES,
                    "message": _str("Why it failed, for people (clients read the codes)"),
                },
            }),
            **BODY_ERRORS,
        },
    }
}

COMMENT_FIELDS = {
    name: _str(description)
    for name, description in (
        ("comment_content", "The comment's text (plain text or HTML)"),
        ("comment_author", "Name given by the commenter"),
        ("comment_author_email", "E-mail given by the commenter"),
        ("comment_author_url", "Website given by the commenter"),
        ("user_ip", "Commenter's IP address"),
        ("user_agent", "Commenter's User-Agent"),
        ("referrer", "Referer of the comment form"),
        ("permalink", "URL of the commented page"),
        ("comment_type", "comment, reply, contact-form, signup…"),
        ("blog_lang", "Site language(s), e.g. en, fr_ca"),
        ("user_role", "administrator makes the comment ham"),
        ("is_test", "true: store no feedback"),
        ("honeypot_field_name", "Name of the form's honeypot field, sent along too"),
        ("response", "The widget's captcha response (verified and spent; one that "
                     "siteverify passed counts once more, here)"),
    )
}
COMMENT: dict[str, Any] = {"type": "object", "properties": COMMENT_FIELDS}

AKISMET_KEYS = {
    "api_key": _str("The site's secret (Akismet's API key)"),
    "key": _str("The same, under the older name"),
    "blog": _str("The site's URL; its origin must be one of the site's origins"),
}
AKISMET_FORM = {"type": "object", "properties": {**AKISMET_KEYS, **COMMENT_FIELDS}}
AKISMET_HEADERS = {
    "X-akismet-debug-help": {"description": "Why the answer is invalid",
                             "schema": {"type": "string"}},
}
# Akismet answers refusals as text too: "invalid" with the reason in a header.
AKISMET_REFUSED = {
    status: {**_text(f"invalid ({why})"), "headers": AKISMET_HEADERS}
    for status, why in (("400", "malformed"), ("413", "body too large"),
                        ("415", "not form-encoded"), ("429", "rate-limited"),
                        ("503", "storage unavailable"))
}


def _akismet(summary: str, answer: str, headers: dict[str, Any] | None = None
             ) -> dict[str, Any]:
    return {
        "post": {
            "summary": summary,
            "requestBody": {"required": True, "content": {
                "application/x-www-form-urlencoded": {"schema": AKISMET_FORM}}},
            "responses": {
                "200": {**_text(answer), "headers": {**AKISMET_HEADERS, **(headers or {})}},
                **AKISMET_REFUSED,
            },
        }
    }


USAGE = {
    "type": "object",
    "required": ["limit", "usage", "percentage", "throttled"],
    "properties": {
        "limit": {"const": "none"},
        "usage": {"type": "integer", "minimum": 0},
        "percentage": {"type": "string"},
        "throttled": {"type": "boolean"},
    },
}
USAGE_ANSWERS = {
    "200": {
        "description": "This month's usage, or text/plain 'invalid' for a bad key",
        "content": {"application/json": {"schema": USAGE},
                    "text/plain": {"schema": {"type": "string"}}},
        "headers": AKISMET_HEADERS,
    },
    **AKISMET_REFUSED,
}


def _asset(summary: str, media_type: str) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "responses": {"200": _text("The file (gzipped when accepted)", media_type),
                          "304": {"description": "Not modified (If-None-Match)"}},
        }
    }


WIDGET_JS = _asset("The embeddable challenge widget; see docs/widget.md", "text/javascript")
PREFLIGHT = {
    "summary": "CORS preflight for the site named by ?sitekey=",
    "parameters": [{"name": "sitekey", "in": "query", "required": False,
                    "schema": {"type": "string"}}],
    "responses": {"204": {"description": "Allowed for this origin"},
                  "403": _error("origin-not-allowed")},
}
DEMO_PAGE = _text("The demo page", "text/html")

PATHS: dict[str, Any] = {
    "/v1/challenge": {
        "get": {
            "summary": "Get an arithmetic challenge (and its proof-of-work puzzle) for a site",
            "parameters": [
                {"name": "sitekey", "in": "query", "required": True, "schema": {"type": "string"}},
                {"name": "previous", "in": "query", "required": False,
                 "schema": {"type": "string"},
                 "description": "The widget's last challenge token: the fill time keeps "
                                "counting from the first challenge it showed"},
                {"name": "mode", "in": "query", "required": False,
                 "schema": {"enum": ["arithmetic", "work"]},
                 "description": "work: the other way, for people who cannot do the "
                                "arithmetic (WCAG 2.2 SC 3.3.8): a proof of work of a few "
                                "seconds instead of the question"},
            ],
            "responses": {
                "200": _json(CHALLENGE),
                "400": _error("missing-input-sitekey, invalid-input-sitekey or "
                              "invalid-input-mode"),
                "403": _error("origin-not-allowed: the page's Origin is not the site's"),
                "429": RATE_LIMITED,
                "503": UNAVAILABLE,
            },
        },
        "options": PREFLIGHT,
    },
    "/v1/solve": {
        "post": {
            "summary": "Answer a challenge; a wrong answer burns it and returns a fresh one",
            "requestBody": _body(SOLVE_REQUEST),
            "responses": {
                "200": _json(SOLVE_ANSWER, "Solved, or refused with a fresh challenge"),
                "400": _json(SOLVE_ANSWER, "A malformed request or token"),
                "403": _error("origin-not-allowed: the page's Origin is not the site's"),
                "413": TOO_LARGE,
                "415": UNSUPPORTED,
                "429": RATE_LIMITED,
                "503": UNAVAILABLE,
            },
        },
        "options": PREFLIGHT,
    },
    "/v1/siteverify": SITEVERIFY,
    "/siteverify": SITEVERIFY,
    "/recaptcha/api/siteverify": SITEVERIFY,
    "/v1/comment-check": {
        "post": {
            "summary": "Score a comment (fields named as in Akismet); optional captcha response",
            "security": [{"siteSecret": []}],
            "requestBody": _body(COMMENT),
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["spam", "score", "action", "reasons", "model"],
                        "properties": {
                            "spam": {"type": "boolean"},
                            "score": {"type": "number", "minimum": 0, "maximum": 1},
                            "action": {"enum": ["accept", "hold", "discard"]},
                            "reasons": {"type": "array", "items": {"type": "string"}},
                            "model": _str("Version of the model that scored it"),
                        },
                    }
                ),
                "401": _error("missing-input-secret or invalid-input-secret"),
                **BODY_ERRORS,
            },
        }
    },
    "/v1/feedback": {
        "post": {
            "summary": "Mark a comment as spam or ham: the site adapts at once; training learns it",
            "security": [{"siteSecret": []}],
            "requestBody": _body(
                {**COMMENT, "required": ["label", "comment_content"],
                 "properties": {**COMMENT_FIELDS, "label": {"enum": ["spam", "ham"]}}}
            ),
            "responses": {
                **{status: _json({
                    "type": "object",
                    "required": ["success", "id", "stored"],
                    "properties": {"success": {"const": True},
                                   "id": {"type": ["string", "null"]},
                                   "stored": {"type": "boolean"}},
                }, description) for status, description in (
                    ("201", "Stored"), ("200", "Accepted but not stored (is_test)"))},
                "401": _error("missing-input-secret or invalid-input-secret"),
                **BODY_ERRORS,
                "429": _error("rate-limited, or feedback-quota-exceeded: the site's daily "
                              "quota is used up (Retry-After says until when)", _RETRY_AFTER),
            },
        }
    },
    "/1.1/verify-key": _akismet("Akismet-compatible key check", "valid or invalid"),
    "/1.1/comment-check": _akismet(
        "Akismet-compatible comment check", "true (spam) or false, or invalid",
        {"X-akismet-pro-tip": {"description": "discard: blatant spam",
                               "schema": {"type": "string"}},
         "X-akismet-guid": {"schema": {"type": "string"}}},
    ),
    "/1.1/submit-spam": _akismet("Akismet-compatible report of a missed spam",
                                 "Thanks for making the web a better place."),
    "/1.1/submit-ham": _akismet("Akismet-compatible report of a false positive",
                                "Thanks for making the web a better place."),
    "/1.2/usage-limit": {
        "get": {"summary": "Akismet-compatible usage for this month (key in the query)",
                "parameters": [{"name": name, "in": "query", "required": False,
                                "schema": {"type": "string"}} for name in ("api_key", "key")],
                "responses": USAGE_ANSWERS},
        "post": {"summary": "Akismet-compatible usage for this month",
                 "requestBody": {"required": False, "content": {
                     "application/x-www-form-urlencoded": {"schema": {
                         "type": "object", "properties": AKISMET_KEYS}}}},
                 "responses": USAGE_ANSWERS},
    },
    "/widget.js": WIDGET_JS,
    "/recaptcha/api.js": {"get": {**WIDGET_JS["get"], "summary": "The widget again, at the "
                                  "path django-recaptcha builds from RECAPTCHA_DOMAIN"}},
    "/widget.css": _asset("The widget's stylesheet, linked by the widget itself", "text/css"),
    "/pow-worker.js": _asset("The proof-of-work solver the widget runs", "text/javascript"),
    "/demo": {
        "get": {
            "summary": "Demo comment form with the widget (only with `hedgerow serve --demo`)",
            "responses": {"200": DEMO_PAGE, "404": _error("not-found: no demo mode"),
                          "503": _text("The demo site is not set up", "text/html")},
        },
        "post": {
            "summary": "The demo form's backend: siteverify, then comment-check",
            "requestBody": {"required": False, "content": {
                "application/x-www-form-urlencoded": {"schema": {
                    "type": "object",
                    "properties": {"author": _str("Name"), "comment": _str("Comment"),
                                   "hedgerow-response": _str("The widget's response")},
                }}}},
            "responses": {"200": DEMO_PAGE, "404": _error("not-found: no demo mode"),
                          "503": _text("The demo site is not set up", "text/html"),
                          **BODY_ERRORS},
        },
    },
    "/demo/demo.css": {"get": {
        **_asset("The demo page's stylesheet", "text/css")["get"],
        "responses": {**_asset("", "text/css")["get"]["responses"],
                      "404": _error("not-found: no demo mode")},
    }},
    "/openapi.json": {"get": {"summary": "This document",
                              "responses": {"200": _json({"type": "object"})}}},
    "/docs": {"get": {"summary": "This document for people: an HTML page, no script",
                      "responses": {"200": _text("The API reference", "text/html")}}},
    "/docs/docs.css": _asset("The API reference's stylesheet", "text/css"),
    "/": {
        "get": {
            "summary": "Links to the API; in demo mode, a redirect to /demo",
            "responses": {
                "200": _json({"type": "object", "properties": {
                    "service": {"const": "hedgerow"}, "api": {"type": "string"},
                    "docs": {"type": "string"}, "widget": {"type": "string"}}}),
                "302": {"description": "To /demo"},
            },
        }
    },
    "/healthz": {"get": {"summary": "Liveness",
                         "responses": {"200": _json({"type": "object", "properties": {
                             "status": {"const": "ok"}}}, "Alive")}}},
    "/readyz": {
        "get": {
            "summary": "Readiness (Redis reachable)",
            "responses": {
                status: _json({"type": "object", "required": ["status", "checks"],
                               "properties": {"status": {"enum": ["ready", "unavailable"]},
                                              "checks": {"type": "object"}}}, description)
                for status, description in (("200", "Ready"), ("503", "Not ready"))
            },
        }
    },
    "/metrics": {
        "get": {
            "summary": "Prometheus metrics (loopback only, or with HEDGEROW_METRICS_TOKEN)",
            "responses": {"200": _text("The Prometheus text exposition format"),
                          "401": _JSON_ERROR, "403": _JSON_ERROR},
        }
    },
}


def _with_common_refusals(paths: dict[str, Any]) -> dict[str, Any]:
    """``paths`` with the 400 every request can get: the service refuses field names and
    values it does not accept (control characters, over-long names) on every route."""
    out: dict[str, Any] = {}
    for path, item in paths.items():
        out[path] = {
            method: {**operation, "responses": {
                **operation["responses"],
                "400": operation["responses"].get("400", FIELD_REFUSED)}}
            for method, operation in item.items()
        }
    return out


FIELD_REFUSED = _error("invalid-field-name or invalid-field-value: a query or body field "
                       "the service does not accept")


def spec() -> dict[str, Any]:
    """The OpenAPI 3.1 document."""
    try:
        app_version = version("hedgerow")
    except PackageNotFoundError:
        app_version = "0"
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Hedgerow",
            "version": app_version,
            "description": "Self-hosted captcha and comment-spam protection.",
        },
        "paths": _with_common_refusals(PATHS),
        "components": {
            "securitySchemes": {
                "siteSecret": {"type": "http", "scheme": "bearer",
                               "description": "The site's secret from `hedgerow sites add`"}
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["success", "error-codes", "message"],
                    "properties": {
                        "success": {"type": "boolean", "const": False},
                        "error-codes": {"type": "array", "items": {"type": "string"}},
                        "message": _str("What went wrong and what to do"),
                    },
                }
            }
        },
    }


@bp.get("/openapi.json")
def openapi_json() -> Response:
    """Serve the OpenAPI document."""
    return jsonify(spec())
