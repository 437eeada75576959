"""Pluggable authenticators: a route names one, and it turns the request into an `Identity`.

- `public`: nobody in particular.
- `bearer`: an API token (integrations and scripts), `Authorization: Bearer ...`.
- `session`: a person in a browser, by the session cookie; every unsafe method must also carry the
  session's CSRF token (form field `csrf_token` or header `X-CSRF-Token`), or it is refused: fail closed.
- `link`: a signed link customers get by e-mail, verified for the route's purpose before anything is read.

More can be registered with `register` (name -> callable).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.errors import Forbidden
from chalicelib.http.responses import read_cookie

if TYPE_CHECKING:
    from chalicelib.auth import Principal
    from chalicelib.db.prefetch import KeysFor
    from chalicelib.http.route import Call
    from chalicelib.links import LinkClaims
    from chalicelib.sessions import OpenSession

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class Identity:
    principal: Principal | None = None
    link: LinkClaims | None = None
    session: OpenSession | None = None
    locale: str | None = None
    csrf: str | None = None  # a form token of a visitor without a session (sign-in forms)
    set_cookie: str | None = None  # a Set-Cookie value the authenticator needs sent back (a visitor's first page)

    @property
    def csrf_token(self) -> str | None:
        return self.session.csrf_token if self.session else self.csrf


Authenticator = Callable[["Call"], Identity]
_AUTHENTICATORS: dict[str, Authenticator] = {}


def register(name: str, authenticator: Authenticator) -> None:
    _AUTHENTICATORS[name] = authenticator


def authenticator(name: str) -> Authenticator:
    return _AUTHENTICATORS[name]


def names() -> list[str]:
    return sorted(_AUTHENTICATORS)


def session_cookie_name() -> str:
    """`__Host-` cookies must be Secure, host-only and for the whole site: the browser enforces it."""
    from chalicelib.settings import get_settings

    return "sd_session" if get_settings().is_local else "__Host-sd_session"


def _public(call: Call) -> Identity:
    return Identity()


def _reads(call: Call) -> KeysFor | None:
    """The items the route's view reads by key, for the company the credential names."""
    reads = call.endpoint.reads
    if reads is None:
        return None
    return lambda company_id: reads(company_id, call.path_params)


def _bearer(call: Call) -> Identity:
    from chalicelib.auth import authenticate

    authorization = call.request.headers.get("authorization")
    return Identity(principal=authenticate(authorization, call.endpoint.company, _reads(call)))


def _session(call: Call) -> Identity:
    from chalicelib import sessions

    # Read only: the desk's pulse records the visit (chalicelib/sessions `seen`).
    secret = read_cookie(call.request.headers.get("cookie"), session_cookie_name())
    opened = sessions.find(secret, parts=call.endpoint.company, reads=_reads(call))
    if call.request.method in UNSAFE_METHODS:
        sent = call.request.headers.get(CSRF_HEADER) or _form_token(call)
        if not sessions.csrf_matches(opened.secret, sent):
            raise Forbidden("This form has expired or did not come from this site. Reload the page and try again.")
    return Identity(principal=opened.principal, session=opened, locale=opened.locale)


def _form_token(call: Call) -> str | None:
    content_type = (call.request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return None
    return call.form.get(CSRF_FIELD)


def _link(call: Call) -> Identity:
    from chalicelib import links

    purpose = call.endpoint.link or ""
    return Identity(link=links.verify(purpose, call.path_params.get("link", "")))


for _name, _function in (("public", _public), ("bearer", _bearer), ("session", _session), ("link", _link)):
    register(_name, _function)
