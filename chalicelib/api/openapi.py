"""The OpenAPI 3.1 document, generated from the routes' declarations and the same pydantic schemas
that validate request bodies."""

from __future__ import annotations

import re
from typing import Any

from chalicelib.api.http import ENDPOINTS, PROBLEM_JSON, Endpoint

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


def _operation(endpoint: Endpoint, schemas: dict[str, Any]) -> dict[str, Any]:
    problem_ref = {"content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    responses: dict[str, Any] = {str(endpoint.status): {"description": "Success"}}
    if endpoint.produces != "application/json":
        responses[str(endpoint.status)]["content"] = {endpoint.produces: {}}
    for code, text in (("400", "Malformed request"), ("404", "Not found"), ("409", "Conflict")):
        responses[code] = {"description": text, **problem_ref}
    operation: dict[str, Any] = {
        "summary": endpoint.summary,
        "tags": [endpoint.tag],
        "operationId": f"{endpoint.method.lower()}_{re.sub(r'[^a-z0-9]+', '_', endpoint.path.lower()).strip('_')}",
        "responses": responses,
    }
    if endpoint.auth in ("employee", "manager"):
        operation["security"] = [{"bearer": []}]
        responses["401"] = {"description": "Missing or invalid token", **problem_ref}
        responses["403"] = {"description": "Not allowed for this role", **problem_ref}
    else:
        operation["security"] = []
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", endpoint.path)
    ]
    parameters += [
        {"name": name, "in": "query", "required": False, "schema": {"type": "string"}, "description": text}
        for name, text in endpoint.query.items()
    ]
    if parameters:
        operation["parameters"] = parameters
    if endpoint.body is not None:
        schema = endpoint.body.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in schema.pop("$defs", {}).items():
            schemas[name] = definition
        schemas[endpoint.body.__name__] = schema
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{endpoint.body.__name__}"}}},
        }
        responses["422"] = {"description": "Body failed validation", **problem_ref}
    return operation


def document(server_url: str | None = None) -> dict[str, Any]:
    schemas: dict[str, Any] = {"Problem": _PROBLEM_SCHEMA}
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in ENDPOINTS:
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _operation(endpoint, schemas)
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Service desk API",
            "version": "1.0.0",
            "description": "Tickets, tips, customer karma and badges. Errors are application/problem+json.",
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
    if server_url:
        doc["servers"] = [{"url": server_url}]
    return doc
