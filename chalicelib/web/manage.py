"""Pages for managers, in the staff layout: the team (invite by e-mail, resend an invitation, deactivate)
and the company's canned replies. The manager console (issue 17) grows from here."""

from __future__ import annotations

from typing import Any

from chalicelib.errors import DomainError, ValidationFailed
from chalicelib.http.responses import HTML
from chalicelib.http.route import Call, Page, Redirect, route
from chalicelib.i18n import N_
from chalicelib.settings import get_settings
from chalicelib.validation import validate
from chalicelib.web.chrome import staff_page

TAG = "Manager pages"
FORM = ["application/x-www-form-urlencoded"]


def _to(path: str, **query: str) -> Redirect:
    suffix = "&".join(f"{k}={v}" for k, v in query.items())
    return Redirect(f"{get_settings().public_base_url}{path}{'?' + suffix if suffix else ''}")


def team_page(
    call: Call, form: dict[str, str] | None = None, errors: list[str] | None = None, status: int = 200
) -> Page:
    from chalicelib import employees

    people = sorted(employees.list_all(call.who.company_id), key=lambda e: (not e.active, e.name.lower()))
    me = next((e for e in people if e.employee_id == call.who.employee_id), None)
    context = {"title": N_("Team"), "people": people, "form": form or {}, "errors": errors or []}
    return staff_page(call, "web/team.html", context, status, me=me, current="team")


@route(
    "GET",
    "/manage/team",
    summary="The team: invite people, resend invitations",
    tag=TAG,
    auth="session",
    role="manager",
    produces=HTML,
)
def team(call: Call) -> Page:
    return team_page(call)


@route(
    "POST",
    "/manage/team",
    summary="Invite someone by e-mail",
    tag=TAG,
    auth="session",
    role="manager",
    produces=HTML,
    content_types=FORM,
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


@route(
    "POST",
    "/manage/team/{employee_id}/invitation",
    summary="E-mail a new invitation",
    tag=TAG,
    auth="session",
    role="manager",
    produces=HTML,
    content_types=FORM,
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


@route(
    "POST",
    "/manage/team/{employee_id}/deactivate",
    summary="Deactivate an employee: their tokens are revoked and their sessions end at once",
    tag=TAG,
    auth="session",
    role="manager",
    produces=HTML,
    content_types=FORM,
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


@route(
    "GET",
    "/manage/canned",
    summary="The company's canned replies",
    tag=TAG,
    auth="session",
    role="manager",
    produces=HTML,
)
def canned_list(call: Call) -> Page:
    return canned_page(call)


@route(
    "POST",
    "/manage/canned",
    summary="Add a canned reply",
    tag=TAG,
    auth="session",
    role="manager",
    produces=HTML,
    content_types=FORM,
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


@route(
    "POST",
    "/manage/canned/{canned_id}",
    summary="Change a canned reply",
    tag=TAG,
    auth="session",
    role="manager",
    produces=HTML,
    content_types=FORM,
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


@route(
    "POST",
    "/manage/canned/{canned_id}/delete",
    summary="Delete a canned reply",
    tag=TAG,
    auth="session",
    role="manager",
    produces=HTML,
    content_types=FORM,
)
def canned_delete(call: Call, canned_id: str) -> Redirect:
    from chalicelib import canned

    canned.delete(call.who, canned_id)
    return _to("/manage/canned", notice="deleted")
