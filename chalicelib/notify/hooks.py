"""Which notifications a change of a ticket calls for, decided from the stream record's two images alone.

The ticket carries what this needs (chalicelib/tickets/service.py writes it with the message, in the same
transaction): the newest public message's key and author, the newest message that came through the
intake, the last transfer to an agent. So no hook reads the thread to find out what happened. Internal
notes never change these fields: they are never sent.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from chalicelib.db.models import Ticket
from chalicelib.lifecycle import on_change
from chalicelib.mail import threading
from chalicelib.notify import ASSIGNED, CUSTOMER_WROTE, MERGED, RECEIVED, REPLY, RESOLVED
from chalicelib.notify.compose import CUSTOMER, Notice, send_once

logger = logging.getLogger(__name__)


def moment(at: datetime) -> str:
    """A change's time in an event key, to the microsecond (two changes within a second stay two)."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def notices_for(previous: Ticket | None, ticket: Ticket) -> list[Notice]:
    """The notifications one change calls for, each with its own event key (one message per key, ever)."""
    if previous is None:
        return [Notice(RECEIVED, threading.EVENT_RECEIVED, CUSTOMER, ticket.last_public_key)]
    found: list[Notice] = []
    key = ticket.last_public_key
    if key and key != previous.last_public_key:
        if ticket.last_public_author == "agent":
            found.append(Notice(REPLY, threading.reply_event(key), CUSTOMER, key))
        else:
            if ticket.last_intake_key == key and key != previous.last_intake_key:
                found.append(Notice(MERGED, f"merged:{key}", CUSTOMER, key))
            if ticket.assignee_id:
                found.append(Notice(CUSTOMER_WROTE, f"customer-wrote:{key}", ticket.assignee_id, key))
    if ticket.status == "resolved" and previous.status != "resolved" and ticket.resolved_at:
        found.append(Notice(RESOLVED, f"{threading.EVENT_RESOLVED}:{moment(ticket.resolved_at)}", CUSTOMER))
    moved = ticket.transferred_at and ticket.transferred_at != previous.transferred_at
    if moved and ticket.assignee_id and ticket.status == "assigned" and ticket.assignee_id != ticket.transferred_by:
        event = f"assigned:{ticket.assignee_id}:{moment(ticket.transferred_at)}"
        found.append(Notice(ASSIGNED, event, ticket.assignee_id))
    return found


def notify(previous: Ticket | None, ticket: Ticket, occurred_at: datetime) -> None:
    """Send what the change calls for; every notice is tried, then a failure fails the record (retried)."""
    failures: list[Exception] = []
    for notice in notices_for(previous, ticket):
        try:
            send_once(notice, ticket)
        except Exception as error:
            logger.warning("notification %s of %s failed: %s", notice.kind, ticket.ticket_id, error)
            failures.append(error)
    if failures:
        raise failures[0]


on_change(notify)
