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

PATHS: dict[str, Any] = {
    "/v1/challenge": {
        "get": {
            "summary": "Get an arithmetic challenge for a site",
            "parameters": [
                {"name": "sitekey", "in": "query", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {"200": _json(CHALLENGE), "400": _JSON_ERROR, "403": _JSON_ERROR},
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
                        "remoteip": _str("The visitor's IP (optional)"),
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
    "/healthz": {"get": {"summary": "Liveness", "responses": {"200": {"description": "Alive"}}}},
    "/readyz": {
        "get": {
            "summary": "Readiness (Redis reachable)",
            "responses": {"200": {"description": "Ready"}, "503": {"description": "Not ready"}},
        }
    },
    "/metrics": {
        "get": {
            "summary": "Prometheus metrics",
            "responses": {"200": {"description": "text/plain exposition format"}},
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
