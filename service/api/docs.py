"""``GET /docs``: the API reference for people, rendered on the server from the spec.

The page is plain HTML and one stylesheet from this service: no script, nothing from a
CDN, so it works offline and under the strictest CSP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, make_response, render_template

from service.api.openapi import spec
from service.api.widget import serve_asset

bp = Blueprint("docs", __name__)

CSP = ("default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'; "
       "frame-ancestors 'none'")
METHODS = ("get", "post", "put", "patch", "delete", "options")


@dataclass(frozen=True)
class Field:
    """One field of a request or response, as a row of a table."""

    name: str
    type: str
    required: bool
    description: str


@dataclass
class Answer:
    """One documented response of an operation."""

    status: str
    description: str
    media_types: list[str]
    fields: list[Field]


@dataclass
class Operation:
    """One method on one path."""

    method: str
    path: str
    summary: str
    description: str
    secured: bool
    parameters: list[Field] = field(default_factory=list)
    body_types: list[str] = field(default_factory=list)
    body: list[Field] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        """The id of the operation's section."""
        return f"{self.method}-{self.path.strip('/').replace('/', '-') or 'root'}"


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        return dict(components[ref.rsplit("/", 1)[1]])
    return schema


def type_of(schema: dict[str, Any]) -> str:
    """A short name for a schema's type: ``string``, ``integer | string``, ``"SHA-256"``…"""
    if "const" in schema:
        return repr(schema["const"]).replace("'", '"')
    if "enum" in schema:
        return " | ".join(f'"{value}"' for value in schema["enum"])
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        return " | ".join(kind)
    if kind == "array":
        return f"array of {type_of(schema.get('items', {}))}"
    return str(kind)


def fields_of(schema: dict[str, Any], components: dict[str, Any], prefix: str = ""
              ) -> list[Field]:
    """The properties of an object schema as rows; nested objects as ``outer.inner``."""
    schema = _resolve(schema, components)
    required = set(schema.get("required", ()))
    rows = []
    for name, raw in schema.get("properties", {}).items():
        prop = _resolve(raw, components)
        rows.append(Field(prefix + name, type_of(prop), name in required,
                          prop.get("description", "")))
        if prop.get("type") == "object" and prop.get("properties"):
            rows.extend(fields_of(prop, components, f"{prefix}{name}."))
    return rows


def operations(document: dict[str, Any]) -> list[Operation]:
    """Every operation of an OpenAPI document, in the document's order."""
    components = document.get("components", {}).get("schemas", {})
    found = []
    for path, item in document["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            raw = item[method]
            operation = Operation(method.upper(), path, raw.get("summary", ""),
                                  raw.get("description", ""), bool(raw.get("security")))
            for parameter in raw.get("parameters", ()):
                operation.parameters.append(Field(
                    parameter["name"], type_of(parameter.get("schema", {})),
                    bool(parameter.get("required")), parameter.get("description", "")))
            content = raw.get("requestBody", {}).get("content", {})
            operation.body_types = list(content)
            if content:
                operation.body = fields_of(next(iter(content.values()))["schema"], components)
            for status, answer in raw.get("responses", {}).items():
                media = answer.get("content", {})
                schemas = [m["schema"] for m in media.values() if "schema" in m]
                operation.answers.append(Answer(
                    status, answer.get("description", ""), list(media),
                    fields_of(schemas[0], components) if schemas else []))
            found.append(operation)
    return found


@bp.get("/docs")
def docs_page() -> Response:
    """The API reference."""
    document = spec()
    response = make_response(render_template(
        "docs.html", info=document["info"], operations=operations(document)))
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/docs/docs.css")
def docs_css() -> Response:
    """The reference's stylesheet."""
    return serve_asset("docs.css", cross_origin=False)
