# ruff: noqa: RUF001 (the Russian page's words are Cyrillic)
"""A report page over a long period (more than 92 days) shows its chart and table over time per week, with
the figures the JSON API gives per day for the same period, summed per week (the backlog at each week's
end, averages from the week's summed totals); a shorter period still shows days. The API and the CSV stay
per day."""

from __future__ import annotations

import html as htmlib
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib.clock import travelling
from devstack.pump import StreamPump
from tests.functional.conftest import Company

VILNIUS = ZoneInfo("Europe/Vilnius")
REPORTS = ("tickets", "first-replies", "resolutions", "ratings", "tips", "karma")
WORKED = (330, 329, 200, 150, 149, 60, 12, 2)  # days ago on which tickets were opened, answered, resolved


def _today() -> date:
    return datetime.now(VILNIUS).date()


@pytest.fixture
def year_of_work(company: Company, ticket_stream: StreamPump) -> dict[str, Any]:
    """Tickets opened on several days of the past year; most answered and resolved hours later, a few
    the next day (so a day's average differs from its week's)."""
    bea = company.add_agent("Bea")
    for n, ago in enumerate(WORKED):
        noon = datetime.combine(_today() - timedelta(days=ago), datetime.min.time(), VILNIUS).replace(hour=10)
        with travelling(noon.astimezone(UTC)) as travel:
            for k in range(1 + n % 3):
                company.open_ticket(f"Printer {ago}-{k}", f"ann{k}@example.com")
            for k in range(1 + n % 2):
                travel.advance(timedelta(hours=1 + 2 * k + n))
                taken = bea.call("POST", "/tickets/next")
                assert taken[0] == 200, taken
                ticket_id = taken[1]["ticket_id"]
                assert bea.call("POST", f"/tickets/{ticket_id}/messages", {"body": "On it."})[0] == 201
                assert bea.call("POST", f"/tickets/{ticket_id}/resolve")[0] == 200
    ticket_stream.drain()
    last = _today()
    return {"from": (last - timedelta(days=365)).isoformat(), "to": last.isoformat()}


def _week_rows(page: str) -> list[tuple[str, str, dict[str, int]]]:
    rows = []
    for first, last, cells in re.findall(r'<tr data-week="([\d-]+)" data-last="([\d-]+)">(.*?)</tr>', page):
        figures = {name: int(value) for name, value in re.findall(r'data-figure="(\w+)">(\d+)<', cells)}
        rows.append((first, last, figures))
    return rows


def _weeks_of(days: list[dict[str, Any]], first_weekday: int = 0) -> list[list[dict[str, Any]]]:
    """The API's days grouped into weeks starting on `first_weekday`, as a reader would count them."""
    weeks: list[list[dict[str, Any]]] = []
    for row in days:
        if not weeks or date.fromisoformat(row["day"]).weekday() == first_weekday:
            weeks.append([])
        weeks[-1].append(row)
    return weeks


def _titles(page: str) -> list[str]:
    return [htmlib.unescape(title) for title in re.findall(r"<title>([^<]*)</title>", page)]


