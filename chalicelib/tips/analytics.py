"""Managers' figures: tips by employee, period and ticket; rating averages; the funnel
closed -> emailed -> opened -> rated -> tip clicked -> tip paid; CSV; the dashboard page.

Every read is a Query bounded by the company and the period (indexes keyed by company and time),
so the cost follows the period asked for, never the table's size.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from typing_extensions import TypedDict  # pydantic reads TypedDicts from here on 3.11

from chalicelib import auth
from chalicelib.clock import iso, utcnow
from chalicelib.db import keys, paging
from chalicelib.employees import staff
from chalicelib.errors import ValidationFailed
from chalicelib.pages import render
from chalicelib.tips import accounts, stats
from chalicelib.tips.models import COMPANY, Tip, TipAccount

MAX_DAYS = 366
FUNNEL = ("closed", "emailed", "opened", "rated", "tip_clicked", "tip_paid")


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def _bad(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        f"Query parameter {name} is not valid.", [{"field": f"query.{name}", "message": message, "code": "value_error"}]
    )


def period(query: Mapping[str, str], timezone: str, today: date | None = None) -> Period:
    zone = ZoneInfo(timezone)
    today = today or utcnow().astimezone(zone).date()
    parsed: dict[str, date] = {}
    for name in ("from", "to"):
        raw = query.get(name)
        if raw is None:
            continue
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            raise _bad(name, "must be a date as YYYY-MM-DD")
        try:
            parsed[name] = date.fromisoformat(raw)
        except ValueError:
            raise _bad(name, "must be a real calendar date") from None
    last = parsed.get("to", today)
    first = parsed.get("from", last - timedelta(days=29))
    if first > last:
        raise _bad("from", "must not be after to")
    if (last - first).days >= MAX_DAYS:
        raise _bad("from", f"the period may be at most {MAX_DAYS} days")
    start = datetime.combine(first, time.min, zone)
    end = datetime.combine(last + timedelta(days=1), time.min, zone)
    return Period(first, last, start, end)


def tips_in(
    company_id: str, span: Period, *, employee_id: str | None = None, ticket_id: str | None = None
) -> list[Tip]:
    if ticket_id:
        return list(Tip.by_ticket.query(keys.ticket(company_id, ticket_id)))
    if employee_id:
        return list(
            Tip.by_employee.query(keys.employee(company_id, employee_id), Tip.paid_at.between(span.start, span.end))
        )
    condition = Tip.paid_at.between(span.start, span.end)
    return [t for t in Tip.by_company.query(company_id, condition) if t.paid_at < span.end]


class TipOut(TypedDict):
    tip_id: str
    employee_id: str
    ticket_id: str | None
    amount: str
    currency: str
    paid_at: str | None
    refunded_at: str | None


TipPageOut = TypedDict("TipPageOut", {"from": str, "to": str, "tips": list[TipOut], "next_cursor": str | None})
SummaryOut = TypedDict(
    "SummaryOut",
    {
        "from": str,
        "to": str,
        "tips": int,
        "amount": dict[str, str],
        "ratings": int,
        "rating_average": float | None,
        "funnel": dict[str, int],
        "by_employee": list[dict[str, Any]],
        "tips_per_day": list[dict[str, Any]],
    },
)


def tip_view(tip: Tip) -> TipOut:
    return {
        "tip_id": tip.tip_id,
        "employee_id": tip.employee_id,
        "ticket_id": tip.ticket_id,
        "amount": f"{int(tip.amount_minor) / 100:.2f}",
        "currency": tip.currency,
        "paid_at": iso(tip.paid_at),
        "refunded_at": iso(tip.refunded_at),
    }


def summary(principal: auth.Principal, query: Mapping[str, str]) -> SummaryOut:
    """Two reads after authentication: the period's figures (one Query of the day rows, chalicelib/tips/
    stats.py) and the company's tip accounts (one Query); names come from the staff directory."""
    return _summary(principal, query)[0]


