"""What each notification says and to whom, sent once through chalicelib/outbox.

A sender reads everything a message needs in one BatchGetItem (company, customer, the message, the
employees it names), renders the text and HTML parts in the reader's language and sends them with the
ticket's threading headers: the customer's mails in one thread under the first ("received"), with a
Reply-To that brings replies back to the ticket; the agents' mails without it (they answer in the desk).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib import links, mail, outbox
from chalicelib.clock import utcnow
from chalicelib.db import keys
from chalicelib.db.base import get_many
from chalicelib.db.models import Company, Customer, Employee, Message, Ticket
from chalicelib.mail import threading
from chalicelib.notify import (
    AGENT_KINDS,
    ASSIGNED,
    CUSTOMER_KINDS,
    CUSTOMER_WROTE,
    RECEIVED,
    RESOLVED,
    reply_handle,
)
from chalicelib.outbox.models import OutboxMessage
from chalicelib.pages import locale_of, render
from chalicelib.settings import get_settings

CUSTOMER = "customer"


@dataclass(frozen=True)
class Notice:
    """One notification: its kind, its event key (one message per ticket and key), its reader (the
    customer or an employee id) and the thread message it is about, if any."""

    kind: str
    event_key: str
    recipient: str
    message_key: str | None = None

    def outgoing(self, ticket: Ticket) -> outbox.Outgoing:
        params = {"event_key": self.event_key}
        if self.message_key:
            params["message_key"] = self.message_key
        return outbox.Outgoing(
            ticket.company_id,
            outbox.message_key(ticket.ticket_id, self.event_key),
            self.kind,
            ticket_id=ticket.ticket_id,
            recipient=self.recipient,
            params=params,
        )

    @classmethod
    def of(cls, item: OutboxMessage) -> Notice:
        params = outbox.params_of(item)
        return cls(item.kind, params["event_key"], str(item.recipient), params.get("message_key"))


def send_once(notice: Notice, ticket: Ticket, now: datetime | None = None) -> str:
    now = now or utcnow()
    return outbox.send_once(notice.outgoing(ticket), lambda _item: deliver(notice, ticket, now), now)


def resend(item: OutboxMessage) -> outbox.Delivery:
    """The re-send schedule's sender: the ticket as it is now."""
    try:
        ticket = Ticket.get(item.company_id, str(item.ticket_id), consistent_read=True)
    except Ticket.DoesNotExist:
        return outbox.Delivery("undeliverable", detail="the ticket no longer exists")
    return deliver(Notice.of(item), ticket, utcnow())


for _kind in CUSTOMER_KINDS + AGENT_KINDS:
    outbox.register(_kind, resend)


@dataclass(frozen=True)
class Facts:
    """What a notification's text is made from, read in one request."""

    company: Company
    customer: Customer | None
    message: Message | None
    people: Mapping[str, Employee]


def read_facts(notice: Notice, ticket: Ticket) -> Facts | None:
    company_id = ticket.company_id
    wanted: list[tuple[Any, Any, Any]] = [(Company, company_id, None), (Customer, company_id, ticket.customer_id)]
    if notice.message_key:
        wanted.append((Message, keys.ticket(company_id, ticket.ticket_id), notice.message_key))
    people = {
        p
        for p in (
            None if notice.recipient == CUSTOMER else notice.recipient,
            ticket.last_public_by if ticket.last_public_author == "agent" else None,
            ticket.resolved_by if notice.kind == RESOLVED else None,
            ticket.transferred_by if notice.kind == ASSIGNED else None,
        )
        if p
    }
    wanted += [(Employee, company_id, p) for p in sorted(people)]
    found = get_many(wanted)
    company, customer = found[0], found[1]
    message = found[2] if notice.message_key else None
    staff = {e.employee_id: e for e in found[2 + bool(notice.message_key) :] if e is not None}
    if company is None or (notice.message_key and message is None):
        return None
    return Facts(company, customer, message, staff)


def deliver(notice: Notice, ticket: Ticket, now: datetime) -> outbox.Delivery:
    facts = read_facts(notice, ticket)
    if facts is None or facts.customer is None:
        return outbox.Delivery("undeliverable", detail="the ticket's company, customer or message no longer exists")
    if notice.recipient == CUSTOMER:
        return _to_customer(notice, ticket, facts, now)
    return _to_employee(notice, ticket, facts)


