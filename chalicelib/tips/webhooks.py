"""The partner's webhooks: Standard Webhooks signatures, idempotency by webhook id, and the events.

Verification runs over the raw body bytes before anything is parsed: HMAC-SHA256 of
"<webhook-id>.<webhook-timestamp>.<body>" with each configured `whsec_` secret (several during a
rotation), compared in constant time with each `v1,` signature; timestamps more than five minutes
away from now, either way, are refused. Each delivery's receipt is written in the same transaction
as its effects, conditional on the id being new, so a redelivery (even days later) does nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite
from typing_extensions import TypedDict  # pydantic reads TypedDicts from here on 3.11

from chalicelib import activity, links
from chalicelib.clock import local_day, parse_iso, utcnow
from chalicelib.db import keys
from chalicelib.db.base import cancellation_codes, get_many, is_condition_failure, transaction
from chalicelib.db.models import Company, Ticket
from chalicelib.errors import DomainError, MalformedRequest
from chalicelib.reports import counting
from chalicelib.tips.accounts import COMPANY_ACTIVE, is_partner_form
from chalicelib.tips.config import get_tip_config
from chalicelib.tips.models import COMPANY, TicketFunnel, Tip, TipAccount, WebhookReceipt, employee_subject

logger = logging.getLogger(__name__)
TOLERANCE_SECONDS = 5 * 60
RECEIPT_LIFETIME = timedelta(days=7)  # partners retry for days; at least 72 hours is required
TIP_REFERENCE = "tip-reference"
TIP_REFERENCE_LIFETIME = timedelta(days=365)


class SignatureInvalid(DomainError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, 401, "webhook-signature-invalid", "Webhook signature not valid")


def _key(secret: str) -> bytes:
    try:
        return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureInvalid("The webhook secret is misconfigured.") from None


def verify(headers: Mapping[str, str], body: bytes, secrets: Sequence[str], now: float) -> str:
    """The webhook id of a correctly signed, fresh delivery; raises SignatureInvalid otherwise."""
    webhook_id = headers.get("webhook-id") or ""
    timestamp = headers.get("webhook-timestamp") or ""
    signatures = headers.get("webhook-signature") or ""
    if not webhook_id or not timestamp or not signatures or not secrets:
        raise SignatureInvalid("The webhook signature headers are missing.")
    if len(webhook_id) > 200 or len(signatures) > 2000 or not timestamp.isdigit() or len(timestamp) > 12:
        raise SignatureInvalid("The webhook signature headers are not valid.")
    if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        raise SignatureInvalid("The webhook timestamp is too far from now.")
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    expected = [base64.b64encode(hmac.new(_key(s), signed, hashlib.sha256).digest()) for s in secrets]
    matched = False
    for part in signatures.split():
        version, _, value = part.partition(",")
        if version != "v1":
            continue
        for candidate in expected:  # no early exit: every comparison is constant-time
            matched |= hmac.compare_digest(candidate, value.encode())
    if not matched:
        raise SignatureInvalid("The webhook signature does not match.")
    return webhook_id


# ------------------------------------------------------------------------------- event payloads


class _Data(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class CompanyData(_Data):
    external_id: str = Field(max_length=80)
    reason: str | None = Field(default=None, max_length=500)


class EmployeeData(_Data):
    company_external_id: str = Field(max_length=80)
    external_id: str = Field(max_length=80)
    receiver_id: str | None = Field(default=None, max_length=200)
    form_url: str | None = Field(default=None, max_length=2000)


class TipData(_Data):
    tip_id: str = Field(min_length=1, max_length=120)
    company_external_id: str = Field(max_length=80)
    employee_external_id: str | None = Field(default=None, max_length=80)
    amount: str | None = Field(default=None, pattern=r"^[0-9]{1,9}(\.[0-9]{1,2})?$")
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    reference: str | None = Field(default=None, max_length=600)
    paid_at: str | None = Field(default=None, max_length=40)


# ------------------------------------------------------------------------------- receiving


Outcome = Literal["applied", "duplicate", "ignored"]


class WebhookOut(TypedDict):
    webhook_id: str
    outcome: Outcome


def receive(headers: Mapping[str, str], body: bytes, now: datetime | None = None) -> WebhookOut:
    now = now or utcnow()
    webhook_id = verify(headers, body, get_tip_config().webhook_secrets, now.timestamp())
    try:
        event = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise MalformedRequest("The webhook body is not valid JSON.") from None
    if not isinstance(event, dict) or not isinstance(event.get("type"), str) or not isinstance(event.get("data"), dict):
        raise MalformedRequest("The webhook body needs a type and a data object.")
    event_type: str = event["type"][:80]
    handler = HANDLERS.get(event_type)
    receipt = WebhookReceipt(
        webhook_id, event_type=event_type, outcome="applied", received_at=now, expires_at=now + RECEIPT_LIFETIME
    )
    if handler is None:
        return {"webhook_id": webhook_id, "outcome": _receipt_only(receipt, "ignored")}
    try:
        data = handler.schema.model_validate(event["data"])
    except PydanticValidationError:
        raise MalformedRequest(f"The data of the {event_type} event is not valid.") from None
    receipt.company_id = getattr(data, "external_id" if handler.schema is CompanyData else "company_external_id")
    # the receipt and whatever the event needs, in one BatchGetItem; then one transaction
    wanted: Keys = [(WebhookReceipt, webhook_id, None), *handler.reads(data)]
    received, *found = get_many(wanted, consistent_read=True, attributes={Ticket: ["subject"]})  # "for what"
    if received is not None:
        return {"webhook_id": webhook_id, "outcome": "duplicate"}
    tx_effects = handler.plan(data, now, found)
    if tx_effects is None:
        return {"webhook_id": webhook_id, "outcome": _receipt_only(receipt, "ignored")}
    try:
        with transaction() as tx:
            tx.save(receipt, condition=WebhookReceipt.webhook_id.does_not_exist())
            tx_effects(tx)
    except TransactWriteError as error:
        if not is_condition_failure(error):
            raise
        codes = cancellation_codes(error)
        if codes and codes[0] == "ConditionalCheckFailed":
            return {"webhook_id": webhook_id, "outcome": "duplicate"}
        return {"webhook_id": webhook_id, "outcome": _receipt_only(receipt, "ignored")}
    return {"webhook_id": webhook_id, "outcome": "applied"}


def _receipt_only(receipt: WebhookReceipt, outcome: Outcome) -> Outcome:
    receipt.outcome = outcome
    try:
        receipt.save(condition=WebhookReceipt.webhook_id.does_not_exist())
    except PutError as error:
        if not is_condition_failure(error):
            raise
        return "duplicate"
    return outcome


Effects = Callable[[TransactWrite], None]


Keys = list[tuple[type[Model], Any, Any]]


class Handler:
    """An event's payload schema, the items it needs (read with the receipt) and its plan over them."""

    def __init__(
        self,
        schema: type[_Data],
        plan: Callable[[Any, datetime, list[Any]], Effects | None],
        reads: Callable[[Any], Keys] = lambda data: [],
    ) -> None:
        self.schema = schema
        self.plan = plan
        self.reads = reads


