"""Routes for agents and managers working tickets, and the public intake."""

from __future__ import annotations

from typing import Any

from chalicelib import activity, intake, lifecycle, ratelimit
from chalicelib.clock import iso, utcnow
from chalicelib.companies import by_intake_key
from chalicelib.db.models import Company
from chalicelib.errors import DomainError, Forbidden, ValidationFailed
from chalicelib.http.body import query_choice, query_int
from chalicelib.http.route import Call, route
from chalicelib.settings import get_settings
from chalicelib.tickets import service
from chalicelib.tickets.schemas import CallLog, IntakeTicket, Reply, Tags, Transfer
from chalicelib.tickets.views import message_view, ticket_view

TAG = "Tickets"
STATUSES = ("queued", "assigned", "resolved", "closed")


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
def open_ticket(call: Call, intake_key: str) -> dict[str, Any]:
    company = intake_company(call)
    from_browser = require_allowed_origin(call, company)
    request: IntakeTicket = call.body
    checks: list[tuple[ratelimit.Limit, str | None]] = [(intake.INTAKE_ADDRESS, request.customer_email)]
    if from_browser:  # a widget on the company's site: limited per client too
        checks.append((intake.FORM_IP, call.client_ip))
    ratelimit.require(company.company_id, checks)
    result = service.open_ticket_for(company, request)
    link = f"{get_settings().public_base_url}/c/{result.link}"
    return {
        "ticket_id": result.ticket.ticket_id,
        "merged": result.merged,
        "first_line_skipped": result.ticket.routing_reason == "skip_first_line",
        "customer_link": link,
        "link_token": result.link,
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
)
def take_next(call: Call) -> dict[str, Any] | None:
    ticket = service.take(call.who)
    return None if ticket is None else ticket_view(ticket, utcnow())


@route(
    "GET",
    "/tickets",
    summary="List tickets",
    tag=TAG,
    query={
        "status": "queued | assigned | resolved | closed",
        "assignee": "me or an employee id",
        "limit": "1-100, default 50",
    },
)
def list_tickets(call: Call) -> dict[str, Any]:
    status = query_choice(call.query, "status", STATUSES)
    limit = query_int(call.query, "limit", 50, 1, 100)
    tickets = service.list_tickets(call.who, status=status, assignee=call.query.get("assignee"), limit=limit)
    now = utcnow()
    return {"tickets": [ticket_view(t, now) for t in tickets]}


@route("GET", "/tickets/{ticket_id}", summary="One ticket", tag=TAG)
def get_ticket(call: Call, ticket_id: str) -> dict[str, Any]:
    return ticket_view(service.get(call.who, ticket_id), utcnow())


@route("GET", "/tickets/{ticket_id}/messages", summary="The ticket's thread, notes included", tag=TAG)
def list_messages(call: Call, ticket_id: str) -> dict[str, Any]:
    ticket = service.get(call.who, ticket_id)
    thread = service.messages(ticket.company_id, ticket.ticket_id, public_only=False)
    return {"messages": [message_view(m) for m in thread]}


@route(
    "POST",
    "/tickets/{ticket_id}/messages",
    summary="Reply to the customer or add an internal note",
    tag=TAG,
    body=Reply,
    status=201,
)
def reply(call: Call, ticket_id: str) -> dict[str, Any]:
    ticket, message = service.reply(call.who, ticket_id, call.body)
    return {"ticket": ticket_view(ticket, utcnow()), "message": message_view(message)}


@route(
    "POST",
    "/tickets/{ticket_id}/transfer",
    summary="Transfer to an agent, a department or a tier",
    tag=TAG,
    body=Transfer,
)
def transfer(call: Call, ticket_id: str) -> dict[str, Any]:
    return ticket_view(service.transfer(call.who, ticket_id, call.body), utcnow())


@route("POST", "/tickets/{ticket_id}/tags", summary="Add tags", tag=TAG, body=Tags)
def tag(call: Call, ticket_id: str) -> dict[str, Any]:
    return ticket_view(service.tag(call.who, ticket_id, call.body), utcnow())


@route(
    "POST",
    "/tickets/{ticket_id}/resolve",
    summary="Resolve; the customer is asked to confirm",
    tag=TAG,
    content_types=["application/json", "text/plain"],
)
def resolve(call: Call, ticket_id: str) -> dict[str, Any]:
    return ticket_view(service.resolve(call.who, ticket_id), utcnow())


@route(
    "POST",
    "/tickets/{ticket_id}/calls",
    summary="Log a phone call on the ticket",
    tag=TAG,
    body=CallLog,
    status=201,
)
def log_call(call: Call, ticket_id: str) -> dict[str, Any]:
    return ticket_view(service.log_call(call.who, ticket_id, call.body.duration_seconds), utcnow())


@route("GET", "/tickets/{ticket_id}/timeline", summary="Lifecycle transitions (from the stream)", tag=TAG)
def timeline(call: Call, ticket_id: str) -> dict[str, Any]:
    ticket = service.get(call.who, ticket_id)
    events = lifecycle.timeline(ticket.company_id, ticket.ticket_id)
    return {
        "events": [
            {
                "transition": e.transition,
                "from": e.from_status,
                "to": e.to_status,
                "actor_id": e.actor_id,
                "at": iso(e.occurred_at),
            }
            for e in events
        ]
    }


@route(
    "GET",
    "/activity/{day}",
    summary="Agents' recorded activity for one day (managers)",
    tag="Activity",
    role="manager",
)
def activity_day(call: Call, day: str) -> dict[str, Any]:
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
