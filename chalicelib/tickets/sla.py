"""First-reply SLA: a target (default 2 h) and a hard limit (default 24 h) of open time, fixed at creation.

Both count the company's business hours (chalicelib/tickets/business_hours.py; always open until a manager
sets hours): a ticket opened after closing time is due on the next working morning. The SLA job compares
the stored due times with the clock, so it needs no calendar.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.db.models import Company, Ticket

WATCHING = "waiting"  # the sla_watch partition: tickets still owed a first reply


def state(ticket: Ticket, now: datetime) -> str:
    """met | late | breached once replied; on_track | overdue | breached while waiting."""
    if ticket.first_reply_at is not None:
        if ticket.first_reply_at <= ticket.sla_target_at:
            return "met"
        return "late" if ticket.first_reply_at <= ticket.sla_limit_at else "breached"
    reference = ticket.resolved_at or ticket.closed_at or now
    if reference < ticket.sla_target_at:
        return "on_track"
    return "overdue" if reference < ticket.sla_limit_at else "breached"


def due_times(company: Company, opened_at: datetime) -> tuple[datetime, datetime]:
    """When a ticket opened now must have its first reply: the target and the limit."""
    from chalicelib.companies import calendar

    hours = calendar(company)
    settings = company.settings
    return hours.add(opened_at, int(settings.sla_target_minutes)), hours.add(opened_at, int(settings.sla_limit_minutes))
