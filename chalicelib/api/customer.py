"""Routes customers reach through the signed link they were given: view, reply, confirm."""

from __future__ import annotations

from chalicelib import links
from chalicelib.http.route import Call, route
from chalicelib.tickets import service
from chalicelib.tickets.schemas import CustomerReply
from chalicelib.tickets.views import CustomerTicketOut, customer_ticket_view

TAG = "Customers"


@route(
    "GET",
    "/customer/tickets/{link}",
    summary="The customer's view of their ticket",
    tag=TAG,
    auth="link",
    link=links.CUSTOMER_TICKET,
)
def view_ticket(call: Call, link: str) -> CustomerTicketOut:
    ticket, thread = service.customer_ticket(link)
    return customer_ticket_view(ticket, thread)


@route(
    "POST",
    "/customer/tickets/{link}/messages",
    summary="The customer replies (reopens if resolved)",
    tag=TAG,
    auth="link",
    link=links.CUSTOMER_TICKET,
    body=CustomerReply,
    status=201,
)
def reply(call: Call, link: str) -> CustomerTicketOut:
    ticket = service.customer_reply(link, call.body.body)
    return customer_ticket_view(ticket, service.messages(ticket.company_id, ticket.ticket_id, public_only=True))


@route(
    "POST",
    "/customer/tickets/{link}/confirm",
    summary="The customer confirms the resolution; it closes",
    tag=TAG,
    auth="link",
    link=links.CUSTOMER_TICKET,
    content_types=["application/json", "text/plain", "application/x-www-form-urlencoded"],
)
def confirm(call: Call, link: str) -> CustomerTicketOut:
    ticket = service.customer_confirm(link)
    return customer_ticket_view(ticket, service.messages(ticket.company_id, ticket.ticket_id, public_only=True))
