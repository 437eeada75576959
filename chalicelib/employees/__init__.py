"""Employees (agents and managers) of one company, their tokens and their working status."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Literal, cast

from pydantic import Field
from pynamodb.exceptions import UpdateError
from pynamodb.transactions import TransactWrite
from typing_extensions import TypedDict  # pydantic reads TypedDicts from here on 3.11

from chalicelib import activity, auth
from chalicelib.clock import iso, split_by_local_day, utcnow
from chalicelib.db import paging, prefetch
from chalicelib.db.base import is_condition_failure, read_one, transaction
from chalicelib.db.models import Company, Employee
from chalicelib.db.paging import PageOf
from chalicelib.employees import staff
from chalicelib.errors import Conflict, NotFound
from chalicelib.ids import MAX_LENGTH, new_id
from chalicelib.validation import Email, Name, PatchBody, RequestBody, Slug, Tier

Role = Literal["agent", "manager"]
Status = Literal["online", "break", "dnd", "offline"]
# Statuses in which an agent is given no new tickets.
NOT_RECEIVING: frozenset[str] = frozenset({"break", "dnd", "offline"})


class NewEmployee(RequestBody):
    name: Name
    email: Email
    role: Role = "agent"
    tier: Tier = 1
    departments: list[Slug] = Field(default_factory=list, max_length=20)


class EmployeePatch(PatchBody):
    name: Name | None = None
    role: Role | None = None
    tier: Tier | None = None
    departments: list[Slug] | None = Field(default=None, max_length=20)


class StatusChange(RequestBody):
    status: Status


def create(
    principal: auth.Principal,
    request: NewEmployee,
    *,
    with_token: bool = True,
    also: Callable[[TransactWrite, Employee], None] | None = None,
) -> tuple[Employee, str]:
    """A new employee and, for integrations, an API token (people invited by e-mail get none: "").
    `also`: adds the caller's items to the same transaction (an invitation's link)."""
    now = utcnow()
    company_id = principal.company_id
    employee = Employee(
        company_id,
        new_id("emp"),
        name=request.name,
        email=request.email.lower(),
        role=request.role,
        tier=request.tier,
        departments=sorted(set(request.departments)),
        status="offline",
        status_since=now,
        active=True,
        created_at=now,
    )
    token, token_record = auth.new_token(company_id, employee.employee_id, now) if with_token else ("", None)
    with transaction() as tx:  # the employee, their entry in the company's staff directory, their token
        tx.save(employee, condition=Employee.employee_id.does_not_exist())
        tx.update(Company(company_id), actions=staff.added(employee), condition=Company.company_id.exists())
        if token_record is not None:
            tx.save(token_record, condition=auth.ApiToken.token_hash.does_not_exist())
        if also is not None:
            also(tx, employee)
    return employee, token


def get(company_id: str, employee_id: str) -> Employee:
    if not employee_id or len(employee_id) > MAX_LENGTH:
        raise NotFound("Employee")
    employee = read_one(Employee, company_id, employee_id)
    if employee is None:
        raise NotFound("Employee")
    return employee


def path_employee(company_id: str, params: Mapping[str, str]) -> list[tuple[Any, Any, Any]]:
    """The employee a route's path names, read with the credential (`@route(reads=path_employee)`); only
    for routes that read it before they write it (chalicelib/db/prefetch.py)."""
    return prefetch.path_item(Employee, company_id, params, "employee_id")


def list_all(company_id: str) -> list[Employee]:
    return list(Employee.query(company_id))


def page(company_id: str, limit: int, cursor: str | None) -> PageOf[Employee]:
    def run(start: dict[str, Any] | None, page_size: int) -> Any:
        return Employee.query(company_id, last_evaluated_key=start, page_size=page_size)

    return paging.page(f"employees:{company_id}", cursor, limit, run)


def _write(
    company_id: str, employee_id: str, changes: dict[str, Any], condition: Any, company: Company | None
) -> Employee:
    """Change the employee and their staff entry in one transaction; the employee as written.

    Tokens and sessions carry nothing to update: authentication reads the employee with them, so the
    change (a role, a tier, a deactivation) counts from their next request. `company`: the company item
    the caller has (its staff directory tells an unknown employee without a read)."""
    if len(employee_id) > MAX_LENGTH or (company is not None and employee_id not in staff.entries(company)):
        raise NotFound("Employee")
    if company is None:
        get(company_id, employee_id)
    employee = Employee(company_id, employee_id)
    try:
        with transaction() as tx:
            tx.update(employee, actions=[getattr(Employee, n).set(v) for n, v in changes.items()], condition=condition)
            tx.update(Company(company_id), actions=staff.changed(employee_id, **changes))
    except Exception as error:
        if is_condition_failure(error):
            get(company_id, employee_id)  # NotFound when there is no such employee
            raise Conflict("The employee is deactivated.", "employee-inactive") from None
        raise
    return get(company_id, employee_id)


def update(company_id: str, employee_id: str, patch: EmployeePatch, company: Company | None = None) -> Employee:
    changes = patch.model_dump(exclude_unset=True, exclude_none=True)
    if "departments" in changes:
        changes["departments"] = sorted(set(changes["departments"]))
    if not changes:
        return get(company_id, employee_id)
    return _write(company_id, employee_id, changes, Employee.active == True, company)  # noqa: E712


def set_locale(company_id: str, employee_id: str, locale: str) -> Employee:
    """The language of the employee's pages; their open sessions read it with the employee (at once)."""
    employee = Employee(company_id, employee_id)
    try:
        employee.update(actions=[Employee.locale.set(locale)], condition=Employee.active == True)  # noqa: E712
    except UpdateError as error:
        if is_condition_failure(error):
            raise NotFound("Employee") from None
        raise
    return employee


