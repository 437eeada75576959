"""Agents rate the customer of a ticket they resolved or closed: literacy and temperament (1-5) and an
optional private note. One rating per ticket per agent (the key says so and the write is conditional);
its author may correct it within a day; a manager may void it. Every change bumps `version`, which the
karma update uses to know what it has already applied.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import Field, StringConstraints
from pynamodb.exceptions import PutError, UpdateError
from typing_extensions import TypedDict  # pydantic reads TypedDicts from here on 3.11

from chalicelib.auth import Principal
from chalicelib.clock import iso, utcnow
from chalicelib.customers import customer_key
from chalicelib.db import keys
from chalicelib.db.base import is_condition_failure
from chalicelib.db.models import Ticket
from chalicelib.errors import Conflict, Forbidden, NotFound
from chalicelib.ids import MAX_LENGTH
from chalicelib.karma.models import ACTIVE, VOIDED, CustomerRating
from chalicelib.tickets.service import load as load_ticket
from chalicelib.validation import Integer, PatchBody, PlainText, RequestBody

CORRECTION_WINDOW = timedelta(days=1)
RATEABLE = frozenset({"resolved", "closed"})
Score = Annotated[Integer, Field(ge=1, le=5)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), PlainText]


class NewCustomerRating(RequestBody):
    literacy: Score
    temperament: Score  # 1 = stormy, 5 = calm
    note: Note | None = None


class CustomerRatingCorrection(PatchBody):
    """literacy, temperament and/or note; null removes the note."""

    CLEARABLE = frozenset({"note"})

    literacy: Score | None = None
    temperament: Score | None = None
    note: Note | None = None


def rating_key(ticket_id: str, employee_id: str) -> str:
    return keys.rating(ticket_id, employee_id)


def rate(principal: Principal, ticket_id: str, request: NewCustomerRating) -> CustomerRating:
    ticket = load_ticket(principal.company_id, ticket_id)
    if ticket.status not in RATEABLE:
        raise Conflict("Rate the customer when the ticket is resolved or closed.", "bad-state")
    if principal.employee_id not in (ticket.assignee_id, ticket.resolved_by):
        raise Forbidden("Only the agent who handled the ticket may rate its customer.")
    now = utcnow()
    rating = CustomerRating(
        customer_key(ticket.company_id, ticket.customer_id),
        rating_key(ticket.ticket_id, principal.employee_id),
        company_id=ticket.company_id,
        customer_id=ticket.customer_id,
        ticket_id=ticket.ticket_id,
        employee_id=principal.employee_id,
        literacy=request.literacy,
        temperament=request.temperament,
        note=request.note,
        status=ACTIVE,
        rated_at=now,
        updated_at=now,
        version=1,
    )
    try:
        rating.save(condition=CustomerRating.rating_key.does_not_exist())
    except PutError as error:
        if is_condition_failure(error):
            raise Conflict(
                "You have rated this customer on this ticket already; correct it instead.", "already-rated"
            ) from None
        raise
    return rating


def _load(ticket: Ticket, employee_id: str) -> CustomerRating:
    if len(employee_id) > MAX_LENGTH:
        raise NotFound("Rating")
    try:
        return CustomerRating.get(
            customer_key(ticket.company_id, ticket.customer_id),
            rating_key(ticket.ticket_id, employee_id),
            consistent_read=True,
        )
    except CustomerRating.DoesNotExist:
        raise NotFound("Rating") from None


def _update(
    ticket: Ticket, employee_id: str, actions: list[Any], condition: Any, now: datetime
) -> CustomerRating | None:
    """Apply a change to the rating of `employee_id` on the ticket's customer if `condition` holds,
    without reading it first (one request); the rating as written, or None when the condition failed."""
    if len(employee_id) > MAX_LENGTH:
        raise NotFound("Rating")
    rating = CustomerRating(
        customer_key(ticket.company_id, ticket.customer_id), rating_key(ticket.ticket_id, employee_id)
    )
    try:
        rating.update(
            actions=[*actions, CustomerRating.version.add(1), CustomerRating.updated_at.set(now)],
            condition=CustomerRating.rating_key.exists() & condition,
        )
    except UpdateError as error:
        if is_condition_failure(error):
            return None
        raise
    return rating


def correct(principal: Principal, ticket_id: str, request: CustomerRatingCorrection) -> CustomerRating:
    ticket = load_ticket(principal.company_id, ticket_id)
    now = utcnow()
    actions: list[Any] = []
    for name, value in request.model_dump(exclude_unset=True).items():
        attribute = getattr(CustomerRating, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    condition = (CustomerRating.status == ACTIVE) & (CustomerRating.rated_at > now - CORRECTION_WINDOW)
    # keyed by the caller: only the author's rating is ever changed
    written = _update(ticket, principal.employee_id, actions, condition, now)
    if written is not None:
        return written
    rating = _load(ticket, principal.employee_id)  # why not: NotFound, or one of these
    if rating.status != ACTIVE:
        raise Conflict("A voided rating cannot be corrected.", "rating-voided")
    if now - rating.rated_at > CORRECTION_WINDOW:
        raise Conflict("A rating can be corrected only within a day.", "correction-window-closed")
    raise Conflict("The rating changed at the same moment; try again.", "concurrent-change")


def void(principal: Principal, ticket_id: str, employee_id: str) -> CustomerRating:
    """A manager voids a rating; voiding it again changes nothing."""
    principal.require_manager()
    ticket = load_ticket(principal.company_id, ticket_id)
    now = utcnow()
    actions = [
        CustomerRating.status.set(VOIDED),
        CustomerRating.voided_at.set(now),
        CustomerRating.voided_by.set(principal.employee_id),
    ]
    written = _update(ticket, employee_id, actions, CustomerRating.status == ACTIVE, now)
    return written if written is not None else _load(ticket, employee_id)  # voided already, or NotFound


def of_ticket(principal: Principal, ticket_id: str) -> list[CustomerRating]:
    ticket = load_ticket(principal.company_id, ticket_id)
    return list(
        CustomerRating.query(
            customer_key(ticket.company_id, ticket.customer_id),
            CustomerRating.rating_key.startswith(keys.rating_prefix(ticket.ticket_id)),
            consistent_read=True,
        )
    )


def of_customer(company_id: str, customer_id: str) -> list[CustomerRating]:
    return list(CustomerRating.query(customer_key(company_id, customer_id), consistent_read=True))


class CustomerRatingOut(TypedDict):
    ticket_id: str
    customer_id: str
    employee_id: str
    literacy: int
    temperament: int
    note: str | None
    status: str
    rated_at: str | None
    updated_at: str | None
    voided_at: str | None
    voided_by: str | None
    version: int
    correctable_until: str | None


def view(rating: CustomerRating) -> CustomerRatingOut:
    """For employees only: the note is private to the company."""
    return {
        "ticket_id": rating.ticket_id,
        "customer_id": rating.customer_id,
        "employee_id": rating.employee_id,
        "literacy": int(rating.literacy),
        "temperament": int(rating.temperament),
        "note": rating.note,
        "status": rating.status,
        "rated_at": iso(rating.rated_at),
        "updated_at": iso(rating.updated_at),
        "voided_at": iso(rating.voided_at),
        "voided_by": rating.voided_by,
        "version": int(rating.version),
        "correctable_until": iso(rating.rated_at + CORRECTION_WINDOW) if rating.status == ACTIVE else None,
    }
