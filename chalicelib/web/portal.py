"""'My requests': the request form on the company's pages, the single-use link's page, and the list."""

from __future__ import annotations

from chalicelib import links, portal
from chalicelib.companies import by_intake_key
from chalicelib.companies import get as get_company
from chalicelib.errors import ValidationFailed
from chalicelib.http.responses import HTML, cookie, read_cookie
from chalicelib.http.route import Call, Page, Redirect, route
from chalicelib.i18n import format_timezone
from chalicelib.intake import HONEYPOT, PORTAL_ADDRESS, PORTAL_IP, PortalRequest
from chalicelib.settings import get_settings
from chalicelib.web import FORM
from chalicelib.web.intake_form import LANG, choose_locale

TAG = "Customer pages"


def _base() -> str:
    return get_settings().public_base_url


def request_page(company_name: str, intake_key: str, **extra: object) -> Page:
    status = int(str(extra.pop("status", 200)))
    context = {
        "title": company_name,
        "company_name": company_name,
        "action": f"{_base()}/f/{intake_key}/requests",
        "form_url": f"{_base()}/f/{intake_key}",
        "value": "",
        "invalid": False,
        "problem": None,
        **extra,
    }
    return Page("web/portal_request.html", context, status)


@route(
    "GET",
    "/f/{intake_key}/requests",
    summary="Ask for a link to all your requests",
    tag=TAG,
    auth="public",
    produces=HTML,
)
def show_request_form(call: Call, intake_key: str) -> Page:
    company = by_intake_key(intake_key)
    choose_locale(call)
    return request_page(company.name, intake_key)


@route(
    "POST",
    "/f/{intake_key}/requests",
    summary="Mail me a link to my requests (the same answer whether or not the address has any)",
    tag=TAG,
    auth="public",
    produces=HTML,
    form=PortalRequest,
)
def send_request_form(call: Call, intake_key: str) -> Page | Redirect:
    locale = choose_locale(call)
    sent = Redirect(f"{_base()}/f/{intake_key}/requests/sent?lang={locale}")
    try:
        form: PortalRequest = call.valid_form()
    except ValidationFailed:
        company = by_intake_key(intake_key)
        if call.form.get(HONEYPOT, "").strip():
            return sent
        return request_page(company.name, intake_key, value=call.form.get("email", ""), invalid=True, status=422)
    if call.form.get(HONEYPOT, "").strip():
        by_intake_key(intake_key)  # an unknown key is a 404 for bots too
        return sent
    # the company, the customer and the suppression list read at once; the counters and the mail's claim
    # written at once (chalicelib/portal)
    asked = portal.request_link(
        intake_key, form.email, locale, [(PORTAL_ADDRESS, form.email), (PORTAL_IP, call.client_ip)]
    )
    if asked.refused is not None:
        minutes = max(1, round(asked.refused.retry_after / 60))
        return request_page(asked.company.name, intake_key, value=form.email, problem=minutes, status=429)
    return sent


@route(
    "GET",
    "/f/{intake_key}/requests/sent",
    summary="The same answer for every address",
    tag=TAG,
    auth="public",
    produces=HTML,
    query=LANG,
)
def request_sent(call: Call, intake_key: str) -> Page:
    company = by_intake_key(intake_key)
    choose_locale(call)
    context = {"title": company.name, "company_name": company.name, "form_url": f"{_base()}/f/{intake_key}"}
    return Page("web/portal_sent.html", context)


@route(
    "GET",
    "/my/{link}",
    summary="The link's page: one button (a GET uses nothing up)",
    tag=TAG,
    auth="link",
    link=links.CUSTOMER_PORTAL,
    produces=HTML,
    query=LANG,
)
def open_link(call: Call, link: str) -> Page:
    company = get_company(call.link.company_id)
    choose_locale(call)  # the language the customer asked in (the mailed link says it)
    context = {"title": company.name, "company_name": company.name, "action": f"{_base()}/my/{link}"}
    return Page("web/portal_open.html", context)


@route(
    "POST",
    "/my/{link}",
    summary="Use the link up and show the customer's requests",
    tag=TAG,
    auth="link",
    link=links.CUSTOMER_PORTAL,
    produces=HTML,
    content_types=FORM,
)
def use_link(call: Call, link: str) -> Page | Redirect:
    locale = choose_locale(call)
    try:
        value, max_age = portal.open_session(link)
    except links.LinkInvalid as error:
        if error.slug != "link-used":
            raise
        company = get_company(call.link.company_id)
        context = {"title": company.name, "company_name": company.name, "used": True}
        return Page(
            "web/portal_expired.html", {**context, "request_url": f"{_base()}/f/{company.intake_key}/requests"}, 410
        )
    set_cookie = cookie(portal.cookie_name(), value, max_age=max_age, secure=not get_settings().is_local)
    return Redirect(f"{_base()}/my?lang={locale}", {"Set-Cookie": set_cookie})


@route(
    "GET",
    "/my",
    summary="The customer's requests (after a link)",
    tag=TAG,
    auth="public",
    produces=HTML,
    query=LANG,
    responses={401: "No link opened in this browser within the hour: a page saying to open it again"},
)
def my_requests(call: Call) -> Page:
    choose_locale(call)
    session = portal.session_of(read_cookie(call.request.headers.get("cookie"), portal.cookie_name()))
    if session is None:
        return Page(
            "web/portal_expired.html", {"title": "", "company_name": None, "used": False, "request_url": None}, 401
        )
    data = portal.requests_of(session)
    zone = format_timezone(data["timezone"], call.locale)
    return Page("web/portal_list.html", {"title": data["company_name"], "zone_name": zone, **data})