def test_a_years_ticket_and_karma_pages_show_weeks_summed_from_the_apis_days(
    company: Company, year_of_work: dict[str, Any]
) -> None:
    from tests.functional.sessions_helpers import sign_in

    manager = sign_in(company)
    query = f"from={year_of_work['from']}&to={year_of_work['to']}"
    for name, flows in (("tickets", ("closed", "reopened", "opened")), ("karma", ("difficult", "calm", "neutral"))):
        status, page, _ = manager.page(f"/manage/reports/{name}?{query}")
        assert status == 200, page
        days = company.manager.call("GET", f"/reports/{name}?{query}")[1]["days"]
        assert len(days) == 366  # the API stays per day
        weeks = _weeks_of(days)
        rows = _week_rows(page)
        assert len(rows) == len(weeks) in (53, 54) and "data-day=" not in page
        for (first, last, figures), week in zip(rows, weeks, strict=True):
            assert (first, last) == (week[0]["day"], week[-1]["day"])
            for figure in flows:
                assert figures[figure] == sum(day[figure] for day in week), (name, first, figure)
            if name == "tickets":
                assert figures["backlog"] == week[-1]["backlog"]  # the stock at the week's end
        assert sum(figures[flows[-1]] for _, _, figures in rows) == sum(day[flows[-1]] for day in days) > 0
        assert ">Per week</h2>" in page and '<th scope="col">Week</th>' in page
    status, page, _ = manager.page(f"/manage/reports/tickets?{query}")
    assert "Tickets per week and backlog" in page and "Backlog at the end of the week" in page
    days = company.manager.call("GET", f"/reports/tickets?{query}")[1]["days"]
    busy = next(week for week in _weeks_of(days) if sum(day["opened"] for day in week) > 0)
    assert any(
        title.startswith("Week of ") and title.endswith(f": Opened {sum(day['opened'] for day in busy)}")
        for title in _titles(page)
    )
    # the CSV stays per day
    csv = manager.request("GET", f"/manage/reports/tickets/csv?{query}").body.decode().splitlines()
    assert len(csv) == 1 + 366 and csv[1].startswith(year_of_work["from"])


def test_a_years_charts_show_each_weeks_figures(company: Company, year_of_work: dict[str, Any]) -> None:
    from tests.functional.sessions_helpers import sign_in

    manager = sign_in(company)
    query = f"from={year_of_work['from']}&to={year_of_work['to']}"
    for name, title, figure, series in (
        ("resolutions", "Resolutions per week", "resolutions", "Resolved"),
        ("first-replies", "SLA per week", None, None),
        ("ratings", "Average stars per week", None, None),
        ("tips", "Tips per week", None, None),
    ):
        status, page, _ = manager.page(f"/manage/reports/{name}?{query}")
        assert status == 200 and title in page, name
        if figure is None:
            continue
        weeks = _weeks_of(company.manager.call("GET", f"/reports/{name}?{query}")[1]["days"])
        shown = sorted(t for t in _titles(page) if t.startswith("Week of ") and f": {series} " in t)
        expected = []
        for week in weeks:
            total = sum(day[figure] for day in week)
            if total:
                label = f"{date.fromisoformat(week[0]['day']).day} "
                expected.append((label, total))
        assert len(shown) == len(expected) >= 6
        for label, total in expected:
            assert any(t.startswith(f"Week of {label}") and t.endswith(f" {total}") for t in shown), (label, total)


def test_a_years_page_in_russian_says_per_week_and_a_months_page_still_shows_days(
    company: Company, year_of_work: dict[str, Any]
) -> None:
    from tests.functional.sessions_helpers import sign_in

    manager = sign_in(company)
    query = f"from={year_of_work['from']}&to={year_of_work['to']}"
    from tests.functional.staff_helpers import desk_browser

    russian = desk_browser(company)
    russian.get("/account/profile")
    russian.post("/account/profile", {"locale": "ru"})
    response = russian.get(f"/manage/reports/tickets?{query}")
    page = response.text
    assert response.status == 200 and 'lang="ru"' in page
    assert "По неделям" in page and "Обращения по неделям" in page and "Неделя с " in page
    russian.post("/account/profile", {"locale": "en"})
    month = f"from={(_today() - timedelta(days=29)).isoformat()}&to={_today().isoformat()}"
    for name in REPORTS:
        status, page, _ = manager.page(f"/manage/reports/{name}?{month}")
        assert status == 200 and "Week of" not in page and "per week" not in page, name
    status, page, _ = manager.page(f"/manage/reports/tickets?{month}")
    assert page.count('<tr data-day="') == 30 and ">Per day</h2>" in page and "Tickets per day and backlog" in page
    edge = f"from={(_today() - timedelta(days=91)).isoformat()}&to={_today().isoformat()}"  # 92 days: still days
    assert manager.page(f"/manage/reports/karma?{edge}")[1].count('<tr data-day="') == 92
    edge = f"from={(_today() - timedelta(days=92)).isoformat()}&to={_today().isoformat()}"  # 93 days: weeks
    assert 14 <= len(_week_rows(manager.page(f"/manage/reports/karma?{edge}")[1])) <= 15
