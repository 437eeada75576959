"""What tickets look like to employees and to customers.

The customer view is built from an allow-list of fields: internal notes, assignees' ids and
anything internal (routing, karma) never reach a customer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import (
    Any,
    Literal,
    NotRequired,  # pydantic reads TypedDicts from here on 3.11
    cast,
)

from typing_extensions import TypedDict

from chalicelib.clock import iso
from chalicelib.db.models import Message, Ticket
from chalicelib.tickets import sla

TicketStatus = Literal["queued", "assigned", "resolved", "closed"]


class SlaOut(TypedDict):
    state: str
    target_at: str | None
    limit_at: str | None
    flag: str | None


class TicketOut(TypedDict):
    ticket_id: str
    subject: str
    status: TicketStatus
    channel: str
    department: str | None
    tier: int
    customer_id: str
    assignee_id: str | None
    routing_reason: str
    tags: list[str]
    message_count: int
    created_at: str | None
    updated_at: str | None
    taken_at: str | None
    first_reply_at: str | None
    resolved_at: str | None
    closed_at: str | None
    close_reason: str | None
    sla: SlaOut


class MessageOut(TypedDict):
    message_id: str
    author_type: Literal["customer", "agent"]
    author_id: str
    visibility: Literal["public", "internal"]
    body: str
    created_at: str | None
    sender_email: NotRequired[str]  # messages that came by e-mail
    attachments: NotRequired[list[dict[str, Any]]]  # name, content_type, size, inline, url or withheld


# "from" is a keyword: the functional form.
CustomerMessageOut = TypedDict(
    "CustomerMessageOut",
    {
        "from": Literal["you", "support"],
        "body": str,
        "created_at": str | None,
        "attachments": NotRequired[list[dict[str, Any]]],
    },
)


class CustomerTicketOut(TypedDict):
    """A customer's view: an allow-list (no notes, no assignee, nothing internal)."""

    ticket_id: str
    subject: str
    status: Literal["open", "resolved", "closed"]
    created_at: str | None
    resolved_at: str | None
    closed_at: str | None
    can_confirm: bool
    can_reply: bool
    messages: list[CustomerMessageOut]


def ticket_view(ticket: Ticket, now: datetime) -> TicketOut:
    # A list shows up to a hundred tickets of 25 fields each: the values are taken from the model's own
    # store (`attribute_values`, python name to value, what its descriptors read) in one lookup each.
    field: Callable[[str], Any] = ticket.attribute_values.get
    return {
        "ticket_id": field("ticket_id"),
        "subject": field("subject"),
        "status": cast(TicketStatus, field("status")),
        "channel": field("channel"),
        "department": field("department"),
        "tier": int(field("tier")),
        "customer_id": field("customer_id"),
        "assignee_id": field("assignee_id"),
        "routing_reason": field("routing_reason"),
        "tags": sorted(field("tags") or []),
        "message_count": int(field("message_count") or 0),
        "created_at": iso(field("created_at")),
        "updated_at": iso(field("updated_at")),
        "taken_at": iso(field("taken_at")),
        "first_reply_at": iso(field("first_reply_at")),
        "resolved_at": iso(field("resolved_at")),
        "closed_at": iso(field("closed_at")),
        "close_reason": field("close_reason"),
        "sla": {
            "state": sla.state(ticket, now),
            "target_at": iso(field("sla_target_at")),
            "limit_at": iso(field("sla_limit_at")),
            "flag": field("sla_flag"),
        },
    }


def message_view(message: Message) -> MessageOut:
    view: MessageOut = {
        "message_id": message.message_id,
        "author_type": cast(Literal["customer", "agent"], message.author_type),
        "author_id": message.author_id,
        "visibility": cast(Literal["public", "internal"], message.visibility),
        "body": message.body,
        "created_at": iso(message.created_at),
    }
    if message.sender_email:  # it came by e-mail: its sender and its files (short-lived links, never public)
        from chalicelib.inbound.attachments import view as files

        view["sender_email"] = message.sender_email
        view["attachments"] = files(message.attachments)
    return view


CUSTOMER_STATUS = {"queued": "open", "assigned": "open", "resolved": "resolved", "closed": "closed"}


def customer_ticket_view(ticket: Ticket, messages: list[Message]) -> CustomerTicketOut:
    return {
        "ticket_id": ticket.ticket_id,
        "subject": ticket.subject,
        "status": cast(Literal["open", "resolved", "closed"], CUSTOMER_STATUS[ticket.status]),
        "created_at": iso(ticket.created_at),
        "resolved_at": iso(ticket.resolved_at),
        "closed_at": iso(ticket.closed_at),
        "can_confirm": ticket.status == "resolved",
        "can_reply": ticket.status != "closed",
        "messages": [_customer_message(m) for m in messages if m.visibility == "public"],
    }


def _customer_message(message: Message) -> CustomerMessageOut:
    shown: CustomerMessageOut = {
        "from": "you" if message.author_type == "customer" else "support",
        "body": message.body,
        "created_at": iso(message.created_at),
    }
    if message.sender_email:
        from chalicelib.inbound.attachments import view as files

        shown["attachments"] = files(message.attachments)
    return shown
