"""DynamoDB requests per report page, JSON report and list at a seeded month of work (devstack/demo_month.py,
through the domain services and the tickets stream), then with ten times that history behind it: the
counts, and the items the reads return, must not grow with history beyond the days shown."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from chalice.test import Client

from devstack.demo_month import Plan, Seeded, seed_month
from devstack.pump import StreamPump
from tests.functional.sessions_helpers import Browser
from tests.support.dynamodb_requests import dynamodb_requests

REPORTS = ("tickets", "first-replies", "resolutions", "ratings", "tips", "karma")
HISTORY = 10  # the month and nine more before it


def _manager_browser(client: Client, seeded: Seeded) -> Browser:
    from chalicelib import sessions
    from chalicelib.db.models import Company, Employee

    employee = Employee.get(seeded.company_id, seeded.manager_id)
    return Browser(client, sessions.open_session(employee, Company.get(seeded.company_id), "Counting browser"))


def _reads(client: Client, seeded: Seeded, answers: dict[str, Any]) -> dict[str, tuple[int, dict[str, int]]]:
    """Requests per route for the seeded month; the JSON reports' answers go to `answers`."""
    from tests.functional.conftest import Api

    period = f"from={seeded.first.isoformat()}&to={seeded.last.isoformat()}"
    browser = _manager_browser(client, seeded)
    api = Api(client, seeded.manager_token)
    counted: dict[str, tuple[int, dict[str, int]]] = {}
    for name in REPORTS:
        calls: list[tuple[str, Any]] = [
            (f"page {name}", lambda n=name: browser.request("GET", f"/manage/reports/{n}?{period}")),
            (f"api {name}", lambda n=name: api.call("GET", f"/reports/{n}?{period}")),
            (f"csv {name}", lambda n=name: browser.request("GET", f"/manage/reports/{n}/csv?{period}")),
        ]
        if name in ("ratings", "tips"):
            listed = f"/manage/reports/{name}/list?{period}"
            calls.append((f"list {name}", lambda p=listed: browser.request("GET", p, None, {"HX-Request": "true"})))
        for label, call in calls:
            with dynamodb_requests() as seen:
                answer = call()
            status = answer[0] if isinstance(answer, tuple) else answer.status_code
            assert status == 200, (label, answer)
            operations = {k: v for k, v in seen.items() if " " not in k}
            if label.startswith("api"):
                answers[label] = answer[1]
            counted[label] = (sum(operations.values()), operations)
    return counted


def _grow_history(seeded: Seeded, times: int) -> int:
    """Nine more months before the seeded one: its day counters and customers' ratings copied 30, 60, ...
    days earlier (the all-time totals grow with them), as a desk with ten months behind it would have."""
    from chalicelib.db import keys
    from chalicelib.reports.models import COUNTERS, ReportItem
    from chalicelib.tips.models import Rating

    span = ReportItem.item.between(keys.report_day(seeded.first, ""), keys.report_day(seeded.last, "~"))
    days = list(ReportItem.query(seeded.company_id, span))
    ratings = list(Rating.by_company.query(seeded.company_id))
    opened = closed = written = 0
    for k in range(1, times):
        shift = timedelta(days=30 * k)
        for item in days:
            _, day_text, scope = item.item.split(keys.SEPARATOR, 2)
            day = date.fromisoformat(day_text) - shift
            copy = ReportItem(seeded.company_id, keys.report_day(day, scope))
            for name in COUNTERS:
                if getattr(item, name, None) is not None:
                    setattr(copy, name, getattr(item, name))
            copy.save()
            written += 1
            if scope == "c":
                opened, closed = opened + item.value("opened"), closed + item.value("closed")
        for rating in ratings:
            Rating(
                seeded.company_id, f"{rating.ticket_id}-h{k}", employee_id=rating.employee_id, stars=rating.stars,
                comment=rating.comment, subject=rating.subject, rated_at=rating.rated_at - shift,
            ).save()  # fmt: skip
            written += 1
    ReportItem(seeded.company_id, keys.report_totals()).update(
        actions=[ReportItem.opened.add(opened), ReportItem.closed.add(closed)]
    )
    return written


@pytest.fixture(scope="module")
def seeded(client: Client, ticket_stream: StreamPump) -> Iterator[Seeded]:
    plan = Plan(days=30, per_weekday=1, per_saturday=1, per_sunday=1, customers=20, seed=3)
    yield seed_month(name="Counting Desk", manager_email="mia@counting.test", drain=ticket_stream.drain, plan=plan)


def test_report_pages_read_the_same_few_requests_with_ten_times_the_history(client: Client, seeded: Seeded) -> None:
    before: dict[str, Any] = {}
    month = _reads(client, seeded, before)
    assert seeded.tickets >= 25 and before["api ratings"]["ratings"] >= 5
    assert all(requests <= 3 for requests, _ in month.values()), month
    written = _grow_history(seeded, HISTORY)
    assert written > 500
    after: dict[str, Any] = {}
    grown = _reads(client, seeded, after)
    assert grown == month, {k: (month[k], grown[k]) for k in month if month[k] != grown[k]}
    # the month's figures are the month's: only the backlog carries the history's open tickets in
    assert all(after[f"api {n}"] == before[f"api {n}"] for n in REPORTS if n != "tickets")
    opened_closed = [[(d["opened"], d["closed"]) for d in answer["api tickets"]["days"]] for answer in (before, after)]
    assert opened_closed[0] == opened_closed[1]
    history_open = after["api tickets"]["totals"]["backlog_start"] - before["api tickets"]["totals"]["backlog_start"]
    assert [d["backlog"] - history_open for d in after["api tickets"]["days"]] == [
        d["backlog"] for d in before["api tickets"]["days"]
    ]
    print(f"\n{seeded.tickets} tickets in the month; requests per report route, at it and ten times its history:")
    for label, (requests, operations) in month.items():
        print(f"  {label:20} {requests} {operations}")