def deactivate(company_id: str, employee_id: str, *, by: str, company: Company | None = None) -> Employee:
    """The employee's tokens and sessions stop working at once (they are read with the employee); the
    token records go when next tried, the sessions when they expire."""
    if employee_id == by:
        raise Conflict("You cannot deactivate yourself.")
    changes = {"active": False, "status": "offline"}
    return _write(company_id, employee_id, changes, Employee.employee_id.exists(), company)


def issue_token(principal: auth.Principal, employee_id: str) -> tuple[str, dict[str, Any]]:
    listed = staff.entries(auth.company_of(principal, "staff")).get(employee_id)
    if listed is None:
        get(principal.company_id, employee_id)  # NotFound, or an employee the directory lacks
    elif not listed.get("active"):
        raise Conflict("The employee is deactivated.")
    token, record = auth.new_token(principal.company_id, employee_id, utcnow())
    record.save(condition=auth.ApiToken.token_hash.does_not_exist())
    return token, {"token_id": record.token_id, "created_at": iso(record.created_at)}


def change_status(principal: auth.Principal, status: str, now: datetime | None = None) -> Employee:
    """Change status and book the time spent in the previous one on the agent's activity days.

    The employee update is conditional on the previous `status_since`, so two concurrent changes
    cannot both book the same interval.
    """
    now = now or utcnow()
    company_id, employee_id, timezone = principal.company_id, principal.employee_id, principal.timezone
    employee = auth.employee_of(principal)
    if employee.status == status:
        return employee
    previous, since = employee.status, employee.status_since
    counters_by_day: dict[str, dict[str, float]] = {}
    seconds_attr = {"online": "online_seconds", "dnd": "online_seconds", "break": "break_seconds"}.get(previous)
    if seconds_attr and since < now:
        for day, seconds in split_by_local_day(since, now, timezone):
            key = activity.day_key(company_id, day)
            counters_by_day.setdefault(key, {})[seconds_attr] = round(seconds)
            if previous == "dnd":
                counters_by_day[key]["dnd_seconds"] = round(seconds)
    if status == "break":
        key = activity.key_for(company_id, timezone, now)
        counters_by_day.setdefault(key, {})["breaks"] = counters_by_day.get(key, {}).get("breaks", 0) + 1
    try:
        with transaction() as tx:
            tx.update(
                employee,
                actions=[Employee.status.set(status), Employee.status_since.set(now)],
                condition=(Employee.status_since == since) & (Employee.active == True),  # noqa: E712
            )
            for key, counters in list(counters_by_day.items())[-90:]:
                tx.update(activity.AgentDay(key, employee_id), actions=activity.counter_actions(counters))
            tx.update(Company(company_id), actions=staff.changed(employee_id, status=status))
    except Exception as error:
        if is_condition_failure(error):
            raise Conflict("Your status was changed at the same moment; try again.") from None
        raise
    employee.status, employee.status_since = status, now
    return employee


class EmployeeOut(TypedDict):
    employee_id: str
    name: str
    email: str
    role: Role
    tier: int
    departments: list[str]
    status: Status
    status_since: str | None
    active: bool


def view(employee: Employee) -> EmployeeOut:
    return {
        "employee_id": employee.employee_id,
        "name": employee.name,
        "email": employee.email,
        "role": cast(Role, employee.role),
        "tier": int(employee.tier),
        "departments": list(employee.departments or []),
        "status": cast(Status, employee.status),
        "status_since": iso(employee.status_since),
        "active": employee.active,
    }


class Preferences(PatchBody):
    """An employee's own preferences: e-mail when a customer writes or a ticket is transferred to them
    (chalicelib/notify), and the language of those e-mails."""

    email_notifications: bool | None = None
    locale: Literal["en", "ru"] | None = None


def update_preferences(principal: auth.Principal, patch: Preferences) -> Employee:
    employee = auth.employee_of(principal)  # read with the credential
    changes = patch.model_dump(exclude_unset=True)
    actions = [getattr(Employee, name).set(value) for name, value in changes.items()]
    employee.update(actions=actions)
    return employee


def preferences_view(employee: Employee) -> Any:  # chalicelib/api/notifications.py PreferencesOut
    return {"email_notifications": bool(employee.email_notifications), "locale": employee.locale or "en"}
