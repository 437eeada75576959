"""The customer's ticket page, built only from the allow-listed customer view of a ticket."""

from __future__ import annotations

from typing import Any

from chalicelib.pages import render

STATUS_LABELS = {"open": "Open", "resolved": "Resolved: waiting for your confirmation", "closed": "Closed"}


def ticket_page(view: dict[str, Any], action_base: str, error: str | None = None) -> str:
    return render(
        "pages/customer_ticket.html",
        locale="en",
        title=view["subject"],
        view=view,
        status_label=STATUS_LABELS.get(view["status"], view["status"]),
        action_base=action_base,
        error=error,
    )
