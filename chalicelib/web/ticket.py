"""The ticket page and what an agent does on it: reply or note (with canned replies), tag, transfer,
resolve, and rate the customer afterwards. Each action posts a form and comes back to the page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.clock import utcnow
from chalicelib.errors import DomainError, ValidationFailed
from chalicelib.http.responses import HTML
from chalicelib.http.route import Call, Page, Redirect, route
from chalicelib.settings import get_settings
from chalicelib.validation import validate
from chalicelib.web import FORM
from chalicelib.web.chrome import staff_page

TAG = "Staff pages"


def _path_ticket(company_id: str, params: Mapping[str, str]) -> list[tuple[Any, Any, Any]]:
    """The ticket the path names, read with the session (chalicelib/db/prefetch.py)."""
    from chalicelib.tickets.service import path_ticket

    return path_ticket(company_id, params)


def _page_path(ticket_id: str) -> str:
    return f"{get_settings().public_base_url}/desk/tickets/{ticket_id}"


def render_ticket(call: Call, ticket_id: str, draft: str = "", reply_error: bool = False, status: int = 200) -> Page:
    from chalicelib import desk

    now = utcnow()
    page = desk.ticket_page(call.who, ticket_id, now, None if draft else call.query.get("canned"))
    ticket = page.ticket
    draft = draft or page.chosen_body
    people = page.employees
    customer_name = page.customer.name if page.customer else "—"

    def person(employee_id: str) -> str:
        employee = people.get(employee_id)
        return employee.name if employee else "—"

    def author(message: Any) -> str:
        return person(message.author_id) if message.author_type == "agent" else customer_name

    handled = call.who.employee_id in (ticket.assignee_id, ticket.resolved_by)
    context = {
        "title": ticket.subject,
        "raw_title": True,  # the subject is the customer's text, not a message of the catalog
        "page": page,
        "sla_state": page.sla_state(now),
        "assignee_name": person(ticket.assignee_id) if ticket.assignee_id else "",
        "customer_name": customer_name,
        "canned": page.canned,
        "draft": draft,
        "reply_error": reply_error,
        "targets": desk.transfer_targets(page, call.who),
        "can_rate": ticket.status in ("resolved", "closed") and handled and not page.rated and page.customer,
        "person": person,
        "author": author,
    }
    return staff_page(call, "web/ticket.html", context, status, current="desk")


@route(
    "GET",
    "/desk/tickets/{ticket_id}",
    summary="A ticket: the thread, the customer, SLA, timeline and the agent's actions",
    tag=TAG,
    auth="session",
    produces=HTML,
    query={"canned": "a canned reply to put in the reply box"},
    # names, who receives tickets, karma thresholds, canned replies (desk.COMPANY_PARTS)
    company=("staff", "settings", "canned"),
    reads=_path_ticket,
)
def ticket_page(call: Call, ticket_id: str) -> Page:
    return render_ticket(call, ticket_id)


def _done(ticket_id: str, notice: str) -> Redirect:
    return Redirect(f"{_page_path(ticket_id)}?notice={notice}")


def _refused(ticket_id: str, error: DomainError) -> Redirect:
    return Redirect(f"{_page_path(ticket_id)}?error={error.slug}")


@route(
    "POST",
    "/desk/tickets/{ticket_id}/reply",
    summary="Reply to the customer or add an internal note",
    tag=TAG,
    auth="session",
    produces=HTML,
    content_types=FORM,
    reads=_path_ticket,
)
def reply(call: Call, ticket_id: str) -> Page | Redirect:
    from chalicelib.tickets import service
    from chalicelib.tickets.schemas import Reply

    visibility = "internal" if call.form.get("visibility") == "internal" else "public"
    body = call.form.get("body", "")
    try:
        request = validate(Reply, {"body": body, "visibility": visibility})
    except ValidationFailed:
        return render_ticket(call, ticket_id, draft=body[:20_000], reply_error=True, status=422)
    try:
        service.reply(call.who, ticket_id, request)
    except DomainError as error:
        if error.status == 404:
            raise
        return _refused(ticket_id, error)
    return _done(ticket_id, "noted" if visibility == "internal" else "replied")


@route(
    "POST",
    "/desk/tickets/{ticket_id}/tags",
    summary="Add tags (comma-separated)",
    tag=TAG,
    auth="session",
    produces=HTML,
    content_types=FORM,
    reads=_path_ticket,
)
def add_tags(call: Call, ticket_id: str) -> Redirect:
    from chalicelib.tickets import service
    from chalicelib.tickets.schemas import Tags

    tags = [part.strip().lower() for part in call.form.get("tags", "").replace(";", ",").split(",") if part.strip()]
    try:
        service.tag(call.who, ticket_id, validate(Tags, {"tags": tags}))
    except ValidationFailed:
        return Redirect(f"{_page_path(ticket_id)}?error=bad-tags")
    except DomainError as error:
        if error.status == 404:
            raise
        return _refused(ticket_id, error)
    return _done(ticket_id, "tagged")


@route(
    "POST",
    "/desk/tickets/{ticket_id}/transfer",
    summary="Transfer to an agent or a queue",
    tag=TAG,
    auth="session",
    produces=HTML,
    content_types=FORM,
    company=("staff",),  # whether the agent transferred to may receive tickets now
    reads=_path_ticket,
)
def transfer(call: Call, ticket_id: str) -> Redirect:
    from chalicelib.tickets import service
    from chalicelib.tickets.schemas import Transfer

    kind, _, rest = call.form.get("to", "").partition(":")
    if kind == "agent":
        data: dict[str, Any] = {"to_agent_id": rest}
    elif kind == "queue":
        tier, _, department = rest.partition(":")
        data = {"tier": int(tier) if tier in ("1", "2") else 0, "department": department or None}
    else:
        data = {}
    try:
        service.transfer(call.who, ticket_id, validate(Transfer, data))
    except ValidationFailed:
        return Redirect(f"{_page_path(ticket_id)}?error=bad-transfer")
    except DomainError as error:
        if error.status == 404 and "Ticket" in error.detail:
            raise
        return _refused(ticket_id, error)
    return Redirect(f"{get_settings().public_base_url}/desk?notice=transferred")


@route(
    "POST",
    "/desk/tickets/{ticket_id}/resolve",
    summary="Resolve; the customer is asked to confirm",
    tag=TAG,
    auth="session",
    produces=HTML,
    content_types=FORM,
    reads=_path_ticket,
)
def resolve(call: Call, ticket_id: str) -> Redirect:
    from chalicelib.tickets import service

    try:
        service.resolve(call.who, ticket_id)
    except DomainError as error:
        if error.status == 404:
            raise
        return _refused(ticket_id, error)
    return _done(ticket_id, "resolved")


@route(
    "POST",
    "/desk/tickets/{ticket_id}/rating",
    summary="Rate the ticket's customer: literacy, temperament, private note",
    tag=TAG,
    auth="session",
    produces=HTML,
    content_types=FORM,
    reads=_path_ticket,
)
def rate_customer(call: Call, ticket_id: str) -> Redirect:
    from chalicelib.karma import ratings

    form = call.form
    data: dict[str, Any] = {
        "literacy": int(form["literacy"]) if form.get("literacy", "").isdigit() else None,
        "temperament": int(form["temperament"]) if form.get("temperament", "").isdigit() else None,
    }
    if form.get("note", "").strip():
        data["note"] = form["note"]
    try:
        ratings.rate(call.who, ticket_id, validate(ratings.NewCustomerRating, data))
    except ValidationFailed:
        return Redirect(f"{_page_path(ticket_id)}?error=bad-rating")
    except DomainError as error:
        if error.status == 404:
            raise
        return _refused(ticket_id, error)
    return _done(ticket_id, "rated")
