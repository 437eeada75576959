"""Routes of the tips capability: partner webhooks, opting in and out, the customer's rating page and
tip redirect (behind signed links), and managers' analytics (JSON, CSV, dashboard page)."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.api.http import Call, form_fields, route
from chalicelib.errors import DomainError
from chalicelib.pages import PAGE_HEADERS
from chalicelib.tips import accounts, analytics, customer, webhooks

bp = Blueprint(__name__)
TAG = "Tips"
NO_BODY = ["application/json", "text/plain", "application/x-www-form-urlencoded"]
PERIOD = {"from": "First day, YYYY-MM-DD (default: 30 days ago)", "to": "Last day, YYYY-MM-DD (default: today)"}


def page_response(page: customer.Page) -> Response:
    """The shared page headers (no-referrer, strict CSP); a page with a script gets its nonce allowed."""
    headers: dict[str, str | list[str]] = {**PAGE_HEADERS, **page.headers}
    if page.nonce:
        headers["Content-Security-Policy"] = (
            f"{PAGE_HEADERS['Content-Security-Policy']}; script-src 'nonce-{page.nonce}'; connect-src 'self'"
        )
    return Response(body=page.html, status_code=page.status, headers=headers)


def _html(html: str) -> Response:
    return page_response(customer.Page(200, html))


# ------------------------------------------------------------------------------- partner webhooks


@route(
    bp,
    "/tips/webhooks/partner",
    "POST",
    summary="The tip partner's events (Standard Webhooks signatures)",
    tag=TAG,
    auth="public",
)
def partner_webhook(call: Call) -> dict[str, Any]:
    raw = call.request.raw_body or b""
    return webhooks.receive(call.request.headers, raw.encode() if isinstance(raw, str) else raw)


# ------------------------------------------------------------------------------- onboarding


@route(bp, "/tips/status", "GET", summary="Tips set-up of the company and its employees", tag=TAG)
def tip_status(call: Call) -> dict[str, Any]:
    company_id = call.who.company_id
    employees = accounts.employee_accounts(company_id)
    if not call.who.is_manager:
        employees = [a for a in employees if a.subject == f"emp#{call.who.employee_id}"]
    return {
        "company": accounts.account_view(accounts.company_account(company_id)),
        "employees": [accounts.account_view(a) for a in employees],
    }


@route(
    bp,
    "/tips/company/opt-in",
    "POST",
    summary="Opt the company in to tips",
    tag=TAG,
    auth="manager",
    content_types=NO_BODY,
)
def company_opt_in(call: Call) -> dict[str, Any]:
    return accounts.account_view(accounts.opt_in_company(call.who))


@route(
    bp,
    "/tips/company/opt-out",
    "POST",
    summary="Switch tips off for the company",
    tag=TAG,
    auth="manager",
    content_types=NO_BODY,
)
def company_opt_out(call: Call) -> dict[str, Any]:
    return accounts.account_view(accounts.opt_out_company(call.who))


@route(
    bp,
    "/tips/employees/{employee_id}/opt-in",
    "POST",
    summary="Opt an employee in (manager or self)",
    tag=TAG,
    content_types=NO_BODY,
)
def employee_opt_in(call: Call, employee_id: str) -> dict[str, Any]:
    return accounts.account_view(accounts.opt_in_employee(call.who, employee_id))


@route(
    bp,
    "/tips/employees/{employee_id}/opt-out",
    "POST",
    summary="Opt an employee out (manager or self)",
    tag=TAG,
    content_types=NO_BODY,
)
def employee_opt_out(call: Call, employee_id: str) -> dict[str, Any]:
    return accounts.account_view(accounts.opt_out_employee(call.who, employee_id))


# ------------------------------------------------------------------------------- analytics


@route(
    bp,
    "/tips",
    "GET",
    summary="Tips by period, employee or ticket",
    tag=TAG,
    auth="manager",
    query={**PERIOD, "employee_id": "Only this employee's tips", "ticket_id": "Only this ticket's tips"},
)
def list_tips(call: Call) -> dict[str, Any]:
    return analytics.list_tips(call.who, call.query)


@route(
    bp,
    "/tips/summary",
    "GET",
    summary="Tips, ratings and the funnel, by employee",
    tag=TAG,
    auth="manager",
    query=PERIOD,
)
def tip_summary(call: Call) -> dict[str, Any]:
    return analytics.summary(call.who, call.query)


@route(bp, "/tips/export.csv", "GET", summary="Tips as CSV", tag=TAG, auth="manager", query=PERIOD, produces="text/csv")
def tips_csv(call: Call) -> Response:
    body = analytics.tips_csv(call.who, call.query)
    return Response(
        body=body,
        status_code=200,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="tips.csv"',
            "Cache-Control": "no-store",
        },
    )


# Declared with a charset so that, like every bearer-token route, its auth errors stay problem+json
# (the route decorator renders friendly HTML errors only for link pages declared exactly "text/html").
@route(
    bp,
    "/tips/dashboard",
    "GET",
    summary="Managers' tips dashboard (HTML)",
    tag=TAG,
    auth="manager",
    query=PERIOD,
    produces="text/html; charset=utf-8",
)
def tips_dashboard(call: Call) -> Response:
    return _html(analytics.dashboard(call.who, call.query))


@route(
    bp,
    "/tips/ratings/{ticket_id}/void",
    "POST",
    summary="Void a customer's rating",
    tag=TAG,
    auth="manager",
    content_types=NO_BODY,
)
def void_rating(call: Call, ticket_id: str) -> dict[str, Any]:
    return customer.rating_view(customer.void_rating(call.who, ticket_id))


# ------------------------------------------------------------------------------- customer links


@route(
    bp,
    "/rate/{link}",
    "GET",
    summary="The rating page (shows only; records nothing)",
    tag=TAG,
    auth="link",
    produces="text/html",
)
def rating_page(call: Call, link: str) -> Response:
    try:
        return page_response(customer.rating_page(link))
    except DomainError as error:
        return page_response(customer.notice(error, customer.locale_for_token(customer.RATE, link)))


@route(
    bp,
    "/rate/{link}",
    "POST",
    summary="The customer submits stars and a comment",
    tag=TAG,
    auth="link",
    produces="text/html",
    content_types=["application/x-www-form-urlencoded"],
)
def submit_rating(call: Call, link: str) -> Response:
    try:
        form = customer.parse_form(form_fields(call.request))
    except DomainError:
        try:
            return page_response(customer.rating_page(link, error="Please choose from 1 to 5 stars.", status=422))
        except DomainError as error:
            return page_response(customer.notice(error))
    try:
        customer.submit_rating(link, form)
        return page_response(customer.rating_page(link))
    except DomainError as error:
        if error.slug == "already-rated":
            return page_response(customer.rating_page(link, status=409))
        return page_response(customer.notice(error, customer.locale_for_token(customer.RATE, link)))


@route(
    bp,
    "/rate/{link}/opened",
    "POST",
    summary="The rating page reports it was shown",
    tag=TAG,
    auth="link",
    content_types=NO_BODY,
)
def rating_opened(call: Call, link: str) -> None:
    customer.mark_opened(link)


@route(
    bp,
    "/tip/{link}",
    "GET",
    summary="Record the tip click and redirect to the partner's form",
    tag=TAG,
    auth="link",
    status=302,
    produces="text/html",
)
def tip_click(call: Call, link: str) -> Response:
    try:
        url = customer.tip_redirect(link)
    except DomainError as error:
        return page_response(customer.notice(error, customer.locale_for_token(customer.TIP, link)))
    return Response(
        body="",
        status_code=302,
        headers={"Location": url, "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"},
    )
