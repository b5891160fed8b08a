"""``GET /openapi.json``: the HTTP API, described for people and client generators."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from flask import Blueprint, Response, jsonify

bp = Blueprint("openapi", __name__)

_ERROR = {"$ref": "#/components/schemas/Error"}
_JSON_ERROR = {"description": "Error", "content": {"application/json": {"schema": _ERROR}}}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "required": True,
        "content": {
            "application/json": {"schema": schema},
            "application/x-www-form-urlencoded": {"schema": schema},
        },
    }


def _str(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


CHALLENGE = {
    "type": "object",
    "required": ["token", "prompt", "expires_in"],
    "properties": {
        "token": _str("Signed challenge token; send it back to /v1/solve."),
        "prompt": _str("The question, e.g. '27 − ☐ = 21'; ☐ marks the blank."),
        "expires_in": {"type": "integer", "description": "Seconds the challenge is valid."},
    },
}

COMMENT: dict[str, Any] = {
    "type": "object",
    "properties": {
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
    },
}

PATHS: dict[str, Any] = {
    "/v1/challenge": {
        "get": {
            "summary": "Get an arithmetic challenge for a site",
            "parameters": [
                {"name": "sitekey", "in": "query", "required": True, "schema": {"type": "string"}},
                {"name": "previous", "in": "query", "required": False,
                 "schema": {"type": "string"},
                 "description": "The widget's last challenge token: the fill time keeps "
                                "counting from the first challenge it showed"},
            ],
            "responses": {"200": _json(CHALLENGE), "400": _JSON_ERROR, "403": _JSON_ERROR,
                          "429": _JSON_ERROR},
        }
    },
    "/v1/solve": {
        "post": {
            "summary": "Answer a challenge; a wrong answer burns it and returns a fresh one",
            "requestBody": _body(
                {
                    "type": "object",
                    "required": ["token", "answer"],
                    "properties": {"token": _str("Challenge token"), "answer": _str("Answer")},
                }
            ),
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {
                            "success": {"type": "boolean"},
                            "response": _str("Single-use response token for siteverify"),
                            "expires_in": {"type": "integer"},
                            "error-codes": {"type": "array", "items": {"type": "string"}},
                            "challenge": CHALLENGE,
                        },
                    }
                ),
                "400": _JSON_ERROR,
                "429": _JSON_ERROR,
            },
        }
    },
    "/v1/siteverify": {
        "post": {
            "summary": "Verify a response token (reCAPTCHA/Turnstile protocol); also /siteverify",
            "requestBody": _body(
                {
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
                        "idempotency_key": _str("Lets a retry of the same check succeed"),
                    },
                }
            ),
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["success", "error-codes"],
                        "properties": {
                            "success": {"type": "boolean"},
                            "challenge_ts": _str("ISO 8601 time the challenge was issued"),
                            "hostname": _str("Host of the page the challenge was solved on"),
                            "error-codes": {"type": "array", "items": {"type": "string"}},
                        },
                    }
                ),
                "400": _JSON_ERROR,
                "503": _JSON_ERROR,
            },
        }
    },
    "/widget.js": {
        "get": {
            "summary": "The embeddable challenge widget (also /widget.css); see docs/widget.md",
            "responses": {"200": {"description": "JavaScript", "content": {"text/javascript": {}}}},
        }
    },
    "/demo": {
        "get": {
            "summary": "Demo comment form with the widget (only with `hedgerow serve --demo`)",
            "responses": {
                "200": {"description": "HTML page", "content": {"text/html": {}}},
                "404": _JSON_ERROR,
            },
        }
    },
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
                "400": _JSON_ERROR,
                "401": _JSON_ERROR,
                "413": _JSON_ERROR,
                "429": _JSON_ERROR,
            },
        }
    },
    "/v1/feedback": {
        "post": {
            "summary": "Mark a comment as spam or ham: the site adapts at once; training learns it",
            "security": [{"siteSecret": []}],
            "requestBody": _body(
                {**COMMENT, "required": ["label", "comment_content"],
                 "properties": {**COMMENT["properties"], "label": {"enum": ["spam", "ham"]}}}
            ),
            "responses": {"201": {"description": "Stored"}, "400": _JSON_ERROR,
                          "401": _JSON_ERROR,
                          "429": {**_JSON_ERROR, "description":
                                  "rate-limited, or feedback-quota-exceeded: the site's daily "
                                  "quota is used up (Retry-After says until when)"}},
        }
    },
    **{
        f"/1.1/{name}": {
            "post": {
                "summary": f"Akismet-compatible {name} (form-encoded; key as api_key)",
                "requestBody": {
                    "content": {"application/x-www-form-urlencoded": {"schema": COMMENT}}
                },
                "responses": {"200": {"description": "text/plain, as Akismet answers"}},
            }
        }
        for name in ("verify-key", "comment-check", "submit-spam", "submit-ham")
    },
    "/1.2/usage-limit": {
        "get": {"summary": "Akismet-compatible usage for this month",
                "responses": {"200": {"description": "JSON"}}},
        "post": {"summary": "Akismet-compatible usage for this month",
                 "responses": {"200": {"description": "JSON"}}},
    },
    "/": {
        "get": {
            "summary": "Links to the API; in demo mode, a redirect to /demo",
            "responses": {"200": {"description": "JSON"}, "302": {"description": "To /demo"}},
        }
    },
    "/healthz": {"get": {"summary": "Liveness", "responses": {"200": {"description": "Alive"}}}},
    "/readyz": {
        "get": {
            "summary": "Readiness (Redis reachable)",
            "responses": {"200": {"description": "Ready"}, "503": {"description": "Not ready"}},
        }
    },
    "/metrics": {
        "get": {
            "summary": "Prometheus metrics (loopback only, or with HEDGEROW_METRICS_TOKEN)",
            "responses": {"200": {"description": "text/plain exposition format"},
                          "401": _JSON_ERROR, "403": _JSON_ERROR},
        }
    },
}


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
        "paths": PATHS,
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
