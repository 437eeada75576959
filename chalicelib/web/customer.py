"""The pages customers open from their e-mails: their ticket, with a reply form and the confirm button, and
the confirm page of the "resolved" e-mail, which shows the rating stars and the Tip button once confirmed."""

from __future__ import annotations

from chalicelib import links
from chalicelib.errors import DomainError, ValidationFailed
from chalicelib.http.responses import HTML
from chalicelib.http.route import Call, Page, Redirect, route
from chalicelib.i18n import locale_of
from chalicelib.mail.threading import subject_reference
from chalicelib.notify import confirm
from chalicelib.pages import customer_ticket as pages
from chalicelib.settings import get_settings
from chalicelib.tickets import service
from chalicelib.tickets.schemas import CustomerReply
from chalicelib.tickets.views import customer_ticket_view
from chalicelib.tips import customer as tips_customer
from chalicelib.web import FORM
from chalicelib.web.tips import page_of as rating_page_of

TAG = "Customer pages"
TICKET = links.CUSTOMER_TICKET


def _page_base(link: str) -> str:
    return f"{get_settings().public_base_url}/c/{link}"


def _ticket_page(call: Call, link: str, error: str | None = None, status: int = 200) -> Page:
    """The page in the ticket's language, with the company's name and times in its time zone (two requests)."""
    ticket, company, thread = service.customer_ticket_page(call.link.company_id, call.link.ticket_id)
    call.locale = locale_of(ticket.locale)
    view = dict(customer_ticket_view(ticket, thread))
    context = pages.ticket_context(
        view, _page_base(link), error, locale=call.locale, company_name=company.name, timezone=company.timezone
    )
    return Page(pages.TEMPLATE, context, status)


@route("GET", "/c/{link}", summary="The customer's ticket page", tag=TAG, auth="link", link=TICKET, produces=HTML)
def ticket_page(call: Call, link: str) -> Page:
    return _ticket_page(call, link)


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
def page_reply(call: Call, link: str) -> Page | Redirect:
    try:
        reply = call.valid_form()
    except ValidationFailed:
        return _ticket_page(call, link, pages.REPLY_REQUIRED, 422)
    service.customer_reply(link, reply.body)
    return Redirect(_page_base(link))


@route(
    "GET",
    "/c/{link}/confirm",
    summary="Is your problem solved? One button (a GET only shows it; mail scanners pre-click links)",
    tag=TAG,
    auth="link",
    link=TICKET,
    produces=HTML,
)
def confirm_page(call: Call, link: str) -> Page:
    ticket, company = service.ticket_and_company(call.link.company_id, call.link.ticket_id)
    call.locale = locale_of(ticket.locale)  # the customer's language, as their e-mails
    if ticket.status == "closed":
        rate = confirm.rating_link(ticket, company)
        if rate is not None:  # confirmed: the stars and the Tip button at once, on this page
            try:
                return rating_page_of(call, tips_customer.rating_page(rate, confirmed=True))
            except DomainError:
                pass  # e.g. the employee is gone: the plain "closed" page below
    view = {"subject": ticket.subject, "status": ticket.status, "reference": subject_reference(ticket.ticket_id)}
    context = {"title": ticket.subject, "company_name": company.name, "ticket": view, "page_url": _page_base(link)}
    return Page("web/confirm.html", context)


@route(
    "POST",
    "/c/{link}/confirm",
    summary="The customer confirms: the ticket closes, then the page asks for a rating",
    tag=TAG,
    auth="link",
    link=TICKET,
    produces=HTML,
    content_types=FORM,
)
def page_confirm(call: Call, link: str) -> Redirect:
    ticket, timezone = service.customer_confirm_in_zone(link)
    confirm.entered(ticket, timezone)
    return Redirect(f"{_page_base(link)}/confirm")
