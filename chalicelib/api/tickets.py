"""Routes for agents and managers working tickets, and the public intake."""

from __future__ import annotations

from typing import Any

from typing_extensions import TypedDict  # pydantic reads TypedDicts from here on 3.11

from chalicelib import activity, intake, lifecycle, ratelimit
from chalicelib.clock import iso, utcnow
from chalicelib.companies import by_intake_key
from chalicelib.db.models import Company
from chalicelib.errors import DomainError, Forbidden, ValidationFailed
from chalicelib.http.route import PAGED, Call, Param, route
from chalicelib.settings import get_settings
from chalicelib.tickets import service
from chalicelib.tickets.schemas import CallLog, IntakeTicket, Reply, Tags, Transfer
from chalicelib.tickets.views import MessageOut, TicketOut, message_view, ticket_view

TAG = "Tickets"
STATUSES = ("queued", "assigned", "resolved", "closed")


class IntakeOut(TypedDict):
    ticket_id: str
    merged: bool  # added to the customer's open ticket with a near-identical subject
    first_line_skipped: bool
    # The ticket's link, only for a new ticket: whoever posts a known address and subject must not get
    # someone's open ticket; its customer gets the link by e-mail ("we added this to your request").
    customer_link: str | None
    link_token: str | None


class TicketPageOut(TypedDict):
    tickets: list[TicketOut]
    next_cursor: str | None


class MessagePageOut(TypedDict):
    messages: list[MessageOut]
    next_cursor: str | None


class ReplyOut(TypedDict):
    ticket: TicketOut
    message: MessageOut


EventOut = TypedDict(
    "EventOut",
    {"transition": str, "from": str | None, "to": str, "actor_id": str | None, "at": str | None},
)


class TimelineOut(TypedDict):
    events: list[EventOut]
    next_cursor: str | None


class ActivityOut(TypedDict):
    day: str
    agents: list[dict[str, Any]]  # employee_id and every recorded metric


def intake_company(call: Call) -> Company:
    """The intake key's company, read once per request (the view and its CORS headers both need it)."""
    if "company" not in call.cache:
        call.cache["company"] = by_intake_key(call.path_params.get("intake_key", ""))
    company: Company = call.cache["company"]
    return company


def intake_cors(call: Call) -> dict[str, str]:
    """CORS for the origins the company lists (`cors_origins`), on every answer, errors included."""
    origin = call.request.headers.get("origin")
    if not origin:
        return {}
    try:
        allowed = intake.allowed_origin(intake_company(call), origin)
    except DomainError:
        return {}
    return intake.cors_headers(allowed) if allowed else {"Vary": "Origin"}


def require_allowed_origin(call: Call, company: Company) -> str | None:
    origin = call.request.headers.get("origin")
    if origin and not intake.allowed_origin(company, origin):
        raise Forbidden("This site may not send requests to this service desk (its origin is not listed).")
    return origin


@route(
    "POST",
    "/intake/{intake_key}/tickets",
    summary="A customer opens a ticket (public intake; CORS for the company's listed origins)",
    tag="Customers",
    auth="public",
    body=IntakeTicket,
    status=201,
    cors=intake_cors,
    responses={403: "The Origin is not one the company lists", 429: "Too many tickets from this address or client"},
)
def open_ticket(call: Call, intake_key: str) -> IntakeOut:
    request: IntakeTicket = call.body
    # the company, the customer and their karma in one read; the CORS headers use the same company
    company, customer, karma = service.read_for_intake(intake_key, request.customer_email)
    call.cache["company"] = company
    from_browser = require_allowed_origin(call, company)
    checks: list[tuple[ratelimit.Limit, str | None]] = [(intake.INTAKE_ADDRESS, request.customer_email)]
    if from_browser:  # a widget on the company's site: limited per client too
        checks.append((intake.FORM_IP, call.client_ip))
    # the counters are written in the ticket's own transaction: a refused request writes nothing
    charges = ratelimit.charges(company.company_id, checks)
    result = service.open_ticket_for(company, request, read=(customer, karma), charges=charges)
    token = None if result.merged else result.link
    return {
        "ticket_id": result.ticket.ticket_id,
        "merged": result.merged,
        "first_line_skipped": result.ticket.routing_reason == "skip_first_line",
        "customer_link": f"{get_settings().public_base_url}/c/{token}" if token else None,
        "link_token": token,
    }


@route(
    "OPTIONS",
    "/intake/{intake_key}/tickets",
    summary="CORS preflight: allowed for the origins the company lists",
    tag="Customers",
    auth="public",
    status=204,
    content_types=["application/json", "text/plain"],
    cors=intake_cors,
    responses={403: "No Origin, or one the company does not list: no CORS headers"},
)
def intake_preflight(call: Call, intake_key: str) -> None:
    require_allowed_origin(call, intake_company(call))
    if not call.request.headers.get("origin"):
        raise Forbidden("A CORS preflight needs an Origin.")


@route(
    "POST",
    "/tickets/next",
    summary="Take the next ticket (FIFO within your queues)",
    tag=TAG,
    content_types=["application/json", "text/plain"],
    company=("staff", "loads"),  # who is on duty and agents' loads, for karma-aware order
)
def take_next(call: Call) -> TicketOut | None:
    ticket = service.take(call.who)
    return None if ticket is None else ticket_view(ticket, utcnow())


