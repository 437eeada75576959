"""Responses: problem details (RFC 9457), JSON, pages, redirects and cookies.

Imported at cold start (the problem middleware lives here), so it imports only the standard library
and Chalice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from chalice import Response

PROBLEM_JSON = "application/problem+json"
JSON = "application/json"
HTML = "text/html"
FORM = "application/x-www-form-urlencoded"
CSV = "text/csv"

Headers = dict[str, str | list[str]]

# Pages for people: nothing may frame them, no referrer leaks a link, scripts only with the page's nonce.
_PAGE_POLICY = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
PAGE_HEADERS: dict[str, str] = {
    "Content-Type": "text/html; charset=utf-8",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": _PAGE_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def content_security_policy(nonce: str | None, form_targets: tuple[str, ...] = ()) -> str:
    """The page policy; a page with scripts allows exactly those carrying its nonce. `form_targets`: other
    origins a form's submission may end on (browsers check form-action along the redirects too)."""
    policy = _PAGE_POLICY
    if form_targets:
        policy = policy.replace("form-action 'self'", " ".join(("form-action 'self'", *form_targets)))
    if not nonce:
        return policy
    return f"{policy}; script-src 'nonce-{nonce}' 'self'; connect-src 'self'"


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
    all_headers: Headers = {"Content-Type": PROBLEM_JSON, "Cache-Control": "no-store"}
    all_headers.update(headers or {})
    return Response(body=json.dumps(body), status_code=status, headers=all_headers)


def json_response(data: Any, status: int = 200, headers: Mapping[str, str | list[str]] | None = None) -> Response:
    all_headers: Headers = {"Content-Type": JSON, "Cache-Control": "no-store"}
    all_headers.update(headers or {})
    return Response(body=json.dumps(data, ensure_ascii=False), status_code=status, headers=all_headers)


def html_response(
    page: str, status: int = 200, nonce: str | None = None, headers: Mapping[str, str | list[str]] | None = None
) -> Response:
    all_headers: Headers = {**PAGE_HEADERS, "Content-Security-Policy": content_security_policy(nonce)}
    all_headers.update(headers or {})
    return Response(body=page, status_code=status, headers=all_headers)


def see_other(location: str, headers: Mapping[str, str | list[str]] | None = None) -> Response:
    """303 after a form post, so reloading the page does not post again."""
    all_headers: Headers = {**PAGE_HEADERS, "Location": location}
    all_headers.update(headers or {})
    return Response(body="", status_code=303, headers=all_headers)


def cookie(name: str, value: str, *, max_age: int, secure: bool, http_only: bool = True) -> str:
    """A Set-Cookie value: host-only, whole site, SameSite=Lax (top-level navigations keep it, cross-site posts
    do not); `max_age=0` deletes it."""
    parts = [f"{name}={value}", "Path=/", f"Max-Age={max_age}", "SameSite=Lax"]
    if http_only:
        parts.append("HttpOnly")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def read_cookie(header: str | None, name: str) -> str | None:
    for part in (header or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None


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
