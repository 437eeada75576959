"""The pages customers open from their e-mails: their ticket, with a reply form and the confirm button."""

from __future__ import annotations

from chalice import Response

from chalicelib import links
from chalicelib.errors import ValidationFailed
from chalicelib.http.responses import HTML, html_response, see_other
from chalicelib.http.route import Call, route
from chalicelib.pages import customer_ticket as pages
from chalicelib.settings import get_settings
from chalicelib.tickets import service
from chalicelib.tickets.schemas import CustomerReply
from chalicelib.tickets.views import customer_ticket_view

TAG = "Customer pages"
TICKET = links.CUSTOMER_TICKET


def _page_base(link: str) -> str:
    return f"{get_settings().public_base_url}/c/{link}"


@route("GET", "/c/{link}", summary="The customer's ticket page", tag=TAG, auth="link", link=TICKET, produces=HTML)
def ticket_page(call: Call, link: str) -> Response:
    ticket, thread = service.customer_ticket(link)
    return html_response(pages.ticket_page(dict(customer_ticket_view(ticket, thread)), _page_base(link)))


@route(
    "POST",
    "/c/{link}/reply",
    summary="The customer replies from the page",
    tag=TAG,
    auth="link",
    link=TICKET,
    produces=HTML,
    form=CustomerReply,
)
def page_reply(call: Call, link: str) -> Response:
    try:
        reply = call.valid_form()
    except ValidationFailed:
        ticket, thread = service.customer_ticket(link)
        view = dict(customer_ticket_view(ticket, thread))
        page = pages.ticket_page(view, _page_base(link), pages.REPLY_REQUIRED, locale=ticket.locale)
        return html_response(page, 422)
    service.customer_reply(link, reply.body)
    return see_other(_page_base(link))


@route(
    "POST",
    "/c/{link}/confirm",
    summary="The customer confirms from the page",
    tag=TAG,
    auth="link",
    link=TICKET,
    produces=HTML,
    content_types=["application/x-www-form-urlencoded"],
)
def page_confirm(call: Call, link: str) -> Response:
    service.customer_confirm(link)
    return see_other(_page_base(link))
