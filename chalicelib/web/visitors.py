"""The `visitor` authenticator: people who are not signed in yet, on forms that change something (asking
for a sign-in link, pressing "Sign in"). A random visitor cookie (HttpOnly, SameSite=Lax) and a form
token derived from it: a post from another site carries neither, so it is refused (403), and nobody can
sign a victim's browser in to the attacker's account (login CSRF)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

from chalicelib.errors import Forbidden
from chalicelib.http.authenticators import CSRF_FIELD, CSRF_HEADER, UNSAFE_METHODS, Identity, register
from chalicelib.http.responses import cookie, read_cookie

if TYPE_CHECKING:
    from chalicelib.http.route import Call

MAX_AGE = 24 * 3600
PREFIX = "sdv_"


def cookie_name() -> str:
    from chalicelib.settings import get_settings

    return "sd_visitor" if get_settings().is_local else "__Host-sd_visitor"


def form_token(value: str) -> str:
    from chalicelib.keys import derive_key

    return hmac.new(derive_key("visitor-csrf"), value.encode(), hashlib.sha256).hexdigest()[:43]


def _valid(value: str | None) -> bool:
    return bool(value) and (value or "").startswith(PREFIX) and 20 <= len(value or "") <= 80


def authenticate(call: Call) -> Identity:
    from chalicelib.settings import get_settings

    value = read_cookie(call.request.headers.get("cookie"), cookie_name())
    if call.request.method in UNSAFE_METHODS:
        sent = call.request.headers.get(CSRF_HEADER) or _posted_token(call)
        if not _valid(value) or not sent or not hmac.compare_digest(form_token(value or ""), sent):
            raise Forbidden("This form has expired or did not come from this site. Reload the page and try again.")
        return Identity(csrf=form_token(value or ""))
    if _valid(value):
        return Identity(csrf=form_token(value or ""))
    fresh = PREFIX + secrets.token_urlsafe(24)
    set_cookie = cookie(cookie_name(), fresh, max_age=MAX_AGE, secure=not get_settings().is_local)
    return Identity(csrf=form_token(fresh), set_cookie=set_cookie)


def _posted_token(call: Call) -> str | None:
    content_type = (call.request.headers.get("content-type") or "").split(";")[0].strip().lower()
    return call.form.get(CSRF_FIELD) if content_type == "application/x-www-form-urlencoded" else None


def cookie_headers(call: Call) -> dict[str, str | list[str]]:
    """The visitor cookie, when this request is the visitor's first."""
    return {"Set-Cookie": call.identity.set_cookie} if call.identity.set_cookie else {}


register("visitor", authenticate)