def _summary(principal: auth.Principal, query: Mapping[str, str]) -> tuple[SummaryOut, list[TipAccount]]:
    principal.require_manager()
    company_id = principal.company_id
    span = period(query, principal.timezone)
    figures = stats.period(company_id, span.first, span.last)
    names = {e: str(v["name"]) for e, v in staff.entries(auth.company_of(principal, "staff")).items()}
    found = accounts.all_accounts(company_id)
    linked = {a.subject.removeprefix("emp#"): a.state for a in found if a.subject != COMPANY}
    rows = []
    for employee_id, entry in figures.by_employee.items():
        if not (entry["tips"] or entry["refunded"] or entry["ratings"]):
            continue  # everything of the period was refunded or voided away: as if nothing happened
        rows.append(
            {
                "employee_id": employee_id,
                "name": names.get(employee_id, employee_id),
                "tip_state": linked.get(employee_id, "disabled"),
                "tips": entry["tips"],
                "refunded": entry["refunded"],
                "amount": _money(entry["amount"]),
                "ratings": entry["ratings"],
                "rating_average": round(entry["stars"] / entry["ratings"], 2) if entry["ratings"] else None,
            }
        )
    rows.sort(key=lambda e: (-e["tips"], -(e["rating_average"] or 0), e["name"]))
    ratings = sum(e["ratings"] for e in figures.by_employee.values())
    stars = sum(e["stars"] for e in figures.by_employee.values())
    out: SummaryOut = {
        "from": span.first.isoformat(),
        "to": span.last.isoformat(),
        "tips": sum(e["tips"] for e in figures.by_employee.values()),
        "amount": _money(figures.amount),
        "ratings": ratings,
        "rating_average": round(stars / ratings, 2) if ratings else None,
        "funnel": dict(figures.funnel),
        "by_employee": rows,
        "tips_per_day": [
            {"day": d.isoformat(), "tips": figures.tips_per_day.get(d.isoformat(), 0)} for d in span.days()
        ],
    }
    return out, found


def _money(minor_by_currency: Mapping[str, int]) -> dict[str, str]:
    return {currency: f"{minor / 100:.2f}" for currency, minor in sorted(minor_by_currency.items()) if minor}


def list_tips(principal: auth.Principal, query: Mapping[str, str], limit: int = 50) -> TipPageOut:
    """Tips of a period (or of one employee or ticket), oldest first, a page at a time."""
    principal.require_manager()
    span = period(query, principal.timezone)
    employee_id, ticket_id = query.get("employee_id"), query.get("ticket_id")
    for name, value in (("employee_id", employee_id), ("ticket_id", ticket_id)):
        if value is not None and not re.fullmatch(r"[a-z]{2,4}_[A-Za-z0-9_-]{16,64}", value):
            raise _bad(name, "must be an id")
    company_id = principal.company_id
    between = Tip.paid_at.between(span.start, span.end)
    index: Any
    if ticket_id:
        hash_key, index, condition = keys.ticket(company_id, ticket_id), Tip.by_ticket, None
    elif employee_id:
        hash_key, index, condition = keys.employee(company_id, employee_id), Tip.by_employee, between
    else:
        hash_key, index, condition = company_id, Tip.by_company, between

    def run(start: dict[str, Any] | None, page_size: int) -> Any:
        return index.query(hash_key, condition, last_evaluated_key=start, page_size=page_size)

    scope = f"tips:{index.Meta.index_name}:{hash_key}:{span.first}:{span.last}"
    found = paging.page(scope, query.get("cursor"), limit, run, keep=lambda tip: tip.paid_at < span.end)
    return {
        "from": span.first.isoformat(),
        "to": span.last.isoformat(),
        "tips": [tip_view(t) for t in found.items],
        "next_cursor": found.next_cursor,
    }


CSV_FIELDS = ("tip_id", "paid_at", "employee_id", "employee_name", "ticket_id", "amount", "currency", "refunded_at")


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text  # no formula injection


def tips_csv(principal: auth.Principal, query: Mapping[str, str]) -> str:
    principal.require_manager()
    span = period(query, principal.timezone)
    names = {e: str(v["name"]) for e, v in staff.entries(auth.company_of(principal, "staff")).items()}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_FIELDS)
    for tip in sorted(tips_in(principal.company_id, span), key=lambda t: t.paid_at):
        view: dict[str, Any] = {**tip_view(tip), "employee_name": names.get(tip.employee_id, "")}
        writer.writerow([_cell(view[name]) for name in CSV_FIELDS])
    return out.getvalue()


def dashboard(principal: auth.Principal, query: Mapping[str, str]) -> str:
    data, found = _summary(principal, query)
    company = next((a for a in found if a.subject == COMPANY), None)
    top = max([1] + [d["tips"] for d in data["tips_per_day"]])
    funnel_top = max(1, data["funnel"]["closed"])
    return render(
        "tips/dashboard.html",
        locale="en",
        title="Tips and ratings",
        data=data,
        bar_max=top,
        funnel_top=funnel_top,
        funnel_steps=FUNNEL,
        company=accounts.account_view(company),
    )
