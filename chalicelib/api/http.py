"""The HTTP layer: one decorator declares a route, its auth, its body schema and its OpenAPI entry.

Each view gets a parsed `Call` (principal, validated body, query) and returns plain data; domain
errors become RFC 9457 problem responses here, so views and domain code never build errors.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl

from chalice import Blueprint, Response
from chalice.app import Request
from pydantic import BaseModel

from chalicelib import observability
from chalicelib.auth import Principal, authenticate
from chalicelib.errors import DomainError, MalformedRequest, ValidationFailed
from chalicelib.pages import PAGE_HEADERS, error_page
from chalicelib.validation import parse_body

Auth = Literal["public", "employee", "manager", "link"]
PROBLEM_JSON = "application/problem+json"
JSON = "application/json"
HTML = "text/html"
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Endpoint:
    """What the OpenAPI document says of a route; also what the decorator enforces."""

    path: str
    method: str
    summary: str
    auth: Auth
    tag: str
    body: type[BaseModel] | None = None
    status: int = 200
    query: Mapping[str, str] = field(default_factory=dict)
    produces: str = JSON


ENDPOINTS: list[Endpoint] = []


@dataclass
class Call:
    """A parsed request, as a view sees it."""

    request: Request
    principal: Principal | None
    body: Any
    query: Mapping[str, str]

    @property
    def who(self) -> Principal:
        if self.principal is None:  # only on routes declared public or link
            raise RuntimeError("this route has no authenticated principal")
        return self.principal


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {"type": f"/problems/{slug}", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    all_headers: dict[str, str | list[str]] = {"Content-Type": PROBLEM_JSON, "Cache-Control": "no-store"}
    all_headers.update(headers or {})
    return Response(body=json.dumps(body), status_code=status, headers=all_headers)


def problem_from(error: DomainError) -> Response:
    headers = {"WWW-Authenticate": 'Bearer realm="servicedesk"'} if error.status == 401 else None
    return problem(error.status, error.slug, error.title, error.detail, error.errors, headers)


def html_response(page: str, status: int = 200) -> Response:
    return Response(body=page, status_code=status, headers=dict(PAGE_HEADERS))


def html_error(error: DomainError) -> Response:
    return html_response(error_page(error.status, error.title, error.detail), error.status)


def see_other(location: str) -> Response:
    """303 after a form post, so reloading the page does not post again."""
    return Response(body="", status_code=303, headers={"Location": location, **PAGE_HEADERS})


def form_fields(request: Request) -> dict[str, str]:
    """An url-encoded form body as single values (the last one wins)."""
    raw = request.raw_body or b""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=50)
    except ValueError:
        raise MalformedRequest("The form has too many fields.") from None
    return dict(pairs)


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    all_headers: dict[str, str | list[str]] = {"Content-Type": JSON, "Cache-Control": "no-store"}
    all_headers.update(headers or {})
    return Response(body=json.dumps(data, ensure_ascii=False), status_code=status, headers=all_headers)


def query_int(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    if not re.fullmatch(r"[0-9]{1,6}", raw) or not low <= int(raw) <= high:
        raise ValidationFailed(
            f"Query parameter {name} is not valid.",
            [{"field": f"query.{name}", "message": f"must be a whole number from {low} to {high}", "code": "range"}],
        )
    return int(raw)


def query_choice(query: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str | None:
    raw = query.get(name)
    if raw is None:
        return None
    if raw not in choices:
        raise ValidationFailed(
            f"Query parameter {name} is not valid.",
            [{"field": f"query.{name}", "message": f"must be one of {', '.join(choices)}", "code": "enum"}],
        )
    return raw


def route(
    bp: Blueprint,
    path: str,
    method: str,
    *,
    summary: str,
    tag: str,
    auth: Auth = "employee",
    body: type[BaseModel] | None = None,
    status: int = 200,
    query: Mapping[str, str] | None = None,
    produces: str = JSON,
    content_types: list[str] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a view on `bp`: authenticate, parse the body, call the view, render errors
    (as problem+json, or as a friendly page for routes that produce HTML)."""
    endpoint = Endpoint(path, method, summary, auth, tag, body, status, dict(query or {}), produces)
    ENDPOINTS.append(endpoint)

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def handler(**path_params: str) -> Response:
            request = bp.current_request
            try:
                principal = None
                if auth in ("employee", "manager"):
                    principal = authenticate(request.headers.get("authorization"))
                    observability.bind(company_id=principal.company_id)
                    if auth == "manager":
                        principal.require_manager()
                parsed = parse_body(body, request.raw_body) if body is not None else None
                call = Call(request, principal, parsed, dict(request.query_params or {}))
                result = view(call, **path_params)
            except DomainError as error:
                return html_error(error) if produces == HTML else problem_from(error)
            if isinstance(result, Response):
                return result
            if result is None:
                return Response(body="", status_code=204)
            return json_response(result, status)

        types = content_types or [JSON]
        bp.route(path, methods=[method], content_types=types)(handler)
        return view

    return decorate


# Chalice answers some requests itself (unknown method, wrong content type, unhandled errors) with
# {"Code", "Message"} bodies; this middleware gives those the same problem+json shape.
_CHALICE_ERRORS = {
    400: ("malformed-request", "Malformed request"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    415: ("unsupported-media-type", "Unsupported media type"),
    500: ("internal-error", "Internal server error"),
}


def problem_middleware(event: Any, get_response: Callable[[Any], Response]) -> Response:
    response = get_response(event)
    if response.status_code < 400 or not isinstance(response.body, dict) or "Code" not in response.body:
        return response
    slug, title = _CHALICE_ERRORS.get(response.status_code, ("error", "Error"))
    detail = "An internal error occurred." if response.status_code >= 500 else str(response.body.get("Message"))
    headers = {k: str(v) for k, v in response.headers.items() if k.lower() == "allow"}
    return problem(response.status_code, slug, title, detail, headers=headers)
