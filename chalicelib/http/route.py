"""One declaration per route: method, path, authenticator, role, body or form schema, error style, OpenAPI.

    @route("POST", "/tickets/{ticket_id}/resolve", summary="Resolve", tag="Tickets")
    def resolve(call: Call, ticket_id: str) -> dict[str, Any]: ...

A view gets a parsed `Call` (who is calling, the validated body, the query, the locale) and returns plain
data (JSON), a `Page` (rendered in the caller's language with the layout, CSRF token and script nonce),
`None` (204) or a Chalice `Response`. Domain errors become RFC 9457 problem details on the JSON API and a
friendly page for people, here and nowhere else.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from chalice import Response

from chalicelib import observability
from chalicelib.errors import DomainError, ManagersOnly, Unauthorized
from chalicelib.http import body as bodies
from chalicelib.http.authenticators import Identity, authenticator
from chalicelib.http.responses import FORM, HTML, JSON, html_response, json_response, problem, see_other
from chalicelib.i18n import choose_locale

if TYPE_CHECKING:
    from chalice.app import Request
    from pydantic import BaseModel

    from chalicelib.auth import Principal
    from chalicelib.db.prefetch import Key
    from chalicelib.links import LinkClaims

logger = logging.getLogger(__name__)

Role = Literal["agent", "manager"]
ErrorStyle = Literal["problem", "page"]
# The items a view reads by key, from the caller's company id and the path's parameters:
# (model, hash key, range key or None) each, read with the credential (chalicelib/db/prefetch.py).
Reads = Callable[[str, Mapping[str, str]], Sequence["Key"]]


@dataclass(frozen=True)
class Param:
    """A query parameter: documented and checked before the view runs (a bad value is a 422 field error)."""

    description: str
    kind: Literal["string", "integer", "date", "enum"] = "string"
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()
    pattern: str | None = None
    max_length: int = 200

    def check(self, name: str, raw: str) -> None:
        from chalicelib.errors import ValidationFailed

        message = self.problem(raw)
        if message:
            field_error = {"field": f"query.{name}", "message": message, "code": "query_parameter"}
            raise ValidationFailed(f"Query parameter {name} is not valid.", [field_error])

    def problem(self, raw: str) -> str | None:
        import datetime
        import re

        if self.kind == "integer":
            if not re.fullmatch(r"[0-9]{1,9}", raw):
                return "must be a whole number"
            if (self.minimum is not None and int(raw) < self.minimum) or (
                self.maximum is not None and int(raw) > self.maximum
            ):
                return f"must be from {self.minimum} to {self.maximum}"
        elif self.kind == "date":
            try:
                if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
                    raise ValueError
                datetime.date.fromisoformat(raw)
            except ValueError:
                return "must be a date as YYYY-MM-DD"
        elif self.kind == "enum":
            if raw not in self.choices:
                return f"must be one of {', '.join(self.choices)}"
        elif len(raw) > self.max_length or (self.pattern and not re.fullmatch(self.pattern, raw)):
            return "is not valid"
        return None

    def schema(self) -> dict[str, Any]:
        if self.kind == "integer":
            found: dict[str, Any] = {"type": "integer"}
            if self.minimum is not None:
                found["minimum"] = self.minimum
            if self.maximum is not None:
                found["maximum"] = self.maximum
            return found
        if self.kind == "date":
            return {"type": "string", "format": "date"}
        if self.kind == "enum":
            return {"type": "string", "enum": list(self.choices)}
        found = {"type": "string", "maxLength": self.max_length}
        if self.pattern:
            found["pattern"] = f"^{self.pattern}$"
        return found


LIMIT = Param("Items per page, 1-100 (default 50)", "integer", 1, 100)
CURSOR = Param("The next_cursor of the previous page", pattern=r"[A-Za-z0-9_.-]{1,1500}", max_length=1500)
PAGED = {"limit": LIMIT, "cursor": CURSOR}
PERIOD = {
    "from": Param("First day, YYYY-MM-DD (default: 30 days before the last)", "date"),
    "to": Param("Last day, YYYY-MM-DD (default: today)", "date"),
}
ID = r"[a-z]{2,4}_[A-Za-z0-9_-]{16,64}"


@dataclass(frozen=True)
class Page:
    """A page for people: a template under chalicelib/*/templates and its context."""

    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    status: int = 200
    headers: Mapping[str, str | list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Redirect:
    """See other: after a form post, or to another page."""

    location: str
    headers: Mapping[str, str | list[str]] = field(default_factory=dict)


@dataclass
class Call:
    """A parsed request, as a view sees it."""

    endpoint: Endpoint
    request: Request
    path_params: Mapping[str, str]
    identity: Identity = field(default_factory=Identity)
    body: Any = None
    locale: str = "en"
    _nonce: str | None = None
    _form: dict[str, str] | None = None
    cache: dict[str, Any] = field(default_factory=dict)  # what a view and its route's hooks both read, once

    @property
    def who(self) -> Principal:
        if self.identity.principal is None:  # only on routes whose authenticator names nobody
            raise RuntimeError("this route has no authenticated principal")
        return self.identity.principal

    @property
    def link(self) -> LinkClaims:
        if self.identity.link is None:
            raise RuntimeError("this route is not reached through a signed link")
        return self.identity.link

    @property
    def query(self) -> Mapping[str, str]:
        return dict(self.request.query_params or {})

    @property
    def client_ip(self) -> str | None:
        """The caller's address as API Gateway saw it (never a header the caller could set)."""
        identity = (self.request.context or {}).get("identity") or {}
        value = identity.get("sourceIp")
        return str(value) if value else None

    @property
    def nonce(self) -> str:
        """The page's script nonce (made on first use; the page's CSP allows exactly it)."""
        if self._nonce is None:
            self._nonce = secrets.token_urlsafe(16)
        return self._nonce

    @property
    def csrf_token(self) -> str:
        return self.identity.csrf_token or ""

    @property
    def form(self) -> dict[str, str]:
        """The url-encoded form body as single values (the last one wins)."""
        if self._form is None:
            self._form = bodies.form_fields(self.request.raw_body)
        return self._form

    def valid_form(self, schema: type[BaseModel] | None = None) -> Any:
        """The form validated by `schema` (default: the route's `form`); ValidationFailed when it is not."""
        from chalicelib.validation import validate

        target = schema or self.endpoint.form
        if target is None:
            raise RuntimeError("this route declares no form")
        names = set(target.model_fields)
        return validate(target, {k: v for k, v in self.form.items() if k in names and v.strip()}, strict=False)


@dataclass(frozen=True)
class Endpoint:
    """A declared route: what the decorator enforces is what the OpenAPI document says."""

    method: str
    path: str
    module: str
    view: Callable[..., Any]
    summary: str
    tag: str
    auth: str = "bearer"
    role: Role | None = "agent"
    link: str | None = None
    body: type[BaseModel] | None = None
    form: type[BaseModel] | None = None
    status: int = 200
    query: Mapping[str, Param] = field(default_factory=dict)
    produces: str = JSON
    content_types: tuple[str, ...] = (JSON,)
    errors: ErrorStyle = "problem"
    responses: Mapping[int, str] = field(default_factory=dict)
    # extra headers for every answer of the route, errors included (CORS: a browser reads neither without)
    cors: Callable[[Call], Mapping[str, str]] | None = None
    company: tuple[str, ...] = ()  # parts of the caller's company item the view uses (chalicelib/auth)
    reads: Reads | None = None  # items the view reads by key, read with the credential

    def handle(self, request: Request, path_params: Mapping[str, str]) -> Response:
        from chalicelib.db import prefetch

        call = Call(self, request, path_params)
        with prefetch.scope():
            response = self._respond(call)
        if self.cors is not None:
            response.headers.update(self.cors(call))
        return response

    def _respond(self, call: Call) -> Response:
        request = call.request
        try:
            call.locale = choose_locale(None, request.headers.get("accept-language"))  # for errors before auth
            call.identity = authenticator(self.auth)(call)
            call.locale = choose_locale(call.identity.locale, request.headers.get("accept-language"))
            if call.identity.principal is not None:
                observability.bind(company_id=call.identity.principal.company_id)
                if self.role == "manager" and not call.identity.principal.is_manager:
                    raise ManagersOnly()  # a page in the person's own language says so
            for name, value in call.query.items():
                if name in self.query:
                    self.query[name].check(name, value)
            if self.body is not None:
                call.body = bodies.parse_json_body(self.body, request.raw_body)
            result = self.view(call, **call.path_params)
        except DomainError as error:
            return self.error_response(call, error)
        return self.render(call, result)

    def render(self, call: Call, result: Any) -> Response:
        if isinstance(result, Response):
            return result
        if isinstance(result, Page):
            return render_page(call, result)
        if isinstance(result, Redirect):
            return see_other(result.location, result.headers)
        if result is None:
            return Response(body="", status_code=204, headers={"Cache-Control": "no-store"})
        return json_response(result, self.status)

    def error_response(self, call: Call, error: DomainError) -> Response:
        if self.errors == "problem":
            headers = {"WWW-Authenticate": 'Bearer realm="servicedesk"'} if error.status == 401 else None
            return problem(error.status, error.slug, error.title, error.detail, error.errors, headers)
        if isinstance(error, Unauthorized) and self.auth == "session" and self.method == "GET":
            from chalicelib.settings import get_settings

            return see_other(f"{get_settings().public_base_url}/signin?next={quote(call.request.path or '/')}")
        page = error_page(error)
        if self.auth == "link":  # a customer's link names their language and company, even once expired
            page = for_link_reader(call, page)
        return render_page(call, page)


def error_page(error: DomainError) -> Page:
    return Page(
        "pages/error.html",
        {"title": error.title, "detail": error.detail, "status": error.status, "errors": error.errors},
        error.status,
    )


def for_link_reader(call: Call, page: Page) -> Page:
    """The page in the language of the customer the route's link names (else the browser's), with the company's
    name when the link still says which."""
    from chalicelib.pages.reader import of_link

    reader = of_link(call.endpoint.link or "", call.path_params.get("link", ""))
    call.locale = reader.locale or call.locale
    return Page(page.template, {**page.context, "company_name": reader.company_name}, page.status, page.headers)


def render_page(call: Call, page: Page) -> Response:
    from chalicelib.pages import render
    from chalicelib.settings import get_settings

    context = {
        "title": "",
        **page.context,
        "base": get_settings().public_base_url,
        "locale": call.locale,
        "nonce": call.nonce,
        "csrf_token": call.csrf_token,
        "principal": call.identity.principal,
    }
    html = render(page.template, **context)
    return html_response(html, page.status, nonce=call.nonce, headers=page.headers)


# Every declared endpoint by (method, path); filled as view modules are imported.
ENDPOINTS: dict[tuple[str, str], Endpoint] = {}


def endpoint_for(method: str, path: str) -> Endpoint:
    return ENDPOINTS[(method, path)]


def route(
    method: str,
    path: str,
    *,
    summary: str,
    tag: str,
    auth: str = "bearer",
    role: Role | None = "agent",
    link: str | None = None,
    body: type[BaseModel] | None = None,
    form: type[BaseModel] | None = None,
    status: int = 200,
    query: Mapping[str, Param | str] | None = None,
    produces: str = JSON,
    content_types: list[str] | None = None,
    errors: ErrorStyle | None = None,
    responses: Mapping[int, str] | None = None,
    cors: Callable[[Call], Mapping[str, str]] | None = None,
    company: tuple[str, ...] = (),
    reads: Reads | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare the decorated view as `method path`. `auth` names a registered authenticator ("public",
    "bearer", "session", "link" with the link's purpose in `link`); `role` applies to employees. Errors are
    problem+json unless the route produces HTML for people (`errors="page"`). `company`: the parts of
    the caller's company item the view uses ("staff", "loads", "settings", "canned"), read with the
    credential. `reads`: the items the view reads by key (e.g. the ticket its path names), read with the
    credential too."""
    from chalicelib.db.prefetch import COMPANY_PARTS

    if set(company) - set(COMPANY_PARTS):
        raise ValueError(f"{method} {path}: unknown company parts {company}")
    if auth == "link" and not link:
        raise ValueError(f"{method} {path}: a link route names its link's purpose")
    if auth in ("public", "link"):
        role = None
    style: ErrorStyle = errors or ("page" if produces == HTML else "problem")
    types = tuple(content_types or ([FORM] if form is not None else [JSON]))

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        endpoint = Endpoint(
            method,
            path,
            view.__module__,
            view,
            summary,
            tag,
            auth,
            role,
            link,
            body,
            form,
            status,
            {name: Param(spec) if isinstance(spec, str) else spec for name, spec in (query or {}).items()},
            produces,
            types,
            style,
            dict(responses or {}),
            cors,
            tuple(company),
            reads,
        )
        if ENDPOINTS.setdefault((method, path), endpoint) is not endpoint:
            raise ValueError(f"{method} {path} is declared twice")
        return view

    return decorate
