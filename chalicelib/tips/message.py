"""The rating + tip message sent once per ticket closed on the customer's confirmation.

Exactly once under at-least-once delivery: before sending, the handler claims the ticket's funnel
item with a conditional write (kept for good, far longer than a stream's 24 hours). A redelivered
record finds the claim and does nothing. Only a claim left "sending" for longer than the lease (the
function died mid-send) or marked "failed" is taken again.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import PutError, TransactWriteError

from chalicelib import links, mail
from chalicelib.clock import utcnow
from chalicelib.db.base import is_condition_failure, transaction
from chalicelib.db.models import Company, Customer, Employee, Ticket
from chalicelib.i18n import locale_of, translator
from chalicelib.lifecycle import transitions_of
from chalicelib.pages import render
from chalicelib.settings import get_settings
from chalicelib.streams import StreamRecord, process_batch
from chalicelib.tips import accounts, stats, telegram
from chalicelib.tips.models import TicketFunnel, TipAccount, employee_subject

logger = logging.getLogger(__name__)
RATE = "rate"
TIP = "tip"
LEASE = timedelta(minutes=5)


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
    if new.close_reason != "confirmed":
        return
    # closed on confirmation, or closed by the auto-close job and confirmed a moment later
    if "closed" in transitions_of(old, new) or (
        old is not None and old.status == "closed" and old.close_reason == "auto"
    ):
        send_once(new)


def rated_employee(ticket: Ticket) -> str | None:
    return ticket.resolved_by or ticket.assignee_id


def _claim(ticket: Ticket, employee_id: str | None, now: datetime) -> TicketFunnel | None:
    funnel = TicketFunnel(
        ticket.company_id,
        ticket.ticket_id,
        employee_id=employee_id,
        state="sending",
        claimed_at=now,
        closed_at=ticket.closed_at or now,
    )
    try:  # the first claim makes the funnel item: the closed ticket counts in the day's figures with it
        with transaction() as tx:
            tx.save(funnel, condition=TicketFunnel.ticket_id.does_not_exist())
            stats.funnel_mark(tx, ticket.company_id, _timezone(ticket.company_id), funnel.closed_at, "closed")
        return funnel
    except TransactWriteError as error:
        if not is_condition_failure(error):
            raise
    condition = (TicketFunnel.state == "failed") | (
        (TicketFunnel.state == "sending") & (TicketFunnel.claimed_at < now - LEASE)
    )
    try:
        funnel.save(condition=condition)
    except PutError as error:
        if is_condition_failure(error):
            return None
        raise
    return funnel


@functools.lru_cache(maxsize=1024)
def _timezone(company_id: str) -> str:
    """The company's time zone (it never changes after sign-up: safe to keep per container)."""
    try:
        return str(Company.get(company_id).timezone)
    except Company.DoesNotExist:
        return "UTC"


def send_once(ticket: Ticket, now: datetime | None = None) -> str:
    """Send the ticket's message unless it was already sent; returns the funnel state."""
    now = now or utcnow()
    employee_id = rated_employee(ticket)
    funnel = _claim(ticket, employee_id, now)
    if funnel is None:
        return "already-claimed"
    try:
        state, channel, message_id = _deliver(ticket, employee_id, now)
    except Gone as gone:  # e.g. the customer was erased right after the close: nobody to write to
        logger.info("tip message for %s/%s not sent: %s", ticket.company_id, ticket.ticket_id, gone)
        funnel.update(actions=[TicketFunnel.state.set("undeliverable"), TicketFunnel.last_error.set(str(gone))])
        return "undeliverable"
    except Exception as error:
        funnel.update(actions=[TicketFunnel.state.set("failed"), TicketFunnel.last_error.set(str(error)[:300])])
        raise
    actions: list[Any] = [TicketFunnel.state.set(state)]
    if channel:
        actions += [TicketFunnel.channel.set(channel), TicketFunnel.sent_at.set(utcnow())]
    if message_id:
        actions.append(TicketFunnel.message_id.set(message_id))
    if state != "sent":
        funnel.update(actions=actions)
        return state
    with transaction() as tx:  # sent once per claim: counted as e-mailed with the write that says so
        tx.update(funnel, actions=actions)
        stats.funnel_mark(tx, ticket.company_id, _timezone(ticket.company_id), funnel.closed_at, "emailed")
    return state


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


def content_for(ticket: Ticket, employee: Employee, customer: Customer, company: Company, now: datetime) -> Content:
    lifetime_days = int(company.settings.link_ttl_days)
    lifetime = timedelta(days=lifetime_days)
    claims = links.LinkClaims(ticket.company_id, ticket.ticket_id, employee.employee_id)
    base = get_settings().public_base_url
    rating_url = f"{base}/rate/{links.sign(RATE, claims, lifetime, now)}"
    tip_url = f"{base}/tip/{links.sign(TIP, claims, lifetime, now)}" if can_tip(ticket.company_id, employee) else None
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


class Gone(Exception):
    """Someone the message is from, to or about no longer exists: it can never be sent."""


def _parties(ticket: Ticket, employee_id: str) -> tuple[Customer, Employee, Company]:
    """The company, the employee rated and the customer written to (the first one missing is named)."""
    try:
        company = Company.get(ticket.company_id)
    except Company.DoesNotExist:
        raise Gone("the company no longer exists") from None
    try:
        employee = Employee.get(ticket.company_id, employee_id)
    except Employee.DoesNotExist:
        raise Gone("the employee no longer exists") from None
    try:
        customer = Customer.get(ticket.company_id, ticket.customer_id)
    except Customer.DoesNotExist:
        raise Gone("the customer no longer exists") from None
    return customer, employee, company


def _deliver(ticket: Ticket, employee_id: str | None, now: datetime) -> tuple[str, str | None, str | None]:
    if not employee_id:
        return "undeliverable", None, None  # nobody to rate
    customer, employee, company = _parties(ticket, employee_id)
    content = content_for(ticket, employee, customer, company, now)
    if customer.telegram_chat_id and telegram.is_configured():
        text = render("tips/telegram.txt", locale=content.locale, **content.context)
        return "sent", "telegram", telegram.send_message(customer.telegram_chat_id, text, content.buttons())
    if mail.is_suppressed(customer.email):
        return "suppressed", None, None
    message = mail.Mail(
        to=customer.email,
        subject=content.subject,
        text=render("tips/email.txt", locale=content.locale, **content.context),
        html=render("tips/email.html", locale=content.locale, **content.context),
        sender_name=company.name,
        language=content.locale,
    )
    return "sent", "email", mail.send(message)
