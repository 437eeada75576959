"""Confirm, then rate and tip on the same page: what the confirm page needs from the tips capability."""

from __future__ import annotations

from datetime import timedelta

from chalicelib import links
from chalicelib.db.models import Company, Ticket
from chalicelib.tips.message import RATE, enter_funnel, enters_funnel, rated_employee


def rating_link(ticket: Ticket, company: Company | None = None) -> str | None:
    """A rating link for a closed ticket that enters the funnel (None: nobody to rate, or not rateable)."""
    employee_id = rated_employee(ticket)
    if ticket.status != "closed" or not employee_id:
        return None
    company = company or Company.get(ticket.company_id)
    if not enters_funnel(ticket, company):
        return None
    claims = links.LinkClaims(ticket.company_id, ticket.ticket_id, employee_id)
    return links.sign(RATE, claims, timedelta(days=int(company.settings.link_ttl_days)))


def entered(ticket: Ticket, timezone: str = "") -> None:
    """The customer confirmed on the page: the funnel starts now, so the page's marks (opened, rated) count
    even before the rating message goes out. `timezone`: the company's, when the caller has it."""
    if ticket.status == "closed" and ticket.close_reason == "confirmed":
        enter_funnel(ticket, rated_employee(ticket), timezone=timezone)
