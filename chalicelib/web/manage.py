"""Pages for managers, in the staff layout: the team (invite by e-mail, resend an invitation, deactivate)
and the company's canned replies. The manager console (issue 17) grows from here."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from chalicelib.errors import DomainError, ValidationFailed
from chalicelib.http.route import Call, Page, Redirect
from chalicelib.i18n import N_
from chalicelib.settings import get_settings
from chalicelib.validation import validate
from chalicelib.web import manager_page
from chalicelib.web.chrome import staff_page


def _to(path: str, **query: str) -> Redirect:
    suffix = "&".join(f"{k}={v}" for k, v in query.items())
    return Redirect(f"{get_settings().public_base_url}{path}{'?' + suffix if suffix else ''}")


def team_page(
    call: Call, form: dict[str, str] | None = None, errors: list[str] | None = None, status: int = 200
) -> Page:
    from chalicelib import auth, employees
    from chalicelib.clock import local_day, utcnow
    from chalicelib.employees import staff

    people = sorted(employees.list_all(call.who.company_id), key=lambda e: (not e.active, e.name.lower()))
    me = next((e for e in people if e.employee_id == call.who.employee_id), None)
    # today's load from the routing loads on the company item (read with the session): tickets taken and
    # customers' ratings today
    today = local_day(utcnow(), call.who.timezone).isoformat()
    loads = staff.loads_of(auth.company_of(call.who, "loads"))
    load = {
        employee_id: {
            name: int(counters.get(staff.load_key(date.fromisoformat(today), name), 0) or 0)
            for name in ("taken", "ratings")
        }
        for employee_id, counters in loads.items()
    }
    context = {
        "title": N_("Team"),
        "people": people,
        "form": form or {},
        "errors": errors or [],
        "load": {employee_id: counts for employee_id, counts in load.items() if any(counts.values())},
    }
    return staff_page(call, "web/team.html", context, status, me=me, current="team")


@manager_page(
    "GET",
    "/manage/team",
    summary="The team: invite people, resend invitations",
    company=("loads",),  # today's load
)
def team(call: Call) -> Page:
    return team_page(call)


@manager_page(
    "POST",
    "/manage/team",
    summary="Invite someone by e-mail",
)
def invite(call: Call) -> Page | Redirect:
    from chalicelib import employees, signin

    form = call.form
    data: dict[str, Any] = {
        "name": form.get("name", ""),
        "email": form.get("email", ""),
        "role": form.get("role", "agent"),
        "tier": int(form["tier"]) if form.get("tier") in ("1", "2") else 0,
        "departments": [d.strip().lower() for d in form.get("departments", "").split(",") if d.strip()],
    }
    try:
        request = validate(employees.NewEmployee, data)
    except ValidationFailed as failed:
        fields = sorted({str(e["field"]).split(".")[0] for e in failed.errors})
        return team_page(call, dict(form), fields, 422)
    try:
        signin.invite(call.who, request, call.locale)
    except DomainError as error:
        return _to("/manage/team", error=error.slug)
    return _to("/manage/team", notice="invited")


@manager_page(
    "POST",
    "/manage/team/{employee_id}/invitation",
    summary="E-mail a new invitation",
)
def resend(call: Call, employee_id: str) -> Redirect:
    from chalicelib import signin

    try:
        signin.resend_invitation(call.who, employee_id, call.locale)
    except DomainError as error:
        if error.status == 404:
            raise
        return _to("/manage/team", error=error.slug)
    return _to("/manage/team", notice="invited")


@manager_page(
    "POST",
    "/manage/team/{employee_id}/deactivate",
    summary="Deactivate an employee: their tokens are revoked and their sessions end at once",
    company=("staff",),  # the staff directory tells an unknown employee without a read
)
def deactivate(call: Call, employee_id: str) -> Redirect:
    from chalicelib import employees
    from chalicelib.auth import company_of

    try:
        company = company_of(call.who, "staff")
        employees.deactivate(call.who.company_id, employee_id, by=call.who.employee_id, company=company)
    except DomainError as error:
        if error.status == 404:
            raise
        return _to("/manage/team", error=error.slug)
    return _to("/manage/team", notice="deactivated")


def person_page(
    call: Call, employee_id: str, form: dict[str, str] | None = None, errors: list[str] | None = None, status: int = 200
) -> Page:
    from chalicelib import employees

    person = employees.get(call.who.company_id, employee_id)
    context = {"title": N_("Change a team member"), "person": person, "form": form or {}, "errors": errors or []}
    return staff_page(call, "web/team_member.html", context, status, current="team")


def _path_employee(company_id: str, params: Mapping[str, str]) -> list[tuple[Any, Any, Any]]:
    from chalicelib import employees

    return employees.path_employee(company_id, params)


@manager_page(
    "GET",
    "/manage/team/{employee_id}",
    summary="One team member: role, line and departments",
    reads=_path_employee,
)
def person(call: Call, employee_id: str) -> Page:
    return person_page(call, employee_id)


@manager_page(
    "POST",
    "/manage/team/{employee_id}",
    summary="Change someone's role, line and departments (their open sessions follow at once)",
    company=("staff",),  # the staff directory tells an unknown employee without a read
)
def change(call: Call, employee_id: str) -> Page | Redirect:
    from chalicelib import auth, employees
    from chalicelib.employees import staff

    form = call.form
    data: dict[str, Any] = {
        "role": form.get("role", ""),
        "tier": int(form["tier"]) if form.get("tier") in ("1", "2") else 0,
        "departments": [d.strip().lower() for d in form.get("departments", "").split(",") if d.strip()],
    }
    company = auth.company_of(call.who, "staff")
    if employee_id not in staff.entries(company):
        employees.get(call.who.company_id, employee_id)  # a stranger's id is a 404, not a form error
    if employee_id == call.who.employee_id and data["role"] != "manager":
        return _to("/manage/team", error="own-role")
    try:
        patch = validate(employees.EmployeePatch, data)
    except ValidationFailed as failed:
        fields = sorted({str(e["field"]).split(".")[0] for e in failed.errors})
        return person_page(call, employee_id, dict(form), fields, 422)
    try:
        employees.update(call.who.company_id, employee_id, patch, company)
    except DomainError as error:
        return _to("/manage/team", error=error.slug)
    return _to("/manage/team", notice="changed")


# ---------------------------------------------------------------- canned replies


def canned_page(call: Call, form: dict[str, str] | None = None, invalid: bool = False, status: int = 200) -> Page:
    from chalicelib import canned

    context = {
        "title": N_("Canned replies"),
        "replies": canned.list_all(call.who.company_id),
        "form": form or {},
        "invalid": invalid,
    }
    return staff_page(call, "web/canned.html", context, status, current="canned")


@manager_page(
    "GET",
    "/manage/canned",
    summary="The company's canned replies",
)
def canned_list(call: Call) -> Page:
    return canned_page(call)


@manager_page(
    "POST",
    "/manage/canned",
    summary="Add a canned reply",
    company=("canned",),  # the replies the ticket page offers, written with each reply
)
def canned_add(call: Call) -> Page | Redirect:
    from chalicelib import canned

    try:
        request = validate(
            canned.NewCannedReply, {"title": call.form.get("title", ""), "body": call.form.get("body", "")}
        )
    except ValidationFailed:
        return canned_page(call, dict(call.form), True, 422)
    try:
        canned.create(call.who, request)
    except DomainError as error:
        return _to("/manage/canned", error=error.slug)
    return _to("/manage/canned", notice="saved")


def _path_canned(company_id: str, params: Mapping[str, str]) -> list[tuple[Any, Any, Any]]:
    from chalicelib import canned

    return canned.path_canned(company_id, params)


@manager_page(
    "POST",
    "/manage/canned/{canned_id}",
    summary="Change a canned reply",
    reads=_path_canned,
    company=("canned",),
)
def canned_change(call: Call, canned_id: str) -> Page | Redirect:
    from chalicelib import canned

    try:
        patch = validate(
            canned.CannedReplyPatch, {"title": call.form.get("title", ""), "body": call.form.get("body", "")}
        )
    except ValidationFailed:
        canned.get(call.who.company_id, canned_id)  # a stranger's id is a 404, not a form error
        return canned_page(call, {}, True, 422)
    canned.update(call.who, canned_id, patch)
    return _to("/manage/canned", notice="saved")


@manager_page(
    "POST",
    "/manage/canned/{canned_id}/delete",
    summary="Delete a canned reply",
    reads=_path_canned,
    company=("canned",),
)
def canned_delete(call: Call, canned_id: str) -> Redirect:
    from chalicelib import canned

    canned.delete(call.who, canned_id)
    return _to("/manage/canned", notice="deleted")
