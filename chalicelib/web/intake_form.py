"""The company's public web form (`/f/<intake key>`): name, e-mail, subject, message, in English or Russian,
without JavaScript, usable on a phone. A bot that fills the hidden field is thanked and nothing is stored;
too many requests from one address or one client get a friendly page (429)."""

from __future__ import annotations

from typing import Any

from chalicelib import ratelimit
from chalicelib.companies import by_intake_key
from chalicelib.errors import ValidationFailed
from chalicelib.http.responses import HTML
from chalicelib.http.route import Call, Page, Param, Redirect, route
from chalicelib.i18n import supported_locales
from chalicelib.intake import FORM_ADDRESS, FORM_IP, HONEYPOT, WebForm
from chalicelib.mail.threading import subject_reference
from chalicelib.settings import get_settings
from chalicelib.tickets import service
from chalicelib.tickets.schemas import IntakeTicket

TAG = "Customer pages"
FIELDS = ("name", "email", "subject", "message")
LANG = {"lang": Param("The page's language (default: the browser's)", "enum", choices=("en", "ru"))}


def choose_locale(call: Call) -> str:
    """`?lang=` (the language links) or the form's own `lang`, else the browser's Accept-Language."""
    wanted = call.query.get("lang") or (call.form.get("lang") if call.request.method == "POST" else None)
    if wanted and wanted in supported_locales():
        call.locale = wanted
    return call.locale


def form_page(call: Call, company_name: str, intake_key: str, **extra: Any) -> Page:
    status = int(extra.pop("status", 200))
    context = {
        "title": company_name,
        "company_name": company_name,
        "action": f"{get_settings().public_base_url}/f/{intake_key}",
        "intake_key": intake_key,
        "values": {},
        "errors": [],
        "problem": None,
        **extra,
    }
    return Page("web/intake_form.html", context, status=status)


@route("GET", "/f/{intake_key}", summary="The company's web form", tag=TAG, auth="public", produces=HTML, query=LANG)
def show_form(call: Call, intake_key: str) -> Page:
    company = by_intake_key(intake_key)
    choose_locale(call)
    return form_page(call, company.name, intake_key)


@route(
    "POST",
    "/f/{intake_key}",
    summary="A customer sends the web form",
    tag=TAG,
    auth="public",
    produces=HTML,
    form=WebForm,
)
def send_form(call: Call, intake_key: str) -> Page | Redirect:
    locale = choose_locale(call)
    sent = f"{get_settings().public_base_url}/f/{intake_key}/sent?lang={locale}"
    values = {name: call.form.get(name, "") for name in FIELDS}
    try:
        form: WebForm = call.valid_form()
    except ValidationFailed as error:
        company = by_intake_key(intake_key)
        if call.form.get(HONEYPOT, "").strip():
            return Redirect(sent)  # a bot: thanked, nothing stored
        wrong = sorted({str(e["field"]).split(".")[0] for e in error.errors} & set(FIELDS))
        return form_page(call, company.name, intake_key, values=values, errors=wrong, status=422)
    # the company, the customer and their karma in one read
    company, customer, karma = service.read_for_intake(intake_key, form.email)
    if call.form.get(HONEYPOT, "").strip():
        return Redirect(sent)  # a bot: thanked, nothing stored
    # the counters are written in the ticket's own transaction: a refused request writes nothing
    charges = ratelimit.charges(company.company_id, [(FORM_ADDRESS, form.email), (FORM_IP, call.client_ip)])
    request = IntakeTicket(
        subject=form.subject,
        body=form.message,
        customer_name=form.name,
        customer_email=form.email,
        channel="web",
        locale="ru" if locale == "ru" else "en",
    )
    try:
        result = service.open_ticket_for(company, request, read=(customer, karma), charges=charges)
    except ratelimit.RateLimited as limited:
        minutes = max(1, round(limited.retry_after / 60))
        return form_page(call, company.name, intake_key, values=values, problem=minutes, status=429)
    reference = subject_reference(result.ticket.ticket_id).lstrip("#")
    return Redirect(f"{sent}&ref={reference}{'&merged=1' if result.merged else ''}")


@route(
    "GET",
    "/f/{intake_key}/sent",
    summary="The web form's thank-you page",
    tag=TAG,
    auth="public",
    produces=HTML,
    query={**LANG, "ref": Param("The request's reference", pattern="[0-9A-F]{8}"), "merged": Param("1: merged")},
)
def form_sent(call: Call, intake_key: str) -> Page:
    company = by_intake_key(intake_key)
    choose_locale(call)
    reference = call.query.get("ref", "")
    context = {
        "title": company.name,
        "company_name": company.name,
        "reference": f"#{reference}" if reference.isalnum() and len(reference) <= 8 else None,
        "merged": call.query.get("merged") == "1",
        "form_url": f"{get_settings().public_base_url}/f/{intake_key}",
    }
    return Page("web/intake_sent.html", context)
