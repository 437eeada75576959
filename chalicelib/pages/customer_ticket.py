"""The customer's ticket page, built only from the allow-listed customer view of a ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.clock import utcnow
from chalicelib.i18n import N_, translator
from chalicelib.pages import error_texts, render

STATUS_LABELS = {"open": N_("Open"), "resolved": N_("Resolved: waiting for your confirmation"), "closed": N_("Closed")}
# Errors the page shows above the reply form (the route passes them in; translated here)
REPLY_REQUIRED = N_("Please write a reply first.")


def ticket_page(
    view: dict[str, Any],
    action_base: str,
    error: str | None = None,
    *,
    locale: str = "en",
    timezone: str = "UTC",
    now: datetime | None = None,
) -> str:
    """The page in the ticket's `locale`, times in `timezone` (the company's)."""
    t = translator(locale)
    status = view["status"]
    return render(
        "pages/customer_ticket.html",
        locale=t.locale,
        title=view["subject"],
        view=view,
        status_label=t.gettext(STATUS_LABELS[status]) if status in STATUS_LABELS else status,
        action_base=action_base,
        error=error_texts(422, "", error, t.locale)[1] if error else None,
        timezone=timezone,
        now=now or utcnow(),
    )
