"""Routes for companies, employees and the caller's own status."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib import auth, companies, employees
from chalicelib.api.http import Call, route

bp = Blueprint(__name__)
TAG = "Company"


@route(
    bp,
    "/companies",
    "POST",
    summary="Sign up a company; returns the first manager's token",
    tag=TAG,
    auth="public",
    body=companies.SignUp,
    status=201,
)
def sign_up(call: Call) -> dict[str, Any]:
    result = companies.sign_up(call.body)
    return {
        "company": companies.view(result.company),
        "manager": employees.view(result.manager),
        "token": result.token,
    }


@route(bp, "/company", "GET", summary="The caller's company", tag=TAG)
def get_company(call: Call) -> dict[str, Any]:
    return companies.view(companies.get(call.who.company_id), include_settings=call.who.is_manager)


@route(
    bp,
    "/company/settings",
    "PATCH",
    summary="Change SLA, auto-close and link settings",
    tag=TAG,
    auth="manager",
    body=companies.SettingsPatch,
)
def patch_settings(call: Call) -> dict[str, Any]:
    return companies.settings_view(companies.update_settings(call.who.company_id, call.body))


@route(
    bp,
    "/employees",
    "POST",
    summary="Add an employee; returns their token",
    tag=TAG,
    auth="manager",
    body=employees.NewEmployee,
    status=201,
)
def create_employee(call: Call) -> dict[str, Any]:
    employee, token = employees.create(call.who, call.body)
    return {"employee": employees.view(employee), "token": token}


@route(bp, "/employees", "GET", summary="The company's employees", tag=TAG)
def list_employees(call: Call) -> dict[str, Any]:
    return {"employees": [employees.view(e) for e in employees.list_all(call.who.company_id)]}


@route(bp, "/employees/{employee_id}", "GET", summary="One employee", tag=TAG)
def get_employee(call: Call, employee_id: str) -> dict[str, Any]:
    return employees.view(employees.get(call.who.company_id, employee_id))


@route(
    bp,
    "/employees/{employee_id}",
    "PATCH",
    summary="Change an employee's role, tier or departments",
    tag=TAG,
    auth="manager",
    body=employees.EmployeePatch,
)
def patch_employee(call: Call, employee_id: str) -> dict[str, Any]:
    return employees.view(employees.update(call.who.company_id, employee_id, call.body))


@route(
    bp,
    "/employees/{employee_id}",
    "DELETE",
    summary="Deactivate an employee and revoke their tokens",
    tag=TAG,
    auth="manager",
)
def deactivate_employee(call: Call, employee_id: str) -> dict[str, Any]:
    return employees.view(employees.deactivate(call.who.company_id, employee_id, by=call.who.employee_id))


@route(
    bp,
    "/employees/{employee_id}/tokens",
    "POST",
    summary="Issue a new token for an employee",
    tag=TAG,
    auth="manager",
    status=201,
    content_types=["application/json", "text/plain"],
)
def issue_token(call: Call, employee_id: str) -> dict[str, Any]:
    token, meta = employees.issue_token(call.who, employee_id)
    return {"token": token, **meta}


@route(bp, "/employees/{employee_id}/tokens", "GET", summary="An employee's tokens (ids only)", tag=TAG, auth="manager")
def list_tokens(call: Call, employee_id: str) -> dict[str, Any]:
    employees.get(call.who.company_id, employee_id)
    records = auth.tokens_of(call.who.company_id, employee_id)
    return {"tokens": [{"token_id": r.token_id, "created_at": r.created_at.isoformat()} for r in records]}


@route(bp, "/employees/{employee_id}/tokens/{token_id}", "DELETE", summary="Revoke one token", tag=TAG, auth="manager")
def revoke_token(call: Call, employee_id: str, token_id: str) -> None:
    auth.revoke(call.who.company_id, employee_id, token_id)


@route(bp, "/me", "GET", summary="The caller", tag=TAG)
def me(call: Call) -> dict[str, Any]:
    return employees.view(employees.get(call.who.company_id, call.who.employee_id))


@route(
    bp,
    "/me/status",
    "PUT",
    summary="Set your status: online, break, dnd or offline",
    tag=TAG,
    body=employees.StatusChange,
)
def set_status(call: Call) -> dict[str, Any]:
    return employees.view(employees.change_status(call.who, call.body.status))
