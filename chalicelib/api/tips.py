"""Routes of the tips capability: partner webhooks, opting in and out, and managers' analytics (JSON, CSV).
The customer's rating page and tip redirect are pages (chalicelib/web/tips.py)."""

from __future__ import annotations

from chalice import Response
from typing_extensions import TypedDict  # pydantic reads TypedDicts from here on 3.11

from chalicelib.http.responses import CSV
from chalicelib.http.route import ID, PAGED, PERIOD, Call, Param, route
from chalicelib.tips import accounts, analytics, customer, webhooks
from chalicelib.tips.accounts import AccountOut
from chalicelib.tips.analytics import SummaryOut, TipPageOut
from chalicelib.tips.customer import RatingOut
from chalicelib.tips.models import COMPANY
from chalicelib.tips.webhooks import WebhookOut

TAG = "Tips"
NO_BODY = ["application/json", "text/plain", "application/x-www-form-urlencoded"]


# ------------------------------------------------------------------------------- partner webhooks


class TipStatusOut(TypedDict):
    company: AccountOut
    employees: list[AccountOut]


@route(
    "POST",
    "/tips/webhooks/partner",
    summary="The tip partner's events (Standard Webhooks signatures)",
    tag=TAG,
    auth="public",
    responses={401: "The webhook signature is missing, not valid or too old"},
)
def partner_webhook(call: Call) -> WebhookOut:
    raw = call.request.raw_body or b""
    return webhooks.receive(call.request.headers, raw.encode() if isinstance(raw, str) else raw)


# ------------------------------------------------------------------------------- onboarding


@route("GET", "/tips/status", summary="Tips set-up of the company and its employees", tag=TAG)
def tip_status(call: Call) -> TipStatusOut:
    found = accounts.all_accounts(call.who.company_id)  # the company's and its employees': one Query
    employees = [a for a in found if a.subject != COMPANY]
    if not call.who.is_manager:
        employees = [a for a in employees if a.subject == f"emp#{call.who.employee_id}"]
    return {
        "company": accounts.account_view(next((a for a in found if a.subject == COMPANY), None)),
        "employees": [accounts.account_view(a) for a in employees],
    }


@route(
    "POST",
    "/tips/company/opt-in",
    summary="Opt the company in to tips",
    tag=TAG,
    role="manager",
    content_types=NO_BODY,
)
def company_opt_in(call: Call) -> AccountOut:
    return accounts.account_view(accounts.opt_in_company(call.who))


@route(
    "POST",
    "/tips/company/opt-out",
    summary="Switch tips off for the company",
    tag=TAG,
    role="manager",
    content_types=NO_BODY,
)
def company_opt_out(call: Call) -> AccountOut:
    return accounts.account_view(accounts.opt_out_company(call.who))


@route(
    "POST",
    "/tips/employees/{employee_id}/opt-in",
    summary="Opt an employee in (manager or self)",
    tag=TAG,
    content_types=NO_BODY,
    company=("staff",),
)
def employee_opt_in(call: Call, employee_id: str) -> AccountOut:
    return accounts.account_view(accounts.opt_in_employee(call.who, employee_id))


@route(
    "POST",
    "/tips/employees/{employee_id}/opt-out",
    summary="Opt an employee out (manager or self)",
    tag=TAG,
    content_types=NO_BODY,
    company=("staff",),
)
def employee_opt_out(call: Call, employee_id: str) -> AccountOut:
    return accounts.account_view(accounts.opt_out_employee(call.who, employee_id))


# ------------------------------------------------------------------------------- analytics


@route(
    "GET",
    "/tips",
    summary="Tips by period, employee or ticket",
    tag=TAG,
    role="manager",
    query={
        **PERIOD,
        **PAGED,
        "employee_id": Param("Only this employee's tips", pattern=ID),
        "ticket_id": Param("Only this ticket's tips", pattern=ID),
    },
)
def list_tips(call: Call) -> TipPageOut:
    return analytics.list_tips(call.who, call.query, int(call.query.get("limit", 50)))


@route(
    "GET",
    "/tips/summary",
    summary="Tips, ratings and the funnel, by employee",
    tag=TAG,
    role="manager",
    query=PERIOD,
    company=("staff",),
)
def tip_summary(call: Call) -> SummaryOut:
    return analytics.summary(call.who, call.query)


@route(
    "GET",
    "/tips/export.csv",
    summary="Tips as CSV",
    tag=TAG,
    role="manager",
    query=PERIOD,
    produces=CSV,
    company=("staff",),
)
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


@route(
    "POST",
    "/tips/ratings/{ticket_id}/void",
    summary="Void a customer's rating",
    tag=TAG,
    role="manager",
    content_types=NO_BODY,
    company=("loads",),  # the rating is taken back from the employee's routing load
)
def void_rating(call: Call, ticket_id: str) -> RatingOut:
    return customer.rating_view(customer.void_rating(call.who, ticket_id))
