"""Scheduled jobs over tickets. Each reads only what is due, through a sparse index (never a Scan),
and each write is conditional, so a schedule fired twice, or two runs at once, change nothing twice.

The event's `time` is the job's "now": a rerun of a missed invocation judges as of its own time.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError, UpdateError

from chalicelib import customers
from chalicelib.clock import parse_iso, utcnow
from chalicelib.db.base import get_many, is_condition_failure, transaction
from chalicelib.db.models import Ticket
from chalicelib.tickets import sla


def event_time(event: Mapping[str, Any]) -> datetime:
    text = event.get("time")
    return parse_iso(text) if isinstance(text, str) else utcnow()


def _conditional_update(ticket: Ticket, actions: list[Any], condition: Any, closing: Ticket | None = None) -> bool:
    """`closing`: a listed ticket read with what its customer's entry needs; the entry goes to "closed" in
    the same transaction (chalicelib/customers `recent`)."""
    try:
        if closing is not None and closing.listed:
            with transaction() as tx:
                tx.update(ticket, actions=actions, condition=condition)
                customers.status_changed(tx, closing, "closed")
        else:
            ticket.update(actions=actions, condition=condition)
    except (UpdateError, TransactWriteError) as error:
        if is_condition_failure(error):
            return False
        raise
    return True


def flag_sla_breaches(event: Mapping[str, Any]) -> dict[str, Any]:
    """Flag tickets still without a first reply past their SLA target, then past their limit."""
    now = event_time(event)
    checked = flagged = 0
    for due in Ticket.sla_index.query(sla.WATCHING, Ticket.sla_check_at <= now):
        checked += 1
        ticket = Ticket(due.company_id, due.ticket_id)
        unchanged = (Ticket.sla_check_at == due.sla_check_at) & Ticket.first_reply_at.does_not_exist()
        if now >= due.sla_limit_at:
            actions = [Ticket.sla_flag.set("breached"), Ticket.sla_watch.remove(), Ticket.sla_check_at.remove()]
        else:
            actions = [Ticket.sla_flag.set("target_missed"), Ticket.sla_check_at.set(due.sla_limit_at)]
        flagged += _conditional_update(ticket, [*actions, Ticket.revision.add(1)], unchanged)
    return {"checked": checked, "flagged": flagged, "as_of": now.isoformat()}


def auto_close_resolved(event: Mapping[str, Any]) -> dict[str, Any]:
    """Close resolved tickets the customer did not confirm within the company's N days.

    Only a ticket still resolved is closed; a customer's confirmation that lands just after this
    write turns the reason to `confirmed` (tickets.service.customer_confirm), so theirs wins."""
    now = event_time(event)
    checked = closed = 0
    every_due = list(Ticket.auto_close_index.query("resolved", Ticket.auto_close_at <= now))
    # the index holds keys only: what a listed ticket's customer entry needs, read by key (100 a request)
    wanted: list[tuple[Any, Any, Any]] = [(Ticket, due.company_id, due.ticket_id) for due in every_due]
    entries = get_many(wanted, attributes={Ticket: LISTED_ATTRIBUTES})
    for due, read in zip(every_due, entries, strict=True):
        checked += 1
        ticket = Ticket(due.company_id, due.ticket_id)
        still_due = (Ticket.status == "resolved") & (Ticket.auto_close_at == due.auto_close_at)
        actions = [
            Ticket.status.set("closed"),
            Ticket.closed_at.set(now),
            Ticket.close_reason.set("auto"),
            Ticket.updated_at.set(now),
            Ticket.auto_close_watch.remove(),
            Ticket.auto_close_at.remove(),
            Ticket.revision.add(1),
        ]
        closed += _conditional_update(ticket, actions, still_due, read)
    return {"checked": checked, "closed": closed, "as_of": now.isoformat()}


# What a closing ticket's entry in its customer's newest tickets needs (chalicelib/customers `recent`).
LISTED_ATTRIBUTES = ["listed", "customer_id", "subject", "created_at"]
