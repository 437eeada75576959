"""First-reply SLA: a target (default 2 h) and a hard limit (default 24 h), fixed at creation."""

from __future__ import annotations

from datetime import datetime

from chalicelib.db.models import Ticket

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
