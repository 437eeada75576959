"""The company's staff directory: a compact copy of each employee (name, role, tier, departments, status,
active) in the company item's `staff` map, and each employee's recent routing load in its `loads` map.

Authentication reads the caller's company with the credential (one BatchGetItem), with these maps when
the route declares it uses them (`@route(..., company=("staff", "loads"))`), so whatever needs the whole
staff — who is on duty for routing, agents' loads for karma-aware take-next, names on the leaderboard
and in tips reports — has it without a Query of the employees table, and other routes do not pay for
reading it. Every change of an employee writes its entry in the same transaction as the employee item,
field by field (nested paths), so concurrent changes of different fields or employees never overwrite
each other.

A load is the routing window's counters (tickets taken, difficult ones, customers' ratings and their
stars) by company-local day, `"<YYYY-MM-DD>:<counter>" -> number`; days past the window are removed by
the next write of the employee's load.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from pynamodb.expressions.update import Action

from chalicelib.db.base import plain_map
from chalicelib.db.models import Company, Employee

WINDOW_DAYS = 3  # routing's rolling window: today and the two days before (company time)
LOAD_COUNTERS = ("taken", "difficult_taken", "ratings", "rating_points")
ON_DUTY = "online"


def entry(employee: Employee) -> dict[str, Any]:
    return {
        "name": employee.name,
        "role": employee.role,
        "tier": int(employee.tier),
        "departments": sorted(employee.departments or []),
        "status": employee.status,
        "active": bool(employee.active),
    }


def _plain(attribute: Any) -> dict[str, Any]:
    if attribute is None:
        raise RuntimeError("the company item was read without this part: declare it on the route (company=...)")
    return {key: dict(value) for key, value in plain_map(attribute).items()}


def entries(company: Company) -> dict[str, dict[str, Any]]:
    """employee id -> entry (plain data)."""
    return _plain(company.staff)


def loads_of(company: Company) -> dict[str, dict[str, float]]:
    """employee id -> load counters by day (plain data)."""
    return _plain(company.loads)


def name_of(company: Company, employee_id: str) -> str | None:
    found = entries(company).get(employee_id)
    return str(found["name"]) if found else None


def added(employee: Employee) -> list[Action]:
    """Company update actions for a new employee."""
    return [Company.staff[employee.employee_id].set(entry(employee)), Company.loads[employee.employee_id].set({})]


def changed(employee_id: str, **fields: Any) -> list[Action]:
    """Company update actions setting some fields of an existing entry (name, role, tier, departments,
    status, active)."""
    actions: list[Action] = []
    for name, value in fields.items():
        if name == "departments":
            value = sorted(value or [])
        elif name == "tier":
            value = int(value)
        actions.append(Company.staff[employee_id][name].set(value))
    return actions


def on_duty(company: Company) -> dict[str, dict[str, Any]]:
    """Active employees whose status is online."""
    return {e: v for e, v in entries(company).items() if v.get("active") and v.get("status") == ON_DUTY}


def second_line_on_duty(company: Company, department: str | None) -> bool:
    """Someone of tier 2 online who serves the queue a skipping ticket would wait in."""
    return any(
        int(v.get("tier", 1)) == 2 and (department is None or department in (v.get("departments") or []))
        for v in on_duty(company).values()
    )


# ------------------------------------------------------------------------------------------ loads


def window(today: date) -> list[date]:
    return [today - timedelta(days=n) for n in range(WINDOW_DAYS)]


def load_key(day: date, counter: str) -> str:
    return f"{day.isoformat()}:{counter}"


def load_actions(
    company: Company, employee_id: str, day: date, counters: Mapping[str, float], today: date | None = None
) -> list[Action]:
    """Company update actions adding `counters` (those routing uses) on `day` to the employee's load, and
    removing the entry's days older than the window ending `today` (default: `day`), as the company item
    read shows them. Nothing is added for a day already out of the window."""
    today = today or day
    oldest = today - timedelta(days=WINDOW_DAYS - 1)
    wanted = {name: amount for name, amount in counters.items() if name in LOAD_COUNTERS and amount}
    current = loads_of(company).get(employee_id)
    if not wanted or current is None or day < oldest:
        return []
    path = Company.loads[employee_id]
    actions: list[Action] = [path[load_key(day, name)].add(amount) for name, amount in wanted.items()]
    for key in current:
        if key[:10] < oldest.isoformat():
            actions.append(path[key].remove())
    return actions


def loads(company: Company, today: date, employee_ids: Iterable[str]) -> dict[str, dict[str, float]]:
    """Each employee's load counters summed over the window ending `today`."""
    days = {d.isoformat() for d in window(today)}
    found = loads_of(company)
    totals: dict[str, dict[str, float]] = {}
    for employee_id in employee_ids:
        bucket = totals.setdefault(employee_id, {name: 0.0 for name in LOAD_COUNTERS})
        for key, value in (found.get(employee_id) or {}).items():
            day, _, counter = key.partition(":")
            if day in days and counter in bucket:
                bucket[counter] += float(value)
    return totals
