"""Data-protection requests about one customer, for managers: export everything stored about them
(karma included) and erase them.

Erasing removes personal data and keeps anonymous aggregates: the customer item, every message of
their tickets, the agents' ratings of them (with their notes), their karma and the comments of their
ratings of agents are deleted; their tickets stay, under a fresh random customer id, with the subject
blanked, so status, timings, SLA, assignee, routing reason and the agents' activity still count.
Only a customer whose tickets are all closed can be erased (nothing is waiting on their e-mail).
The customer item goes last, so an interrupted erasure can simply be run again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict, model_validator
from pynamodb.exceptions import UpdateError
from typing_extensions import TypedDict  # pydantic reads TypedDicts from here on 3.11

from chalicelib import customers, lifecycle
from chalicelib.auth import Principal
from chalicelib.clock import iso, utcnow
from chalicelib.companies import get as get_company
from chalicelib.db import keys
from chalicelib.db.base import is_condition_failure
from chalicelib.db.models import Customer, Message, Ticket
from chalicelib.errors import Conflict
from chalicelib.ids import new_id
from chalicelib.karma import policy, ratings
from chalicelib.karma.models import Karma
from chalicelib.karma.routing import UNREAD, current_scores, thresholds
from chalicelib.karma.scores import Scores
from chalicelib.tickets.service import ONLY_MESSAGES, messages
from chalicelib.tickets.views import message_view, ticket_view
from chalicelib.tips.models import Rating
from chalicelib.validation import EmailLookup, Identifier, RequestBody, non_null, refuse_nulls

ERASED_SUBJECT = "(erased)"


def _one_of_email_or_id(schema: dict[str, Any]) -> None:
    non_null("email", "customer_id")(schema)
    schema["oneOf"] = [{"required": ["email"]}, {"required": ["customer_id"]}]


class CustomerRef(RequestBody):
    """The customer a request is about: by e-mail (as data-protection requests arrive) or by id."""

    model_config = ConfigDict(json_schema_extra=_one_of_email_or_id)

    email: EmailLookup | None = None
    customer_id: Identifier | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        refuse_nulls(data, ("email", "customer_id"))
        return data

    @model_validator(mode="after")
    def _exactly_one(self) -> CustomerRef:
        if (self.email is None) == (self.customer_id is None):
            raise ValueError("give the customer's email or customer_id")
        return self


def find(company_id: str, ref: CustomerRef) -> Customer:
    customer_id = ref.customer_id or customers.customer_id_for(company_id, ref.email or "")
    return customers.get(company_id, customer_id)


def tickets_of(company_id: str, customer_id: str) -> list[Ticket]:
    return list(Ticket.by_customer.query(customers.customer_key(company_id, customer_id)))


class KarmaOut(TypedDict):
    customer_id: str
    literacy: float
    temperament: float
    ratings: int
    voided_ratings: int
    last_rated_at: str | None
    literate: bool
    temperament_class: str | None
    half_life_days: float


class ExportOut(TypedDict):
    exported_at: str | None
    customer: dict[str, Any]
    karma: KarmaOut
    ratings_by_agents: list[ratings.CustomerRatingOut]
    tickets: list[dict[str, Any]]


class ErasedOut(TypedDict):
    erased: bool
    tickets_anonymized: int
    messages_deleted: int
    ratings_deleted: int


def karma_view(
    company_id: str, customer_id: str, now: datetime, t: policy.Thresholds, stored: Karma | None = UNREAD
) -> KarmaOut:
    """What employees may see of a customer's karma (never customers). `stored`: their karma item if the
    caller read it with other items (None: they have none), else it is read here."""
    if stored is UNREAD:
        try:
            stored = Karma.get(company_id, customer_id)
        except Karma.DoesNotExist:
            stored = None
    scores = current_scores(company_id, customer_id, now, stored)
    shown = scores or Scores(3.0, 3.0, 0)
    voided, last = (int(stored.voided or 0), iso(stored.last_rated_at)) if stored else (0, None)
    return {
        "customer_id": customer_id,
        "literacy": shown.literacy,
        "temperament": shown.temperament,
        "ratings": shown.ratings,
        "voided_ratings": voided,
        "last_rated_at": last,
        "literate": policy.is_literate(scores, t),
        "temperament_class": policy.temperament_class(scores, t),
        "half_life_days": t.half_life_days,
    }


def export(principal: Principal, ref: CustomerRef) -> ExportOut:
    company_id = principal.company_id
    customer = find(company_id, ref)
    now = utcnow()
    t = thresholds(get_company(company_id))
    tickets = []
    for ticket in tickets_of(company_id, customer.customer_id):
        tickets.append(
            {
                **ticket_view(ticket, now),
                "messages": [message_view(m) for m in messages(company_id, ticket.ticket_id, public_only=False)],
                "timeline": [
                    {"transition": e.transition, "to": e.to_status, "at": iso(e.occurred_at)}
                    for e in lifecycle.timeline(ticket)
                ],
                "rating_of_agent": _tip_rating(company_id, ticket.ticket_id),
            }
        )
    return {
        "exported_at": iso(now),
        "customer": {
            "customer_id": customer.customer_id,
            "name": customer.name,
            "email": customer.email,
            "locale": customer.locale,
            "telegram_chat_id": customer.telegram_chat_id,
            "created_at": iso(customer.created_at),
        },
        "karma": karma_view(company_id, customer.customer_id, now, t),
        "ratings_by_agents": [ratings.view(r) for r in ratings.of_customer(company_id, customer.customer_id)],
        "tickets": tickets,
    }


def _tip_rating(company_id: str, ticket_id: str) -> dict[str, Any] | None:
    try:
        rating = Rating.get(company_id, ticket_id)
    except Rating.DoesNotExist:
        return None
    return {"stars": int(rating.stars), "comment": rating.comment, "rated_at": iso(rating.rated_at)}


def erase(principal: Principal, ref: CustomerRef) -> ErasedOut:
    company_id = principal.company_id
    customer = find(company_id, ref)
    tickets = tickets_of(company_id, customer.customer_id)
    waiting = [t.ticket_id for t in tickets if t.status != "closed"]
    if waiting:
        raise Conflict(
            f"The customer has {len(waiting)} ticket(s) not closed yet; close them first.", "customer-has-open-tickets"
        )
    anonymous = new_id("cu")
    deleted_messages = 0
    for ticket in tickets:
        with Message.batch_write() as batch:
            # the messages only: the ticket's timeline (kept after them) stays, as in the lifecycle table
            for message in Message.query(keys.ticket(company_id, ticket.ticket_id), ONLY_MESSAGES):
                batch.delete(message)
                deleted_messages += 1
        ticket.update(
            actions=[
                Ticket.subject.set(ERASED_SUBJECT),
                Ticket.subject_key.set("erased"),
                Ticket.customer_id.set(anonymous),
                Ticket.customer_key.set(customers.customer_key(company_id, anonymous)),
                Ticket.routing_class.remove(),
                Ticket.revision.add(1),
            ]
        )
        _drop_tip_comment(company_id, ticket.ticket_id)
    own = ratings.of_customer(company_id, customer.customer_id)
    with ratings.CustomerRating.batch_write() as batch:
        for rating in own:
            batch.delete(rating)
    Karma(company_id, customer.customer_id).delete()
    customer.delete()
    return {
        "erased": True,
        "tickets_anonymized": len(tickets),
        "messages_deleted": deleted_messages,
        "ratings_deleted": len(own),
    }


def _drop_tip_comment(company_id: str, ticket_id: str) -> None:
    """The customer's words in their rating of the agent are personal; the stars are an aggregate."""
    try:
        Rating(company_id, ticket_id).update(actions=[Rating.comment.remove()], condition=Rating.ticket_id.exists())
    except UpdateError as error:  # no rating of the agent on this ticket
        if not is_condition_failure(error):
            raise
