"""What tickets look like to employees and to customers.

The customer view is built from an allow-list of fields: internal notes, assignees' ids and
anything internal (routing, karma) never reach a customer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.clock import iso
from chalicelib.db.models import Message, Ticket
from chalicelib.tickets import sla


def ticket_view(ticket: Ticket, now: datetime) -> dict[str, Any]:
    return {
        "ticket_id": ticket.ticket_id,
        "subject": ticket.subject,
        "status": ticket.status,
        "channel": ticket.channel,
        "department": ticket.department,
        "tier": int(ticket.tier),
        "customer_id": ticket.customer_id,
        "assignee_id": ticket.assignee_id,
        "routing_reason": ticket.routing_reason,
        "tags": sorted(ticket.tags or []),
        "message_count": int(ticket.message_count or 0),
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
        "taken_at": iso(ticket.taken_at),
        "first_reply_at": iso(ticket.first_reply_at),
        "resolved_at": iso(ticket.resolved_at),
        "closed_at": iso(ticket.closed_at),
        "close_reason": ticket.close_reason,
        "sla": {
            "state": sla.state(ticket, now),
            "target_at": iso(ticket.sla_target_at),
            "limit_at": iso(ticket.sla_limit_at),
            "flag": ticket.sla_flag,
        },
    }


def message_view(message: Message) -> dict[str, Any]:
    view = {
        "message_id": message.message_id,
        "author_type": message.author_type,
        "author_id": message.author_id,
        "visibility": message.visibility,
        "body": message.body,
        "created_at": iso(message.created_at),
    }
    return view | _by_mail(message)


def _by_mail(message: Message) -> dict[str, Any]:
    """A message that came by e-mail: its sender and its files (short-lived links, never public)."""
    if not message.sender_email:
        return {}
    from chalicelib.inbound.attachments import view as files

    return {"sender_email": message.sender_email, "attachments": files(message.attachments)}


CUSTOMER_STATUS = {"queued": "open", "assigned": "open", "resolved": "resolved", "closed": "closed"}


def customer_ticket_view(ticket: Ticket, messages: list[Message]) -> dict[str, Any]:
    return {
        "ticket_id": ticket.ticket_id,
        "subject": ticket.subject,
        "status": CUSTOMER_STATUS[ticket.status],
        "created_at": iso(ticket.created_at),
        "resolved_at": iso(ticket.resolved_at),
        "closed_at": iso(ticket.closed_at),
        "can_confirm": ticket.status == "resolved",
        "can_reply": ticket.status != "closed",
        "messages": [
            {
                "from": "you" if m.author_type == "customer" else "support",
                "body": m.body,
                "created_at": iso(m.created_at),
            }
            | ({"attachments": _by_mail(m)["attachments"]} if m.sender_email else {})
            for m in messages
            if m.visibility == "public"
        ],
    }
