"""What every staff page shares: the signed-in person, the navigation, the status switch, the scripts.

Pages render through `staff_page`, which adds the employee (one GetItem unless the view already read
them), the navigation for their role and the time the page was drawn (the pulse asks what is newer).
The navigation is a list: a new area (the manager console) adds its entries here.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalicelib.clock import utcnow
from chalicelib.http.route import Call, Page
from chalicelib.i18n import N_

STATIC = Path(__file__).resolve().parent / "static"
STATUSES = ("online", "break", "dnd", "offline")


@dataclass(frozen=True)
class NavItem:
    key: str
    path: str
    label: str  # an English msgid; the layout translates it
    managers_only: bool = False


NAVIGATION: list[NavItem] = [
    NavItem("desk", "/desk", N_("Workspace")),
    NavItem("search", "/desk/search", N_("Search")),
    NavItem("badges", "/desk/badges", N_("Badges")),
    NavItem("team", "/manage/team", N_("Team"), managers_only=True),
    NavItem("canned", "/manage/canned", N_("Canned replies"), managers_only=True),
    NavItem("account", "/account/profile", N_("Account")),
]


@functools.cache
def asset_version(name: str) -> str:
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]


def asset(name: str) -> str:
    return f"/static/{name}?v={asset_version(name)}"


def staff_page(
    call: Call, template: str, context: dict[str, Any], status: int = 200, *, me: Any = None, current: str = ""
) -> Page:
    from chalicelib.auth import employee_of

    person = me or employee_of(call.who)  # the one read with the session
    nav = [item for item in NAVIGATION if call.who.is_manager or not item.managers_only]
    back = call.request.path or "/desk"
    query = call.query
    if query:
        from urllib.parse import urlencode

        back = f"{back}?{urlencode({k: v for k, v in query.items() if k not in ('notice', 'error')})}".rstrip("?")
    chrome = {
        "me": person,
        "nav": nav,
        "current": current,
        "statuses": STATUSES,
        "seen": int(utcnow().timestamp() * 1000),
        "htmx_js": asset("htmx.min.js"),
        "desk_js": asset("desk.js"),
        "back": back,
        "notice": query.get("notice", ""),
        "error_code": query.get("error", ""),
    }
    return Page(template, {**chrome, **context}, status)
