"""Customers have no accounts: they are known by e-mail within one company."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pynamodb.expressions.update import Action

from chalicelib.clock import parse_iso
from chalicelib.db import keys
from chalicelib.db.base import plain_map
from chalicelib.db.models import Customer, Ticket
from chalicelib.errors import NotFound
from chalicelib.keys import keyed_hash


def customer_id_for(company_id: str, email: str) -> str:
    """A keyed hash of the e-mail: the same customer maps to one id without a lookup table or a race."""
    return "cu_" + keyed_hash("customer-id", f"{company_id}\n{email.strip().lower()}")[:32]


def customer_key(company_id: str, customer_id: str) -> str:
    return keys.customer(company_id, customer_id)


def find_or_new(
    company_id: str, *, name: str, email: str, locale: str, telegram_chat_id: str | None, now: datetime
) -> tuple[Customer, bool]:
    """The customer with this e-mail, or a new unsaved one (True) for the caller to write."""
    customer_id = customer_id_for(company_id, email)
    try:
        return Customer.get(company_id, customer_id), False
    except Customer.DoesNotExist:
        pass
    return new(company_id, name=name, email=email, locale=locale, telegram_chat_id=telegram_chat_id, now=now), True


def new(
    company_id: str, *, name: str, email: str, locale: str, telegram_chat_id: str | None, now: datetime
) -> Customer:
    """A new customer (unsaved), keyed by their e-mail."""
    return Customer(
        company_id,
        customer_id_for(company_id, email),
        name=name,
        email=email.strip().lower(),
        locale=locale,
        telegram_chat_id=telegram_chat_id,
        created_at=now,
    )


def get(company_id: str, customer_id: str) -> Customer:
    try:
        return Customer.get(company_id, customer_id)
    except Customer.DoesNotExist:
        raise NotFound("Customer") from None


# ------------------------------------------------------------------ the customer's newest tickets
#
# The agent's ticket page lists the customer's other tickets (subject, status) from the customer item,
# which it reads by key anyway: `recent_tickets` keeps the RECENT_KEPT newest, ticket id -> entry. A ticket
# put there is `listed`; its entry is written in the transactions that open it and change its status, so
# it is never behind the ticket. Opening a ticket drops the entries past the newest RECENT_KEPT as read (a
# listed ticket dropped and changed later comes back, and the reader takes the newest RECENT_KEPT).
# A customer from before has no list: the page reads the index, and the customer's next ticket starts the
# list from the index's answer the intake reads anyway, when none of those tickets can change any more
# (all closed); otherwise the list waits for a later ticket, on the condition that none was started
# meanwhile (a ticket opened then would be missing from it).

RECENT_KEPT = 6  # the page shows the 5 newest besides the current one


@dataclass(frozen=True)
class RecentTicket:
    ticket_id: str
    subject: str
    status: str
    created_at: datetime


def recent_entry(ticket: Ticket, status: str | None = None) -> dict[str, Any]:
    created = ticket.created_at.astimezone(UTC).isoformat()  # to the microsecond, as the index orders them
    return {"subject": ticket.subject, "status": status or ticket.status, "created_at": created}


def _entries(customer: Customer) -> dict[str, Any] | None:
    if customer.recent_tickets is None:
        return None
    return plain_map(customer.recent_tickets)


def recent(customer: Customer) -> list[RecentTicket] | None:
    """The customer's newest tickets, newest first; None for a customer from before the list."""
    entries = _entries(customer)
    if entries is None:
        return None
    found = [
        RecentTicket(ticket_id, str(e["subject"]), str(e["status"]), parse_iso(str(e["created_at"])))
        for ticket_id, e in entries.items()
    ]
    return sorted(found, key=lambda t: (t.created_at, t.ticket_id), reverse=True)[:RECENT_KEPT]


def opened_actions(customer: Customer, ticket: Ticket) -> list[Action]:
    """Customer update actions for a new listed ticket of a customer with the list: its entry, and the
    entries past the newest RECENT_KEPT - 1 as read removed."""
    kept = recent(customer) or []
    actions: list[Action] = [Customer.recent_tickets[ticket.ticket_id].set(recent_entry(ticket))]
    keep = {t.ticket_id for t in kept[: RECENT_KEPT - 1]}
    actions += [Customer.recent_tickets[old].remove() for old in _entries(customer) or {} if old not in keep]
    return actions


def started_list(older: Iterable[Ticket], ticket: Ticket) -> dict[str, Any] | None:
    """A new list for a customer from before: the newest RECENT_KEPT - 1 of `older` (the index's answer,
    newest first) and the new ticket; None while one of them may still change (not closed)."""
    newest = list(older)[: RECENT_KEPT - 1]
    if any(t.status != "closed" for t in newest):
        return None
    return {t.ticket_id: recent_entry(t) for t in [*newest, ticket]}


def status_changed(tx: Any, ticket: Ticket, status: str) -> None:
    """Add to `tx` the customer's entry for a listed ticket whose status changes (nothing otherwise)."""
    if ticket.listed:
        entry = recent_entry(ticket, status)
        tx.update(
            Customer(ticket.company_id, ticket.customer_id),
            actions=[Customer.recent_tickets[ticket.ticket_id].set(entry)],
        )
