"""The rating + tip message, sent once per ticket that enters the funnel: closed on the customer's
confirmation, or closed otherwise (by the schedule, by an agent) when the company sends it for every
close (`rating_mail_for_unconfirmed`, default yes).

Exactly once under at-least-once delivery through chalicelib/outbox (key `<ticket>#rating`): a
redelivered record finds the claim and does nothing; a failed send is retried by the stream, then by the
re-send schedule (chalicelib/notify/jobs.py), which makes the message again with `resend`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import TransactWriteError

from chalicelib import links, mail, outbox
from chalicelib.clock import utcnow
from chalicelib.db.base import get_many, is_condition_failure, transaction
from chalicelib.db.models import Company, Customer, Employee, Ticket
from chalicelib.i18n import locale_of, translator
from chalicelib.lifecycle import transitions_of
from chalicelib.mail import threading
from chalicelib.notify import reply_handle
from chalicelib.outbox.models import OutboxMessage
from chalicelib.pages import render
from chalicelib.settings import get_settings
from chalicelib.streams import StreamRecord, process_batch
from chalicelib.tips import accounts, stats, telegram
from chalicelib.tips.models import COMPANY, TicketFunnel, TipAccount, employee_subject

logger = logging.getLogger(__name__)
RATE = "rate"
TIP = "tip"
KIND = "tip.rating"  # the outbox kind
EVENT = "rating"  # the event key: one rating message per ticket


def handle_tip_stream(event: Mapping[str, Any]) -> dict[str, Any]:
    return process_batch(event, handle_record)


def handle_record(record: StreamRecord) -> None:
    if record.get("eventName") != "MODIFY":
        return
    images: Mapping[str, Any] = record["dynamodb"]
    if not images.get("NewImage"):
        return  # no ticket to speak of (a stream without new images, or a removed item)
    new = Ticket.from_raw_data(images["NewImage"])
    old = Ticket.from_raw_data(images["OldImage"]) if images.get("OldImage") else None
    closing = "closed" in transitions_of(old, new)
    # closed by the auto-close job and confirmed a moment later: the confirmation wins (the close stands)
    confirmed_late = (
        old is not None and old.status == "closed" and old.close_reason == "auto" and new.close_reason == "confirmed"
    )
    if (closing or confirmed_late) and enters_funnel(new):
        send_once(new)


def enters_funnel(ticket: Ticket, company: Company | None = None) -> bool:
    """A close the customer confirmed always; any other close when the company says so (one read)."""
    if ticket.close_reason == "confirmed":
        return True
    try:
        company = company or Company.get(ticket.company_id)
    except Company.DoesNotExist:
        return False
    return bool(company.settings.rating_mail_for_unconfirmed)


def rated_employee(ticket: Ticket) -> str | None:
    return ticket.resolved_by or ticket.assignee_id


def outgoing(ticket: Ticket) -> outbox.Outgoing:
    return outbox.Outgoing(
        ticket.company_id,
        outbox.message_key(ticket.ticket_id, EVENT),
        KIND,
        ticket_id=ticket.ticket_id,
        recipient="customer",
    )


def send_once(ticket: Ticket, now: datetime | None = None) -> str:
    """Send the ticket's message unless it was already sent; returns the outbox state or "already-claimed"."""
    return outbox.send_once(outgoing(ticket), lambda _item: _deliver(ticket, now or utcnow()), now)


def resend(item: OutboxMessage) -> outbox.Delivery:
    """The re-send schedule's sender: the ticket as it is now."""
    try:
        ticket = Ticket.get(item.company_id, str(item.ticket_id), consistent_read=True)
    except Ticket.DoesNotExist:
        return outbox.Delivery("undeliverable", detail="the ticket no longer exists")
    return _deliver(ticket, utcnow())


outbox.register(KIND, resend)


def enter_funnel(
    ticket: Ticket, employee_id: str | None, extra: list[Any] | None = None, sent: bool = False, timezone: str = ""
) -> None:
    """The ticket's funnel item, made once (the confirm page and this message may both come first). The
    day's figures (chalicelib/tips/stats.py) count the close when the item is made and the message when
    it is first marked sent (`sent`), each in the transaction that writes it. `timezone`: the company's,
    when the caller has it."""
    closed_at = ticket.closed_at or utcnow()
    zone = timezone or _timezone(ticket.company_id)
    funnel = TicketFunnel(ticket.company_id, ticket.ticket_id)
    actions = [TicketFunnel.closed_at.set(closed_at), *(extra or [])]
    if employee_id:
        actions.append(TicketFunnel.employee_id.set(TicketFunnel.employee_id | employee_id))
    try:  # the first entry makes the item
        with transaction() as tx:
            tx.update(funnel, actions=actions, condition=TicketFunnel.closed_at.does_not_exist())
            stats.funnel_mark(tx, ticket.company_id, zone, closed_at, "closed", *(["emailed"] if sent else []))
        return
    except TransactWriteError as error:
        if not is_condition_failure(error):
            raise
    if not extra:
        return  # in the funnel already: nothing new
    try:  # in the funnel already: the marks (the message counted the first time it is marked sent)
        with transaction() as tx:
            tx.update(funnel, actions=extra, condition=TicketFunnel.sent_at.does_not_exist() if sent else None)
            if sent:
                stats.funnel_mark(tx, ticket.company_id, zone, closed_at, "emailed")
    except TransactWriteError as error:
        if not is_condition_failure(error):
            raise


