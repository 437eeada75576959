"""The OpenAPI 3.1 document, generated from the routes' declarations and the same pydantic schemas that
validate request bodies and forms. Built once per container: it imports every view module, which is
fine off the cold path."""

from __future__ import annotations

import functools
import json
import re
import types
import typing
from typing import Any

from chalice import Response
from pydantic import TypeAdapter

from chalicelib.http.responses import FORM, JSON, PROBLEM_JSON
from chalicelib.http.route import Call, Endpoint, Page, Redirect, route

_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}, "code": {"type": "string"}},
            },
        },
    },
}
_SECURITY: dict[str, list[dict[str, list[str]]]] = {"bearer": [{"bearer": []}], "session": [{"session": []}]}


def _schema_ref(model: Any, schemas: dict[str, Any]) -> dict[str, str]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        schemas[name] = definition
    schemas[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _returns(endpoint: Endpoint) -> list[Any]:
    """What the view's return annotation says it may return, one type per member of a union."""
    returned = typing.get_type_hints(endpoint.view).get("return", Any)
    if typing.get_origin(returned) in (typing.Union, types.UnionType):
        return list(typing.get_args(returned))
    return [returned]


def _success(endpoint: Endpoint, schemas: dict[str, Any]) -> dict[str, Any]:
    """The 2xx/3xx responses: JSON bodies from the view's return annotation (TypedDicts), pages, redirects,
    204 for None."""
    found: dict[str, Any] = {}
    for returned in _returns(endpoint):
        if returned is type(None):
            found["204"] = {"description": "Nothing to return (e.g. no ticket is waiting)"}
        elif returned is Redirect:
            found["303"] = {"description": "See other (after a form post)"}
        elif returned in (Page, Response) or endpoint.produces != JSON:
            found[str(endpoint.status)] = {"description": "Success", "content": {endpoint.produces: {}}}
        else:
            schema = TypeAdapter(returned).json_schema(ref_template="#/components/schemas/{model}")
            for name, definition in schema.pop("$defs", {}).items():
                schemas[name] = definition
            name = getattr(returned, "__name__", None)
            if name and schema.get("type") == "object":  # a TypedDict: a named component, referenced
                schemas[name] = schema
                schema = {"$ref": f"#/components/schemas/{name}"}
            found[str(endpoint.status)] = {"description": "Success", "content": {JSON: {"schema": schema}}}
    return found


def _operation(endpoint: Endpoint, schemas: dict[str, Any]) -> dict[str, Any]:
    error_ref = (
        {"content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        if endpoint.errors == "problem"
        else {"content": {"text/html": {}}}
    )
    responses: dict[str, Any] = _success(endpoint, schemas)
    for known, text in (("400", "Malformed request"), ("404", "Not found"), ("409", "Conflict")):
        responses[known] = {"description": text, **error_ref}
    operation: dict[str, Any] = {
        "summary": endpoint.summary,
        "tags": [endpoint.tag],
        "operationId": f"{endpoint.method.lower()}_{re.sub(r'[^a-z0-9]+', '_', endpoint.path.lower()).strip('_')}",
        "responses": responses,
        "security": _SECURITY.get(endpoint.auth, []),
        "x-auth": endpoint.auth,
    }
    if endpoint.role:
        operation["x-required-role"] = endpoint.role
    if endpoint.auth == "session" and endpoint.method == "GET":
        responses["303"] = {"description": "Not signed in: to the sign-in page"}
    if endpoint.method != "GET" or endpoint.body is not None or endpoint.form is not None:
        # Chalice answers this before any view runs, so always as problem details (chalicelib.http.responses).
        responses["415"] = {
            "description": "The Content-Type is not one this route takes",
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    if endpoint.auth in ("bearer", "session"):
        responses["401"] = {"description": "Not signed in, or the token is not valid", **error_ref}
        responses["403"] = {"description": "Not allowed for this role (or a missing CSRF token)", **error_ref}
    if endpoint.auth == "visitor" and endpoint.method != "GET":  # sign-in forms: a token tied to a visitor cookie
        responses["403"] = {"description": "The form's token is missing or not this browser's", **error_ref}
    if endpoint.auth == "link":
        responses["403"] = {"description": "The link is not valid", **error_ref}
        responses["410"] = {"description": "The link has expired", **error_ref}
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", endpoint.path)
    ]
    parameters += [
        {"name": name, "in": "query", "required": False, "schema": param.schema(), "description": param.description}
        for name, param in endpoint.query.items()
    ]
    if endpoint.query:
        responses["422"] = {"description": "A query parameter (or the body) failed validation", **error_ref}
    if parameters:
        operation["parameters"] = parameters
    if endpoint.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {JSON: {"schema": _schema_ref(endpoint.body, schemas)}},
        }
        responses["422"] = {"description": "Body failed validation", **error_ref}
        responses["413"] = {"description": "Body too large", **error_ref}
    if endpoint.form is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {FORM: {"schema": _schema_ref(endpoint.form, schemas)}},
        }
        responses["422"] = {"description": "Form failed validation", **error_ref}
    for code, text in endpoint.responses.items():
        responses[str(code)] = {"description": text, **(error_ref if code >= 400 else {})}
    return operation


@functools.cache
def document(server_url: str | None = None) -> dict[str, Any]:
    from chalicelib.http.generate import import_views

    schemas: dict[str, Any] = {"Problem": _PROBLEM_SCHEMA}
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in import_views():
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _operation(endpoint, schemas)
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Service desk API",
            "version": "1.0.0",
            "description": "Tickets, tips, customer karma and badges. Errors are application/problem+json; "
            "pages for people (text/html) answer errors with a page.",
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "__Host-sd_session"},
            },
        },
    }
    if server_url:
        doc["servers"] = [{"url": server_url}]
    return doc


@functools.cache
def _encoded() -> str:
    """The document as sent: built and encoded once per container (it changes only with a deployment)."""
    return json.dumps(document(), ensure_ascii=False)


@route("GET", "/openapi.json", summary="This document", tag="Meta", auth="public")
def openapi(call: Call) -> Response:
    return Response(body=_encoded(), status_code=200, headers={"Content-Type": JSON, "Cache-Control": "no-store"})
