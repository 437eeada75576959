"""Managers' figures: tips by employee, period and ticket; rating averages; the funnel
closed -> emailed -> opened -> rated -> tip clicked -> tip paid; CSV; the dashboard page.

Every read is a Query bounded by the company and the period (indexes keyed by company and time),
so the cost follows the period asked for, never the table's size.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from typing_extensions import TypedDict  # pydantic reads TypedDicts from here on 3.11

from chalicelib import auth, employees
from chalicelib.clock import iso, utcnow
from chalicelib.db import keys, paging
from chalicelib.errors import ValidationFailed
from chalicelib.pages import render
from chalicelib.tips import accounts
from chalicelib.tips.models import Rating, TicketFunnel, Tip

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


def _amounts(tips: list[Tip]) -> dict[str, str]:
    totals: dict[str, int] = defaultdict(int)
    for tip in tips:
        if tip.refunded_at is None:
            totals[tip.currency] += int(tip.amount_minor)
    return {currency: f"{minor / 100:.2f}" for currency, minor in sorted(totals.items())}


def summary(principal: auth.Principal, query: Mapping[str, str]) -> SummaryOut:
    principal.require_manager()
    company_id = principal.company_id
    span = period(query, principal.timezone)
    tips = tips_in(company_id, span)
    ratings = [
        r
        for r in Rating.by_company.query(company_id, Rating.rated_at.between(span.start, span.end))
        if r.voided_at is None and r.rated_at < span.end
    ]
    funnel_items = [
        f
        for f in TicketFunnel.by_closed.query(company_id, TicketFunnel.closed_at.between(span.start, span.end))
        if f.closed_at < span.end
    ]
    names = {e.employee_id: e.name for e in employees.list_all(company_id)}
    linked = {a.subject.removeprefix("emp#"): a.state for a in accounts.employee_accounts(company_id)}
    by_employee: dict[str, dict[str, Any]] = {}

    def row(employee_id: str) -> dict[str, Any]:
        if employee_id not in by_employee:
            by_employee[employee_id] = {
                "employee_id": employee_id,
                "name": names.get(employee_id, employee_id),
                "tip_state": linked.get(employee_id, "disabled"),
                "tips": 0,
                "refunded": 0,
                "amount": {},
                "ratings": 0,
                "rating_average": None,
                "_tips": [],
                "_stars": [],
            }
        return by_employee[employee_id]

    for tip in tips:
        entry = row(tip.employee_id)
        entry["_tips"].append(tip)
        entry["tips" if tip.refunded_at is None else "refunded"] += 1
    for rating in ratings:
        row(rating.employee_id)["_stars"].append(int(rating.stars))
    rows = []
    for entry in by_employee.values():
        stars = entry.pop("_stars")
        entry["amount"] = _amounts(entry.pop("_tips"))
        entry["ratings"] = len(stars)
        entry["rating_average"] = round(sum(stars) / len(stars), 2) if stars else None
        rows.append(entry)
    rows.sort(key=lambda e: (-e["tips"], -(e["rating_average"] or 0), e["name"]))
    funnel = {
        "closed": len(funnel_items),
        "emailed": sum(1 for f in funnel_items if f.sent_at is not None),
        "opened": sum(1 for f in funnel_items if f.opened_at is not None),
        "rated": sum(1 for f in funnel_items if f.rated_at is not None),
        "tip_clicked": sum(1 for f in funnel_items if f.tip_clicked_at is not None),
        "tip_paid": sum(1 for f in funnel_items if f.tip_paid_at is not None),
    }
    per_day: dict[str, int] = {d.isoformat(): 0 for d in span.days()}
    zone = ZoneInfo(principal.timezone)
    for tip in tips:
        if tip.refunded_at is None:
            per_day[tip.paid_at.astimezone(zone).date().isoformat()] += 1
    all_stars = [int(r.stars) for r in ratings]
    return {
        "from": span.first.isoformat(),
        "to": span.last.isoformat(),
        "tips": sum(1 for t in tips if t.refunded_at is None),
        "amount": _amounts(tips),
        "ratings": len(all_stars),
        "rating_average": round(sum(all_stars) / len(all_stars), 2) if all_stars else None,
        "funnel": funnel,
        "by_employee": rows,
        "tips_per_day": [{"day": day, "tips": count} for day, count in per_day.items()],
    }


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
    names = {e.employee_id: e.name for e in employees.list_all(principal.company_id)}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_FIELDS)
    for tip in sorted(tips_in(principal.company_id, span), key=lambda t: t.paid_at):
        view: dict[str, Any] = {**tip_view(tip), "employee_name": names.get(tip.employee_id, "")}
        writer.writerow([_cell(view[name]) for name in CSV_FIELDS])
    return out.getvalue()


def dashboard(principal: auth.Principal, query: Mapping[str, str]) -> str:
    data = summary(principal, query)
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
        company=accounts.account_view(accounts.company_account(principal.company_id)),
    )