def first_name(employee: Employee | None) -> str | None:
    return employee.name.split()[0] if employee and employee.name.strip() else None


def _to_customer(notice: Notice, ticket: Ticket, facts: Facts, now: datetime) -> outbox.Delivery:
    company, customer = facts.company, facts.customer
    assert customer is not None
    locale = locale_of(customer.locale or ticket.locale)
    base = get_settings().public_base_url
    token = links.customer_ticket_link(ticket.company_id, ticket.ticket_id, int(company.settings.link_ttl_days), now)
    author = facts.people.get(facts.message.author_id) if facts.message else None
    resolver = facts.people.get(ticket.resolved_by or "")
    context = {
        "kind": notice.kind.split(".", 1)[1],
        "customer_name": customer.name,
        "company_name": company.name,
        "subject": ticket.subject,
        "reference": threading.subject_reference(ticket.ticket_id),
        "body": facts.message.body if facts.message else None,
        "agent_name": first_name(author) or first_name(resolver),
        "ticket_url": f"{base}/c/{token}",
        "confirm_url": f"{base}/c/{token}/confirm",
        "auto_close_days": int(ticket.auto_close_days or 3),
        "lifetime_days": int(company.settings.link_ttl_days),
    }
    subject = f"[{context['reference']}] {ticket.subject}"
    event = notice.event_key
    parent = None if notice.kind == RECEIVED else threading.EVENT_RECEIVED
    message = mail.Mail(
        to=customer.email,
        to_name=customer.name,
        subject=subject if notice.kind == RECEIVED else f"Re: {subject}",
        text=render("notify/customer.txt", locale=locale, **context),
        html=render("notify/customer.html", locale=locale, **context),
        sender_name=company.name,
        language=locale,
        headers=threading.notification_headers(
            reply_handle(company), ticket.company_id, ticket.ticket_id, event, parent
        ),
    )
    return outbox.Delivery("sent", "email", mail.send(message))


def at_the_desk(employee: Employee) -> bool:
    """The assignee sees a customer's message without a mail: their status is online and a staff page of
    theirs is open and visible (its pulse, which says "a customer replied on your ticket", recorded their
    session within minutes, chalicelib/sessions `present`). Away, on a break, or with the desk closed or
    hidden, they get the mail."""
    from chalicelib import sessions

    return employee.status == "online" and sessions.present(employee.company_id, employee.employee_id)


def _to_employee(notice: Notice, ticket: Ticket, facts: Facts) -> outbox.Delivery:
    employee = facts.people.get(notice.recipient)
    if employee is None or not employee.active:
        return outbox.Delivery("undeliverable", detail="the employee no longer works here")
    if not employee.email_notifications:
        return outbox.Delivery("suppressed", detail="the employee turned e-mail notifications off")
    if notice.kind == CUSTOMER_WROTE and at_the_desk(employee):
        return outbox.Delivery("suppressed", detail="the assignee was at the desk: its pulse told them")
    customer = facts.customer
    assert customer is not None
    locale = locale_of(employee.locale)
    context = {
        "kind": notice.kind.split(".", 1)[1],
        "employee_name": first_name(employee),
        "customer_name": customer.name,
        "subject": ticket.subject,
        "reference": threading.subject_reference(ticket.ticket_id),
        "body": facts.message.body if facts.message else None,
        "transferred_by": first_name(facts.people.get(ticket.transferred_by or "")),
        "company_name": facts.company.name,
        "ticket_url": f"{get_settings().public_base_url}/desk/tickets/{ticket.ticket_id}",  # the staff web app
    }
    message = mail.Mail(
        to=employee.email,
        to_name=employee.name,
        subject=render("notify/agent_subject.txt", locale=locale, **context).strip(),
        text=render("notify/agent.txt", locale=locale, **context),
        html=render("notify/agent.html", locale=locale, **context),
        sender_name=facts.company.name,
        language=locale,
        headers=threading.notification_headers(None, ticket.company_id, ticket.ticket_id, notice.event_key),
    )
    return outbox.Delivery("sent", "email", mail.send(message))
