"""The customer's ticket page, built only from the allow-listed customer view of a ticket: in the ticket's
language, with the company's name, and times in the company's time zone (named on the page; the page's
script shows them in the browser's own zone when that differs)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.clock import utcnow
from chalicelib.i18n import N_, format_timezone, formatting_locale, locale_of
from chalicelib.pages import render

TEMPLATE = "pages/customer_ticket.html"
STATUS_LABELS = {"open": N_("Open"), "resolved": N_("Resolved: waiting for your confirmation"), "closed": N_("Closed")}
# Errors the page shows above the reply form (the route passes them in; translated when shown)
REPLY_REQUIRED = N_("Please write a reply first.")


def ticket_context(
    view: dict[str, Any],
    action_base: str,
    error: str | None = None,
    *,
    locale: str = "en",
    company_name: str | None = None,
    timezone: str = "UTC",
    now: datetime | None = None,
) -> dict[str, Any]:
    """What `pages/customer_ticket.html` shows, for a reader of `locale`, times in `timezone` (the company's)."""
    now = now or utcnow()
    locale = locale_of(locale)
    return {
        "title": view["subject"],
        "view": view,
        "status_label": STATUS_LABELS.get(view["status"], view["status"]),
        "action_base": action_base,
        "error": error,
        "company_name": company_name,
        "timezone": timezone,
        "zone_name": format_timezone(timezone, locale, now),
        "script_locale": formatting_locale(locale).replace("_", "-"),
        "now": now,
    }


def ticket_page(view: dict[str, Any], action_base: str, error: str | None = None, **options: Any) -> str:
    """The page as HTML (the route renders the same context through the HTTP layer, with its script nonce)."""
    context = ticket_context(view, action_base, error, **options)
    return render(TEMPLATE, locale=options.get("locale", "en"), nonce="", base="", **context)
