"""The reports a manager reads: one function per report (JSON twin and page share it) and its CSV.

The period comes from `from`/`to` (the company's calendar days; the last 30 days by default, at most 366).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib import auth
from chalicelib.db import paging
from chalicelib.employees import staff
from chalicelib.errors import NotFound
from chalicelib.reports import figures

REPORTS: tuple[str, ...] = ("tickets", "first-replies", "resolutions", "ratings", "tips", "karma")
LIST_LIMIT = 20  # comments or tips per page
CSV_PAGES = 50  # a CSV lists at most this many pages
CSV_PAGE_SIZE = 1000


@dataclass(frozen=True)
class Period:
    span: figures.Span
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive
    timezone: str


def period(query: Mapping[str, str], timezone: str) -> Period:
    from chalicelib.tips.analytics import period as parse  # the same period rules as the tips API

    found = parse(query, timezone)
    return Period(figures.Span(found.first, found.last), found.start, found.end, timezone)


def _names(principal: auth.Principal) -> dict[str, str]:
    """Employees' names from the staff directory (read with the credential when the route declares it)."""
    return {e: str(v["name"]) for e, v in staff.entries(auth.company_of(principal, "staff")).items()}


def _list_args(principal: auth.Principal, when: Period, query: Mapping[str, str], name: str) -> dict[str, Any]:
    scope = f"{principal.company_id}:{name}:{when.span.first}:{when.span.last}"
    limit = int(query.get("limit") or LIST_LIMIT)
    return {"limit": limit, "cursor": query.get("cursor"), "scope": scope}


def report(
    principal: auth.Principal,
    name: str,
    query: Mapping[str, str],
    with_list: bool = True,
    first_weekday: int | None = None,
) -> dict[str, Any]:
    """The named report's figures for the period the query asks for. `with_list`: with the page of comments
    or tips (the pages load it on its own: `listing`). `first_weekday`: the figures over time per week (weeks
    starting on that day, 0 Monday .. 6 Sunday), each row's `day` its first day in the period; else per day."""
    principal.require_manager()
    if name not in REPORTS:
        raise NotFound("Report")
    company_id = principal.company_id
    when = period(query, principal.timezone)
    counters = figures.read(company_id, when.span, with_backlog=name == "tickets")
    if first_weekday is not None:
        counters = counters.by_week(first_weekday)
    if name == "tickets":
        return dict(figures.tickets(counters))
    if name == "karma":
        return dict(figures.karma(counters))
    names = _names(principal)
    if name == "first-replies":
        return dict(figures.first_replies(counters, names))
    if name == "resolutions":
        return dict(figures.resolutions(counters, names))
    found = listing(principal, name, query) if with_list else paging.PageOf([], None)
    if name == "ratings":
        return dict(figures.ratings(counters, names, found))
    return dict(figures.tips(counters, names, found))


def listing(principal: auth.Principal, name: str, query: Mapping[str, str]) -> paging.PageOf[Any]:
    """A page of the ratings report's comments or the tips report's tips, newest first (one Query)."""
    principal.require_manager()
    if name not in ("ratings", "tips"):
        raise NotFound("Report")
    when = period(query, principal.timezone)
    args = _list_args(principal, when, query, name)
    if name == "ratings":
        return figures.comments(principal.company_id, when.start, when.end, _names(principal), **args)
    return figures.tip_list(principal.company_id, when.start, when.end, _names(principal), **args)


# ---------------------------------------------------------------- CSV


def _cell(value: Any) -> str:
    """No formula injection: a cell a spreadsheet would run as a formula is read as text."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _all_pages(fetch: Callable[[str | None], paging.PageOf[Any]]) -> Iterator[Any]:
    cursor: str | None = None
    for _ in range(CSV_PAGES):
        found = fetch(cursor)
        yield from found.items
        cursor = found.next_cursor
        if not cursor:
            return


def _minutes(seconds: int | None) -> str:
    return "" if seconds is None else f"{seconds / 60:.1f}"


def csv_rows(principal: auth.Principal, name: str, query: Mapping[str, str]) -> list[list[Any]]:
    """The report's detail table: the header, then one row per day, agent, rating or tip."""
    if name in ("ratings", "tips"):
        return _list_rows(principal, name, query)
    data = report(principal, name, {k: v for k, v in query.items() if k in ("from", "to")})
    if name == "tickets":
        rows: list[list[Any]] = [["day", "opened", "closed", "reopened", "backlog"]]
        rows += [[d["day"], d["opened"], d["closed"], d["reopened"], d["backlog"]] for d in data["days"]]
        return rows
    if name == "karma":
        rows = [["day", "difficult", "calm", "neutral", "literate"]]
        rows += [[d["day"], d["difficult"], d["calm"], d["neutral"], d["literate"]] for d in data["days"]]
        return rows
    if name == "first-replies":
        rows = [
            ["employee_id", "name", "first_replies", "average_minutes", "within_target", "target_missed", "breached"]
        ]
        rows += [
            [a["employee_id"], a["name"], a["first_replies"], _minutes(a["average_seconds"]), a["within_target"],
             a["target_missed"], a["breached"]]
            for a in data["agents"]
        ]  # fmt: skip
        return rows
    if name == "resolutions":
        rows = [["employee_id", "name", "resolutions", "average_minutes", *figures.RESOLUTION_KEYS]]
        rows += [
            [a["employee_id"], a["name"], a["resolutions"], _minutes(a["average_seconds"]),
             *(b["count"] for b in a["buckets"])]
            for a in data["agents"]
        ]  # fmt: skip
        return rows
    raise NotFound("Report")


def _list_rows(principal: auth.Principal, name: str, query: Mapping[str, str]) -> list[list[Any]]:
    """Every rating or tip of the period (pages of CSV_PAGE_SIZE: one Query each)."""
    principal.require_manager()
    company_id = principal.company_id
    when = period(query, principal.timezone)
    names = _names(principal)
    scope = f"{company_id}:{name}-csv:{when.span.first}:{when.span.last}"
    if name == "ratings":
        rows = [["rated_at", "employee_id", "name", "stars", "ticket_id", "subject", "comment"]]
        every = _all_pages(
            lambda c: figures.comments(company_id, when.start, when.end, names, CSV_PAGE_SIZE, c, scope, False)
        )
        rows += [[r["rated_at"], r["employee_id"], r["name"], r["stars"], r["ticket_id"], r["subject"], r["comment"]]
                 for r in every]  # fmt: skip
        return rows
    rows = [["paid_at", "employee_id", "name", "amount", "currency", "ticket_id", "subject", "refunded"]]
    every = _all_pages(lambda c: figures.tip_list(company_id, when.start, when.end, names, CSV_PAGE_SIZE, c, scope))
    rows += [[t["paid_at"], t["employee_id"], t["name"], t["amount"], t["currency"], t["ticket_id"], t["subject"],
              "yes" if t["refunded"] else ""] for t in every]  # fmt: skip
    return rows


def to_csv(rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    # a count (most cells of a day's row) is written as it is: only a sign could make it a formula
    writer.writerows([v if type(v) is int and v >= 0 else _cell(v) for v in row] for row in rows)
    return out.getvalue()