def _account_update(company_id: str, subject: str, actions: list[Any], allowed: tuple[str, ...]) -> Effects:
    def effects(tx: TransactWrite) -> None:
        tx.update(TipAccount(company_id, subject), actions=actions, condition=TipAccount.state.is_in(*allowed))

    return effects


def _company_verified(data: CompanyData, now: datetime, found: list[Any]) -> Effects:
    actions = [TipAccount.state.set("verified"), TipAccount.reason.remove(), TipAccount.updated_at.set(now)]
    return _account_update(data.external_id, COMPANY, actions, ("pending_verification", "rejected"))


def _company_rejected(data: CompanyData, now: datetime, found: list[Any]) -> Effects:
    reason = (data.reason or "The partner gave no reason.").strip()
    actions = [TipAccount.state.set("rejected"), TipAccount.reason.set(reason), TipAccount.updated_at.set(now)]
    return _account_update(data.external_id, COMPANY, actions, COMPANY_ACTIVE)


def _employee_linked(data: EmployeeData, now: datetime, found: list[Any]) -> Effects | None:
    if not data.form_url or not is_partner_form(data.form_url):
        logger.warning("employee.linked with a form URL outside the partner's origin ignored")
        return None
    actions: list[Any] = [
        TipAccount.state.set("linked"),
        TipAccount.form_url.set(data.form_url),
        TipAccount.updated_at.set(now),
    ]
    if data.receiver_id:
        actions.append(TipAccount.partner_ref.set(data.receiver_id))
    subject = employee_subject(data.external_id)
    return _account_update(data.company_external_id, subject, actions, ("pending_link", "linked", "unlinked"))


def _employee_unlinked(data: EmployeeData, now: datetime, found: list[Any]) -> Effects:
    actions = [TipAccount.state.set("unlinked"), TipAccount.form_url.remove(), TipAccount.updated_at.set(now)]
    subject = employee_subject(data.external_id)
    return _account_update(data.company_external_id, subject, actions, ("pending_link", "linked"))


def sign_reference(company_id: str, ticket_id: str, employee_id: str) -> str:
    """The ticket reference handed to the partner with a tip: signed, so it cannot be re-pointed."""
    claims = links.LinkClaims(company_id, ticket_id, employee_id)
    return links.sign(TIP_REFERENCE, claims, TIP_REFERENCE_LIFETIME)