@functools.lru_cache(maxsize=1024)
def _timezone(company_id: str) -> str:
    """The company's time zone (it never changes after sign-up: safe to keep per container)."""
    try:
        return str(Company.get(company_id).timezone)
    except Company.DoesNotExist:
        return "UTC"


@dataclass(frozen=True)
class Content:
    locale: str
    context: dict[str, Any]

    @property
    def subject(self) -> str:
        return translator(self.locale).gettext("How did we do? %(subject)s", subject=self.context["subject"])

    def buttons(self) -> list[tuple[str, str]]:
        """Chat buttons: rate, and tip when the employee can be tipped."""
        t = translator(self.locale)
        buttons = [(t.gettext("Rate %(name)s", name=self.context["employee_name"]), self.context["rating_url"])]
        if self.context["tip_url"]:
            buttons.append((t.gettext("Leave a tip"), self.context["tip_url"]))
        return buttons


def content_for(
    ticket: Ticket,
    employee: Employee,
    customer: Customer,
    company: Company,
    now: datetime,
    tip_accounts: tuple[TipAccount | None, TipAccount | None] | None = None,
) -> Content:
    lifetime_days = int(company.settings.link_ttl_days)
    lifetime = timedelta(days=lifetime_days)
    claims = links.LinkClaims(ticket.company_id, ticket.ticket_id, employee.employee_id)
    base = get_settings().public_base_url
    rating_url = f"{base}/rate/{links.sign(RATE, claims, lifetime, now)}"
    tippable = tip_button(*tip_accounts, employee) if tip_accounts else can_tip(ticket.company_id, employee)
    tip_url = f"{base}/tip/{links.sign(TIP, claims, lifetime, now)}" if tippable else None
    locale = locale_of(customer.locale or ticket.locale)
    return Content(
        locale,
        {
            "customer_name": customer.name,
            "subject": ticket.subject,
            "company_name": company.name,
            "employee_name": employee.name.split()[0],
            "rating_url": rating_url,
            "tip_url": tip_url,
            "lifetime_days": lifetime_days,
            "confirmed": ticket.close_reason == "confirmed",
        },
    )


def can_tip(company_id: str, employee: Employee) -> bool:
    """A Tip button only for a verified company and a linked, active employee."""
    company = accounts.company_account(company_id)
    if company is None or company.state != "verified" or not employee.active:
        return False
    return tip_button(company, accounts.find(company_id, employee_subject(employee.employee_id)), employee)


def tip_button(company: TipAccount | None, account: TipAccount | None, employee: Employee) -> bool:
    """The rule, over accounts already read."""
    if company is None or company.state != "verified" or not employee.active:
        return False
    return account is not None and account.state == "linked" and accounts.is_partner_form(account.form_url)


def _deliver(ticket: Ticket, now: datetime) -> outbox.Delivery:
    employee_id = rated_employee(ticket)
    if not employee_id:
        return outbox.Delivery("undeliverable", detail="nobody to rate")
    customer, employee, company, company_account, employee_account = get_many(
        [
            (Customer, ticket.company_id, ticket.customer_id),
            (Employee, ticket.company_id, employee_id),
            (Company, ticket.company_id, None),
            (TipAccount, ticket.company_id, COMPANY),
            (TipAccount, ticket.company_id, employee_subject(employee_id)),
        ]
    )
    if customer is None or employee is None or company is None:
        # e.g. the customer was erased right after the close: nobody to write to, nothing to retry
        logger.warning("rating message for %s: its customer, employee or company is gone", ticket.ticket_id)
        return outbox.Delivery("undeliverable", detail="the customer, employee or company no longer exists")
    content = content_for(ticket, employee, customer, company, now, (company_account, employee_account))
    delivery = _send(ticket, customer, company, content)
    marks: list[Any] = []
    if delivery.state == "sent":
        marks = [
            TicketFunnel.sent_at.set(TicketFunnel.sent_at | utcnow()),
            TicketFunnel.channel.set(str(delivery.channel)),
        ]
    _enter_quietly(ticket, employee_id, marks, company.timezone)
    return delivery


def _enter_quietly(ticket: Ticket, employee_id: str, marks: list[Any], timezone: str) -> None:
    try:
        enter_funnel(ticket, employee_id, marks, sent=bool(marks), timezone=timezone)
    except TransactWriteError:  # the message went out: a funnel mark is not worth sending it twice
        logger.exception("funnel marks of %s not recorded", ticket.ticket_id)


def _send(ticket: Ticket, customer: Customer, company: Company, content: Content) -> outbox.Delivery:
    if customer.telegram_chat_id and telegram.is_configured():
        text = render("tips/telegram.txt", locale=content.locale, **content.context)
        sent = telegram.send_message(customer.telegram_chat_id, text, content.buttons())
        return outbox.Delivery("sent", "telegram", sent)
    message = mail.Mail(
        to=customer.email,
        to_name=customer.name,
        subject=content.subject,
        text=render("tips/email.txt", locale=content.locale, **content.context),
        html=render("tips/email.html", locale=content.locale, **content.context),
        sender_name=company.name,
        language=content.locale,
        headers=threading.notification_headers(
            reply_handle(company), ticket.company_id, ticket.ticket_id, EVENT, threading.EVENT_RECEIVED
        ),
    )
    return outbox.Delivery("sent", "email", mail.send(message))