@route(
    "GET",
    "/tickets",
    summary="List tickets",
    tag=TAG,
    query={
        "status": Param("Only tickets in this status", "enum", choices=STATUSES),
        "assignee": Param("me, or an employee id", pattern=r"me|[a-z]{2,4}_[A-Za-z0-9_-]{16,64}"),
        **PAGED,
    },
)
def list_tickets(call: Call) -> TicketPageOut:
    found = service.list_tickets(
        call.who,
        status=call.query.get("status"),
        assignee=call.query.get("assignee"),
        limit=int(call.query.get("limit", 50)),
        cursor=call.query.get("cursor"),
    )
    now = utcnow()
    return {"tickets": [ticket_view(t, now) for t in found.items], "next_cursor": found.next_cursor}


@route("GET", "/tickets/{ticket_id}", summary="One ticket", tag=TAG, reads=service.path_ticket)
def get_ticket(call: Call, ticket_id: str) -> TicketOut:
    return ticket_view(service.get(call.who, ticket_id), utcnow())


@route(
    "GET",
    "/tickets/{ticket_id}/messages",
    summary="The ticket's thread, notes included",
    tag=TAG,
    query=PAGED,
    reads=service.path_ticket,
)
def list_messages(call: Call, ticket_id: str) -> MessagePageOut:
    ticket = service.get(call.who, ticket_id)
    limit = int(call.query.get("limit", 50))
    found = service.message_page(ticket.company_id, ticket.ticket_id, limit, call.query.get("cursor"))
    return {"messages": [message_view(m) for m in found.items], "next_cursor": found.next_cursor}


@route(
    "POST",
    "/tickets/{ticket_id}/messages",
    summary="Reply to the customer or add an internal note",
    tag=TAG,
    body=Reply,
    status=201,
    reads=service.path_ticket,
)
def reply(call: Call, ticket_id: str) -> ReplyOut:
    ticket, message = service.reply(call.who, ticket_id, call.body)
    return {"ticket": ticket_view(ticket, utcnow()), "message": message_view(message)}


@route(
    "POST",
    "/tickets/{ticket_id}/transfer",
    summary="Transfer to an agent, a department or a tier",
    tag=TAG,
    body=Transfer,
    company=("staff",),  # whether the agent transferred to may receive tickets now
    reads=service.path_ticket,
)
def transfer(call: Call, ticket_id: str) -> TicketOut:
    return ticket_view(service.transfer(call.who, ticket_id, call.body), utcnow())


@route("POST", "/tickets/{ticket_id}/tags", summary="Add tags", tag=TAG, body=Tags, reads=service.path_ticket)
def tag(call: Call, ticket_id: str) -> TicketOut:
    return ticket_view(service.tag(call.who, ticket_id, call.body), utcnow())


@route(
    "POST",
    "/tickets/{ticket_id}/resolve",
    summary="Resolve; the customer is asked to confirm",
    tag=TAG,
    content_types=["application/json", "text/plain"],
    reads=service.path_ticket,
)
def resolve(call: Call, ticket_id: str) -> TicketOut:
    return ticket_view(service.resolve(call.who, ticket_id), utcnow())


@route(
    "POST",
    "/tickets/{ticket_id}/calls",
    summary="Log a phone call on the ticket",
    tag=TAG,
    body=CallLog,
    status=201,
    reads=service.path_ticket,
)
def log_call(call: Call, ticket_id: str) -> TicketOut:
    return ticket_view(service.log_call(call.who, ticket_id, call.body.duration_seconds), utcnow())


@route(
    "GET",
    "/tickets/{ticket_id}/timeline",
    summary="Lifecycle transitions (from the stream)",
    tag=TAG,
    query=PAGED,
    reads=service.path_ticket,
)
def timeline(call: Call, ticket_id: str) -> TimelineOut:
    ticket = service.get(call.who, ticket_id)
    limit = int(call.query.get("limit", 50))
    found = lifecycle.timeline_page(ticket, limit, call.query.get("cursor"))
    return {
        "next_cursor": found.next_cursor,
        "events": [
            {
                "transition": e.transition,
                "from": e.from_status,
                "to": e.to_status,
                "actor_id": e.actor_id,
                "at": iso(e.occurred_at),
            }
            for e in found.items
        ],
    }


@route(
    "GET",
    "/activity/{day}",
    summary="Agents' recorded activity for one day (managers)",
    tag="Activity",
    role="manager",
)
def activity_day(call: Call, day: str) -> ActivityOut:
    from datetime import date

    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        raise ValidationFailed(
            "The day must be YYYY-MM-DD.", [{"field": "path.day", "message": "must be YYYY-MM-DD", "code": "date"}]
        ) from None
    items = activity.read_days(call.who.company_id, [parsed])
    metrics = activity.COUNTERS + activity.EXTREMES + activity.DISTINCT
    return {
        "day": parsed.isoformat(),
        "agents": [{"employee_id": i.employee_id, **{m: activity.metric_value(i, m) for m in metrics}} for i in items],
    }
