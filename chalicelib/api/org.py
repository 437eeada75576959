"""Routes for companies, employees and the caller's own status."""

from __future__ import annotations

from typing_extensions import TypedDict  # pydantic reads TypedDicts from here on 3.11

from chalicelib import auth, companies, employees
from chalicelib.companies import CompanyOut, SettingsOut
from chalicelib.employees import EmployeeOut
from chalicelib.http.route import PAGED, Call, route

TAG = "Company"


class SignUpOut(TypedDict):
    company: CompanyOut
    manager: EmployeeOut
    token: str  # shown once, never stored


class NewEmployeeOut(TypedDict):
    employee: EmployeeOut
    token: str


class EmployeePageOut(TypedDict):
    employees: list[EmployeeOut]
    next_cursor: str | None


class TokenOut(TypedDict):
    token_id: str
    created_at: str | None


class NewTokenOut(TokenOut):
    token: str


class TokensOut(TypedDict):
    tokens: list[TokenOut]


@route(
    "POST",
    "/companies",
    summary="Sign up a company; returns the first manager's token (only where SIGNUP_MODE is open)",
    tag=TAG,
    auth="public",
    body=companies.SignUp,
    status=201,
)
def sign_up(call: Call) -> SignUpOut:
    from chalicelib.companies.signup import require_open_signup

    require_open_signup(call.request)
    result = companies.sign_up(call.body)
    return {
        "company": companies.view(result.company),
        "manager": employees.view(result.manager),
        "token": result.token,
    }


@route("GET", "/company", summary="The caller's company", tag=TAG, company=("settings",))
def get_company(call: Call) -> CompanyOut:
    return companies.view(auth.company_of(call.who, "settings"), include_settings=call.who.is_manager)


@route(
    "PATCH",
    "/company/settings",
    summary="Change SLA, auto-close and link settings",
    tag=TAG,
    role="manager",
    body=companies.SettingsPatch,
    company=("settings",),
)
def patch_settings(call: Call) -> SettingsOut:
    company = auth.company_of(call.who, "settings")
    return companies.settings_view(companies.update_settings(call.who.company_id, call.body, company))


@route(
    "POST",
    "/employees",
    summary="Add an employee; returns their token",
    tag=TAG,
    role="manager",
    body=employees.NewEmployee,
    status=201,
)
def create_employee(call: Call) -> NewEmployeeOut:
    employee, token = employees.create(call.who, call.body)
    return {"employee": employees.view(employee), "token": token}


@route("GET", "/employees", summary="The company's employees", tag=TAG, query=PAGED)
def list_employees(call: Call) -> EmployeePageOut:
    found = employees.page(call.who.company_id, int(call.query.get("limit", 50)), call.query.get("cursor"))
    return {"employees": [employees.view(e) for e in found.items], "next_cursor": found.next_cursor}


@route("GET", "/employees/{employee_id}", summary="One employee", tag=TAG, reads=employees.path_employee)
def get_employee(call: Call, employee_id: str) -> EmployeeOut:
    return employees.view(employees.get(call.who.company_id, employee_id))


@route(
    "PATCH",
    "/employees/{employee_id}",
    summary="Change an employee's role, tier or departments",
    tag=TAG,
    role="manager",
    body=employees.EmployeePatch,
    company=("staff",),
)
def patch_employee(call: Call, employee_id: str) -> EmployeeOut:
    company = auth.company_of(call.who, "staff")
    return employees.view(employees.update(call.who.company_id, employee_id, call.body, company))


@route(
    "DELETE",
    "/employees/{employee_id}",
    summary="Deactivate an employee and revoke their tokens",
    tag=TAG,
    role="manager",
    company=("staff",),
)
def deactivate_employee(call: Call, employee_id: str) -> EmployeeOut:
    who = call.who
    company = auth.company_of(who, "staff")
    return employees.view(employees.deactivate(who.company_id, employee_id, by=who.employee_id, company=company))


@route(
    "POST",
    "/employees/{employee_id}/tokens",
    summary="Issue a new token for an employee",
    tag=TAG,
    role="manager",
    status=201,
    content_types=["application/json", "text/plain"],
    company=("staff",),
)
def issue_token(call: Call, employee_id: str) -> NewTokenOut:
    token, meta = employees.issue_token(call.who, employee_id)
    return {"token": token, "token_id": meta["token_id"], "created_at": meta["created_at"]}


@route(
    "GET",
    "/employees/{employee_id}/tokens",
    summary="An employee's tokens (ids only)",
    tag=TAG,
    role="manager",
    reads=employees.path_employee,
)
def list_tokens(call: Call, employee_id: str) -> TokensOut:
    employee = employees.get(call.who.company_id, employee_id)  # NotFound for a stranger
    records = auth.tokens_of(call.who.company_id, employee_id) if employee.active else []  # theirs no longer work
    return {"tokens": [{"token_id": r.token_id, "created_at": r.created_at.isoformat()} for r in records]}


@route("DELETE", "/employees/{employee_id}/tokens/{token_id}", summary="Revoke one token", tag=TAG, role="manager")
def revoke_token(call: Call, employee_id: str, token_id: str) -> None:
    auth.revoke(call.who.company_id, employee_id, token_id)


@route("GET", "/me", summary="The caller", tag=TAG)
def me(call: Call) -> EmployeeOut:
    return employees.view(auth.employee_of(call.who))


@route(
    "PUT",
    "/me/status",
    summary="Set your status: online, break, dnd or offline",
    tag=TAG,
    body=employees.StatusChange,
)
def set_status(call: Call) -> EmployeeOut:
    return employees.view(employees.change_status(call.who, call.body.status))


@route(
    "POST",
    "/employees/{employee_id}/invitation",
    summary="E-mail an employee a new invitation (a one-time sign-in link, valid 7 days)",
    tag=TAG,
    role="manager",
    status=202,
    content_types=["application/json", "text/plain"],
    responses={
        409: "The person has signed in already or is deactivated, or mail to their address bounced or was reported "
        "as spam (address-suppressed: no link is written)"
    },
)
def send_invitation(call: Call, employee_id: str) -> EmployeeOut:
    from chalicelib import signin

    return employees.view(signin.resend_invitation(call.who, employee_id, call.locale))
