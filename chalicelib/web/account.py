"""A signed-in person's own account: their sessions (listed, revocable) and signing out."""

from __future__ import annotations

from typing import Any

from chalicelib import sessions
from chalicelib.clock import iso
from chalicelib.http.authenticators import session_cookie_name
from chalicelib.http.responses import HTML, cookie
from chalicelib.http.route import Call, Page, Redirect, route
from chalicelib.i18n import N_
from chalicelib.settings import get_settings
from chalicelib.web import FORM

TAG = "Account pages"
LANGUAGES = (("en", "English"), ("ru", "Русский"))  # each in its own language


def _base() -> str:
    return get_settings().public_base_url


def clear_session_cookie() -> dict[str, str | list[str]]:
    return {"Set-Cookie": cookie(session_cookie_name(), "", max_age=0, secure=not get_settings().is_local)}


@route("GET", "/account/sessions", summary="Your signed-in browsers", tag=TAG, auth="session", produces=HTML)
def list_sessions(call: Call) -> Page:
    current = call.identity.session.record.session_id if call.identity.session else None
    rows: list[dict[str, Any]] = [
        {
            "session_id": s.session_id,
            "user_agent": s.user_agent or "",
            "created_at": iso(s.created_at),
            "last_seen_at": iso(s.last_seen_at),
            "current": s.session_id == current,
        }
        for s in sessions.of_employee(call.who.company_id, call.who.employee_id)
    ]
    from chalicelib.web.chrome import staff_page

    return staff_page(
        call, "web/sessions.html", {"title": N_("Signed-in browsers"), "sessions": rows}, current="account"
    )


@route(
    "POST",
    "/account/sessions/{session_id}/revoke",
    summary="Sign one of your browsers out",
    tag=TAG,
    auth="session",
    produces=HTML,
    content_types=FORM,
)
def revoke_session(call: Call, session_id: str) -> Redirect:
    sessions.revoke(call.who.company_id, call.who.employee_id, session_id)
    return Redirect(f"{_base()}/account/sessions")


@route(
    "POST",
    "/signout",
    summary="Sign out: this browser's session ends",
    tag=TAG,
    auth="session",
    produces=HTML,
    content_types=FORM,
)
def sign_out(call: Call) -> Redirect:
    if call.identity.session is not None:
        sessions.end(call.identity.session.secret)
    return Redirect(f"{_base()}/signin", clear_session_cookie())


@route(
    "GET",
    "/account/profile",
    summary="Your account: the language of your pages",
    tag=TAG,
    auth="session",
    produces=HTML,
)
def profile(call: Call) -> Page:
    from chalicelib.web.chrome import staff_page

    return staff_page(
        call, "web/profile.html", {"title": N_("Your account"), "languages": LANGUAGES}, current="account"
    )


@route(
    "POST",
    "/account/profile",
    summary="Choose the language of your pages",
    tag=TAG,
    auth="session",
    produces=HTML,
    content_types=FORM,
)
def save_profile(call: Call) -> Redirect:
    from chalicelib import employees

    wanted = call.form.get("locale", "")
    if wanted in dict(LANGUAGES):
        employees.set_locale(call.who.company_id, call.who.employee_id, wanted)
    return Redirect(f"{_base()}/account/profile?notice=saved")
