"""Signing in: the start page, asking for a link by e-mail, the link's page and its "Sign in" button.

The link's GET only shows a page with one button (mail scanners open links); its POST uses the link
once, opens a session with a new secret (no fixation) and sends the browser to where it was going.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from chalicelib.errors import Unauthorized, ValidationFailed
from chalicelib.http.responses import HTML, cookie, read_cookie
from chalicelib.http.route import Call, Page, Redirect, route
from chalicelib.settings import get_settings
from chalicelib.validation import Email, RequestBody
from chalicelib.web import FORM, visitors

TAG = "Sign-in pages"


class SignInRequest(RequestBody):
    email: Email
    next: Annotated[str, StringConstraints(max_length=300)] | None = None


def _base() -> str:
    return get_settings().public_base_url


def _signed_in(call: Call) -> bool:
    from chalicelib import sessions
    from chalicelib.http.authenticators import session_cookie_name

    try:
        sessions.find(read_cookie(call.request.headers.get("cookie"), session_cookie_name()))
    except Unauthorized:
        return False
    return True


def source_ip(call: Call) -> str:
    identity = (call.request.context or {}).get("identity") or {}
    return str(identity.get("sourceIp") or "unknown")


@route(
    "GET",
    "/",
    summary="The start: the workspace when signed in, else the sign-in page",
    tag=TAG,
    auth="public",
    produces=HTML,
)
def start(call: Call) -> Redirect:
    return Redirect(f"{_base()}/desk" if _signed_in(call) else f"{_base()}/signin")


@route(
    "GET",
    "/signin",
    summary="The sign-in page: ask for a sign-in link by e-mail",
    tag=TAG,
    auth="visitor",
    produces=HTML,
    query={"next": "where to go after signing in (a path of this site)"},
)
def signin_page(call: Call) -> Page | Redirect:
    from chalicelib.signin import safe_next

    next_path = safe_next(call.query.get("next"))
    if _signed_in(call):
        return Redirect(f"{_base()}{next_path}")
    context = {"next": next_path, "email": "", "error": None}
    return Page("web/signin.html", context, headers=visitors.cookie_headers(call))


@route("POST", "/signin", summary="Mail me a sign-in link", tag=TAG, auth="visitor", produces=HTML, form=SignInRequest)
def request_link(call: Call) -> Page:
    from chalicelib import signin

    next_path = signin.safe_next(call.form.get("next"))
    try:
        request = call.valid_form()
    except ValidationFailed:
        context = {"next": next_path, "email": call.form.get("email", "")[:254], "error": "email"}
        return Page("web/signin.html", context, 422)
    signin.request_link(request.email, next_path, source_ip(call))
    return Page("web/signin_sent.html", {"email": request.email})


UNUSABLE = {410: "The link was used, has expired or is not one the desk made"}


@route(
    "GET",
    "/signin/{token}",
    summary="A sign-in link's page: one button",
    tag=TAG,
    auth="visitor",
    produces=HTML,
    responses=UNUSABLE,
)
def link_page(call: Call, token: str) -> Page:
    from chalicelib import signin

    try:
        view = signin.peek(token)
    except signin.LinkUnusable:
        return Page("web/signin_unusable.html", {}, 410, headers=visitors.cookie_headers(call))
    return Page("web/signin_link.html", {"link": view}, headers=visitors.cookie_headers(call))


@route(
    "POST",
    "/signin/{token}",
    summary="Use a sign-in link: a new session, and on to where you were going",
    tag=TAG,
    auth="visitor",
    produces=HTML,
    content_types=FORM,
    responses=UNUSABLE,
)
def use_link(call: Call, token: str) -> Page | Redirect:
    from chalicelib import signin
    from chalicelib.http.authenticators import session_cookie_name
    from chalicelib.sessions import LIFETIME

    try:
        secret, next_path = signin.consume(token, call.request.headers.get("user-agent") or "")
    except signin.LinkUnusable:
        return Page("web/signin_unusable.html", {}, 410)
    session_cookie = cookie(
        session_cookie_name(), secret, max_age=int(LIFETIME.total_seconds()), secure=not get_settings().is_local
    )
    return Redirect(f"{_base()}{signin.safe_next(next_path)}", {"Set-Cookie": session_cookie})