def _ticket_of(reference: str | None, company_id: str, employee_id: str) -> str | None:
    if not reference:
        return None
    try:
        claims = links.verify(TIP_REFERENCE, reference)
    except links.LinkInvalid:
        return None
    if claims.company_id != company_id or claims.employee_id != employee_id:
        return None
    return claims.ticket_id


def _minor(amount: str) -> int:
    whole, _, fraction = amount.partition(".")
    return int(whole) * 100 + int((fraction + "00")[:2])


def _tip_counters(tip: Tip, company: Company | None, sign: int) -> Effects | None:
    if company is None:
        return None
    paid_day = local_day(tip.paid_at, company.timezone)
    day = activity.day_key(company.company_id, paid_day)
    counters = {"tips": sign, "tip_amount": sign * int(tip.amount_minor) / 100, "rewards": sign}

    def effects(tx: TransactWrite) -> None:
        tx.update(activity.AgentDay(day, tip.employee_id), actions=activity.counter_actions(counters))
        report = counting.tally_for(company.company_id, company.timezone)
        counting.tip_counts(report, tip.paid_at, tip.currency, tip.employee_id, int(tip.amount_minor), sign)
        report.write_into(tx)

    return effects


def _tip_paid_reads(data: TipData) -> Keys:
    """The employee's tip account, the company, the ticket's funnel and subject (when the reference names one)."""
    company_id, employee_id = data.company_external_id, data.employee_external_id
    if not company_id or not employee_id:
        return []
    ticket_id = _ticket_of(data.reference, company_id, employee_id)
    return [
        (TipAccount, company_id, employee_subject(employee_id)),
        (Company, company_id, None),
        *([(TicketFunnel, company_id, ticket_id), (Ticket, company_id, ticket_id)] if ticket_id else []),
    ]


def _tip_paid(data: TipData, now: datetime, found: list[Any]) -> Effects | None:
    company_id, employee_id = data.company_external_id, data.employee_external_id
    if not employee_id or not data.amount or not data.currency:
        raise MalformedRequest("A tip.paid event needs the employee, the amount and the currency.")
    if not found or found[0] is None:  # no tip account for this employee
        return None
    try:
        paid_at = parse_iso(data.paid_at) if data.paid_at else now
    except ValueError:
        raise MalformedRequest("paid_at is not an ISO 8601 time.") from None
    ticket_id = _ticket_of(data.reference, company_id, employee_id)
    tip = Tip(
        company_id,
        data.tip_id,
        employee_id=employee_id,
        employee_key=keys.employee(company_id, employee_id),
        ticket_id=ticket_id,
        ticket_key=keys.ticket(company_id, ticket_id) if ticket_id else None,
        subject=found[3].subject if len(found) > 3 and found[3] is not None else None,
        amount_minor=_minor(data.amount),
        currency=data.currency,
        paid_at=paid_at,
    )
    counters = _tip_counters(tip, found[1], +1)
    if counters is None:
        return None
    funnel: TicketFunnel | None = found[2] if len(found) > 2 else None
    company: Company = found[1]

    def effects(tx: TransactWrite) -> None:
        tx.save(tip, condition=Tip.tip_id.does_not_exist())
        counters(tx)
        if funnel is not None and funnel.tip_paid_at is None:
            tx.update(funnel, actions=[TicketFunnel.tip_paid_at.set(paid_at)])
            report = counting.tally_for(company_id, company.timezone)
            counting.funnel_mark(report, funnel.closed_at, "tip_paid").write_into(tx)

    return effects


def _tip_refunded_reads(data: TipData) -> Keys:
    company_id = data.company_external_id
    return [(Tip, company_id, data.tip_id), (Company, company_id, None)] if company_id else []


def _tip_refunded(data: TipData, now: datetime, found: list[Any]) -> Effects | None:
    tip: Tip | None = found[0] if found else None
    if tip is None or tip.refunded_at is not None:
        return None
    counters = _tip_counters(tip, found[1], -1)

    def effects(tx: TransactWrite) -> None:
        tx.update(tip, actions=[Tip.refunded_at.set(now)], condition=Tip.refunded_at.does_not_exist())
        if counters is not None:
            counters(tx)

    return effects


HANDLERS: dict[str, Handler] = {
    "company.verified": Handler(CompanyData, _company_verified),
    "company.rejected": Handler(CompanyData, _company_rejected),
    "employee.linked": Handler(EmployeeData, _employee_linked),
    "employee.unlinked": Handler(EmployeeData, _employee_unlinked),
    "tip.paid": Handler(TipData, _tip_paid, _tip_paid_reads),
    "tip.refunded": Handler(TipData, _tip_refunded, _tip_refunded_reads),
}
