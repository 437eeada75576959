"""Report figures of ticket changes, counted from the tickets stream (registered on `on_ticket_change`'s
lifecycle hooks; never a third reader of the stream).

Each transition's figures go to the company's day (and the agent's) in the company's time zone, with a
marker keyed by the stream record's sequence number: a redelivered record counts nothing. Waiting times
are open time (the company's business hours), the same clock the SLA runs on.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib import lifecycle
from chalicelib.clock import utcnow
from chalicelib.db import keys
from chalicelib.db.models import Company
from chalicelib.karma.policy import CALM, DIFFICULT, SKIP_FIRST_LINE
from chalicelib.reports.counting import Tally, company_of
from chalicelib.reports.models import FIRST_REPLY_BUCKETS, RESOLUTION_BUCKETS, bucket


def _open_seconds(company: Company, start: datetime, end: datetime) -> int:
    from chalicelib.companies import calendar

    return round(calendar(company).open_time(start, end).total_seconds())


def count(transition: lifecycle.Transition) -> bool:
    """Count one transition's figures once; False when there is nothing to count or it was counted."""
    ticket = transition.ticket
    company = company_of(ticket.company_id)
    tally = Tally(ticket.company_id, company.timezone)
    name = transition.name
    if name == "created":
        karma = {DIFFICULT: "karma_difficult", CALM: "karma_calm"}.get(ticket.routing_class or "", "karma_neutral")
        extra = {"karma_literate": 1} if ticket.routing_reason == SKIP_FIRST_LINE else {}
        tally.company(ticket.created_at, opened=1, **{karma: 1}, **extra).totals(opened=1)
    elif name == "first_reply" and ticket.first_reply_at is not None:
        waited = _open_seconds(company, ticket.created_at, ticket.first_reply_at)
        counters = {"first_replies": 1, "first_reply_seconds": waited}
        counters[f"first_reply_{bucket(waited, FIRST_REPLY_BUCKETS)}"] = 1
        if ticket.first_reply_at > ticket.sla_target_at:
            counters["sla_target_missed"] = 1
        if ticket.first_reply_at > ticket.sla_limit_at and ticket.sla_flag != "breached":
            counters["sla_breached"] = 1  # not flagged by the SLA job before the reply: counted here, once
        tally.both(ticket.first_reply_at, ticket.first_reply_by, **counters)
    elif name == "sla_breached":
        tally.both(ticket.sla_limit_at, ticket.assignee_id, sla_breached=1)
    elif name == "resolved" and ticket.resolved_at is not None:
        took = _open_seconds(company, ticket.created_at, ticket.resolved_at)
        counters = {"resolutions": 1, "resolution_seconds": took, f"resolution_{bucket(took, RESOLUTION_BUCKETS)}": 1}
        tally.both(ticket.resolved_at, ticket.resolved_by, **counters)
    elif name == "closed" and ticket.closed_at is not None:
        extra = {"closed_auto": 1} if ticket.close_reason == "auto" else {}
        tally.company(ticket.closed_at, closed=1, **extra).totals(closed=1)
    elif name == "reopened":
        tally.company(transition.occurred_at, reopened=1)
    else:
        return False
    return tally.write_once(keys.report_marker(ticket.ticket_id, f"{transition.sequence_number}#{name}"), utcnow())


def _hook(transition: lifecycle.Transition) -> None:
    count(transition)


for _name in ("created", "first_reply", "sla_breached", "resolved", "closed", "reopened"):
    lifecycle.on_transition(_name, _hook)
