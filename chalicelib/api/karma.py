"""Routes of customer karma: agents rate the customer of a ticket, correct their rating within a day,
managers void ratings; employees see a customer's karma; managers export or erase a customer."""

from __future__ import annotations

from typing_extensions import TypedDict  # pydantic reads TypedDicts from here on 3.11

from chalicelib.auth import company_of
from chalicelib.clock import utcnow
from chalicelib.http.route import Call, route
from chalicelib.karma import privacy, ratings
from chalicelib.karma.privacy import ErasedOut, ExportOut, KarmaOut
from chalicelib.karma.ratings import CustomerRatingOut
from chalicelib.karma.routing import thresholds
from chalicelib.tickets import service

TAG = "Karma"
NO_BODY = ["application/json", "text/plain"]


class CustomerRatingsOut(TypedDict):
    ratings: list[CustomerRatingOut]


@route(
    "POST",
    "/tickets/{ticket_id}/customer-rating",
    summary="Rate the customer of a ticket you resolved or closed (literacy, temperament, private note)",
    tag=TAG,
    body=ratings.NewCustomerRating,
    status=201,
    reads=service.path_ticket,
)
def rate_customer(call: Call, ticket_id: str) -> CustomerRatingOut:
    return ratings.view(ratings.rate(call.who, ticket_id, call.body))


@route(
    "PATCH",
    "/tickets/{ticket_id}/customer-rating",
    summary="Correct your rating of the customer (within a day)",
    tag=TAG,
    body=ratings.CustomerRatingCorrection,
    reads=service.path_ticket,
)
def correct_rating(call: Call, ticket_id: str) -> CustomerRatingOut:
    return ratings.view(ratings.correct(call.who, ticket_id, call.body))


@route(
    "GET",
    "/tickets/{ticket_id}/customer-ratings",
    summary="Agents' ratings of the ticket's customer",
    tag=TAG,
    reads=service.path_ticket,
)
def ticket_ratings(call: Call, ticket_id: str) -> CustomerRatingsOut:
    return {"ratings": [ratings.view(r) for r in ratings.of_ticket(call.who, ticket_id)]}


@route(
    "POST",
    "/tickets/{ticket_id}/customer-ratings/{employee_id}/void",
    summary="Void an agent's rating of the customer (managers)",
    tag=TAG,
    role="manager",
    content_types=NO_BODY,
    reads=service.path_ticket,
)
def void_rating(call: Call, ticket_id: str, employee_id: str) -> CustomerRatingOut:
    return ratings.view(ratings.void(call.who, ticket_id, employee_id))


@route(
    "GET",
    "/tickets/{ticket_id}/customer-karma",
    summary="The karma of the ticket's customer",
    tag=TAG,
    company=("settings",),  # the company's karma thresholds
    reads=service.path_ticket,
)
def ticket_customer_karma(call: Call, ticket_id: str) -> KarmaOut:
    ticket = service.get(call.who, ticket_id)
    t = thresholds(company_of(call.who, "settings"))
    return privacy.karma_view(ticket.company_id, ticket.customer_id, utcnow(), t)


@route(
    "POST",
    "/customers/export",
    summary="Export everything stored about a customer, karma included (data-protection request)",
    tag=TAG,
    role="manager",
    body=privacy.CustomerRef,
)
def export_customer(call: Call) -> ExportOut:
    return privacy.export(call.who, call.body)


@route(
    "POST",
    "/customers/erase",
    summary="Erase a customer: personal data removed, anonymous aggregates kept (data-protection request)",
    tag=TAG,
    role="manager",
    body=privacy.CustomerRef,
)
def erase_customer(call: Call) -> ErasedOut:
    return privacy.erase(call.who, call.body)
