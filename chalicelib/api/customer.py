"""Routes customers reach through the signed link they were given: view, reply, confirm."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.api.http import FORM, HTML, Call, form_fields, html_response, route, see_other
from chalicelib.errors import ValidationFailed
from chalicelib.pages import customer_ticket as pages
from chalicelib.settings import get_settings
from chalicelib.tickets import service
from chalicelib.tickets.schemas import CustomerReply
from chalicelib.tickets.views import customer_ticket_view
from chalicelib.validation import validate

bp = Blueprint(__name__)
TAG = "Customers"


@route(bp, "/customer/tickets/{link}", "GET", summary="The customer's view of their ticket", tag=TAG, auth="link")
def view_ticket(call: Call, link: str) -> dict[str, Any]:
    ticket, thread = service.customer_ticket(link)
    return customer_ticket_view(ticket, thread)


@route(
    bp,
    "/customer/tickets/{link}/messages",
    "POST",
    summary="The customer replies (reopens if resolved)",
    tag=TAG,
    auth="link",
    body=CustomerReply,
    status=201,
)
def reply(call: Call, link: str) -> dict[str, Any]:
    ticket = service.customer_reply(link, call.body.body)
    return customer_ticket_view(ticket, service.messages(ticket.company_id, ticket.ticket_id, public_only=True))


@route(
    bp,
    "/customer/tickets/{link}/confirm",
    "POST",
    summary="The customer confirms the resolution; it closes",
    tag=TAG,
    auth="link",
    content_types=["application/json", "text/plain", "application/x-www-form-urlencoded"],
)
def confirm(call: Call, link: str) -> dict[str, Any]:
    ticket = service.customer_confirm(link)
    return customer_ticket_view(ticket, service.messages(ticket.company_id, ticket.ticket_id, public_only=True))


# ---- the same, as pages customers open from their e-mail (forms post back and redirect)


def _page_base(link: str) -> str:
    return f"{get_settings().public_base_url}/c/{link}"


@route(bp, "/c/{link}", "GET", summary="The customer's ticket page", tag=TAG, auth="link", produces=HTML)
def ticket_page(call: Call, link: str) -> Response:
    ticket, thread = service.customer_ticket(link)
    return html_response(pages.ticket_page(customer_ticket_view(ticket, thread), _page_base(link)))


@route(
    bp,
    "/c/{link}/reply",
    "POST",
    summary="The customer replies from the page",
    tag=TAG,
    auth="link",
    produces=HTML,
    content_types=[FORM],
)
def page_reply(call: Call, link: str) -> Response:
    try:
        reply = validate(CustomerReply, form_fields(call.request))
    except ValidationFailed:
        ticket, thread = service.customer_ticket(link)
        page = pages.ticket_page(customer_ticket_view(ticket, thread), _page_base(link), "Please write a reply first.")
        return html_response(page, 422)
    service.customer_reply(link, reply.body)
    return see_other(_page_base(link))


@route(
    bp,
    "/c/{link}/confirm",
    "POST",
    summary="The customer confirms from the page",
    tag=TAG,
    auth="link",
    produces=HTML,
    content_types=[FORM],
)
def page_confirm(call: Call, link: str) -> Response:
    service.customer_confirm(link)
    return see_other(_page_base(link))
