"""The manager's console in headless Chromium through the local stack (`python -m devstack run`): a company
with a week of work seeded by the stack's control API (the demo month's simulation, smaller), its manager
signs in from the printed link, invites an agent, sets working hours (a ticket opened after closing time is
due on the next working morning), changes the tip amounts (the next tip link offers them), opens every
report for the seeded days and finds the figures the JSON API gives (and, over a year, per week), loads the
comments and tips lists, and downloads a CSV. Every page is checked with axe-core at 1280 and 390 px and kept
as a screenshot."""

from __future__ import annotations

import csv
import io
import re
import secrets
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.support.accessibility import check_page
from tests.support.browser import chromium

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
REPORTS = ("tickets", "first-replies", "resolutions", "ratings", "tips", "karma")
# The figures each report page shows in its totals, and where the JSON API has them.
TOTALS: dict[str, dict[str, tuple[str, ...]]] = {
    "tickets": {name: ("totals", name) for name in ("opened", "closed", "closed_auto", "reopened", "backlog_end")},
    "first-replies": {name: (name,) for name in ("first_replies", "target_missed", "breached")},
    "resolutions": {"resolutions": ("resolutions",)},
    "ratings": {"ratings": ("ratings",)},
    "tips": {"tips": ("tips",)},
    "karma": {name: ("totals", name) for name in ("difficult", "calm", "neutral", "literate")},
}


def zone_after_closing(now: datetime) -> str:
    """A time zone where it is now between 20:00 and 22:00, after a 09:00-18:00 desk has closed (the
    test must not depend on when it runs)."""
    offset = (21 - now.hour) % 24
    if offset > 14:
        offset -= 24
    # Etc/GMT-3 is three hours ahead of UTC (POSIX signs)
    return "Etc/GMT" + ("+" if offset <= 0 else "-") + str(abs(offset)) if offset else "Etc/GMT"


def next_working_morning(after: datetime, zone: ZoneInfo) -> datetime:
    """09:00 of the next Monday-Friday day after `after` (local), in UTC."""
    day = after.astimezone(zone).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=zone).astimezone(UTC)


def api(stack: Any, token: str, path: str) -> Any:
    response = requests.get(f"{stack.api_url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def figure(page: Page, name: str) -> str:
    return page.locator(f'#totals [data-figure="{name}"]').first.inner_text().strip()


def as_int(text: str) -> int:
    return int(re.sub(r"[^\d-]", "", text) or 0)


def seed(stack: Any, timezone: str) -> dict[str, Any]:
    plan = {"days": 5, "per_weekday": 5, "per_saturday": 2, "per_sunday": 2, "customers": 20, "seed": 5}
    body = {"name": "Console Desk", "manager_email": f"mia-{secrets.token_hex(3)}@console.test", "timezone": timezone}
    response = requests.post(f"{stack.control_url}/demo/month", json={**body, **plan}, timeout=300)
    assert response.status_code == 200, response.text
    seeded: dict[str, Any] = response.json()
    return seeded


def test_a_manager_runs_the_desk_from_the_console(local_stack: Any) -> None:
    started = time.monotonic()
    now = datetime.now(UTC)
    timezone = zone_after_closing(now)
    seeded = seed(local_stack, timezone)
    seeded_in = time.monotonic() - started
    print(f"seeded {seeded['tickets']} tickets in {seeded_in:.1f} s")
    assert seeded["tickets"] >= 10, seeded
    today = now.astimezone(ZoneInfo(timezone)).date()
    # the seeded days and today (the after-hours ticket, the tip paid in the test)
    token, period = seeded["manager_token"], f"from={seeded['first']}&to={today.isoformat()}"
    path = urlsplit(seeded["signin_link"]).path

    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page = context.new_page()
        page.goto(f"{local_stack.api_url}{path}")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/manage/reports$"))
        check_page(page, "reports", "console")

        # The team: an agent invited by e-mail.
        page.get_by_role("link", name="Team").click()
        address = f"nia-{secrets.token_hex(3)}@console.test"
        page.get_by_label("Name", exact=True).fill("Nia")
        page.get_by_label("E-mail address").fill(address)
        page.get_by_label("Line").select_option("1")
        page.get_by_role("button", name="Send invitation", exact=True).click()
        expect(page.locator("#notice")).to_be_visible()
        expect(page.get_by_role("cell", name=address)).to_be_visible()
        assert any(address in m["destinations"] for m in local_stack.sent_emails())
        check_page(page, "team", "console")

        # Working hours: Monday to Friday 09:00-18:00, a 30-minute first-reply target.
        page.get_by_role("link", name="Settings").click()
        page.locator("#sla_target_minutes").fill("30")
        page.locator("#sla_limit_minutes").fill("240")
        page.locator("#always_open").set_checked(False)
        for day in ("mon", "tue", "wed", "thu", "fri"):
            page.locator(f"#hours_{day}").fill("09:00-18:00")
        for day in ("sat", "sun"):
            page.locator(f"#hours_{day}").fill("")
        page.locator("#save-hours").click()
        expect(page.locator("#notice")).to_be_visible()
        check_page(page, "settings", "console")
        opened_at = datetime.now(UTC)
        response = requests.post(
            f"{local_stack.api_url}/intake/{seeded['intake_key']}/tickets",
            json={"subject": "Late question", "body": "After hours.", "customer_name": "Lu",
                  "customer_email": f"lu-{secrets.token_hex(3)}@customer.test"},
            timeout=30,
        )  # fmt: skip
        assert response.status_code == 201, response.text
        ticket = api(local_stack, token, f"/tickets/{response.json()['ticket_id']}")
        due = datetime.fromisoformat(ticket["sla"]["target_at"].replace("Z", "+00:00"))
        assert due == next_working_morning(opened_at, ZoneInfo(timezone)) + timedelta(minutes=30), (timezone, due)

        # Tip amounts: the next tip link offers them, and a customer pays one at the partner's form.
        page.locator("#tip_amounts").fill("4, 8, 15")
        page.locator("#save-tips").click()
        expect(page.locator("#notice")).to_be_visible()
        assert seeded["tip_link"], "the seeded days have a ticket whose agent takes tips"
        clicked = requests.get(f"{local_stack.api_url}{seeded['tip_link']}", allow_redirects=False, timeout=30)
        assert clicked.status_code == 302, clicked.text
        offered = parse_qs(urlsplit(clicked.headers["Location"]).query)
        assert offered["amounts"] == ["4,8,15"] and offered["currency"] == ["EUR"]
        customer = context.new_page()
        customer.goto(f"{local_stack.api_url}{seeded['tip_link']}")
        expect(customer.get_by_label("8 EUR")).to_be_visible()
        customer.get_by_label("8 EUR").check()
        customer.locator("#pay").click()
        expect(customer.locator("#paid")).to_be_visible()
        customer.close()

        # Every report of the seeded days shows the API's figures.
        for name in REPORTS:
            page.goto(f"{local_stack.api_url}/manage/reports/{name}?{period}")
            data = api(local_stack, token, f"/reports/{name}?{period}")
            for shown, where in TOTALS[name].items():
                expected = data
                for key in where:
                    expected = expected[key]
                assert as_int(figure(page, shown)) == expected, (name, shown, figure(page, shown), expected)
            if name in ("ratings", "tips"):
                listed = page.locator("#comments" if name == "ratings" else "#tips")
                expect(listed).to_be_visible()  # loaded into the page
                rows = data["comments"] if name == "ratings" else data["list"]
                expect(listed.locator("tbody tr")).to_have_count(len(rows))
            if name == "ratings":
                assert float(page.locator('#totals [data-figure="average"]').get_attribute("data-value") or 0) == (
                    data["average"] or 0
                )
            if name == "tips" and data["amount"]:
                assert (
                    page.locator('#totals [data-figure="amount"]').first.get_attribute("data-value")
                    == (data["amount"]["EUR"])
                )
            check_page(page, f"report-{name}", "console")

        # A year: the chart and the table over time per week, with the API's daily figures summed.
        year = f"from={(today - timedelta(days=365)).isoformat()}&to={today.isoformat()}"
        for name, column in (("tickets", "opened"), ("karma", "neutral")):
            page.goto(f"{local_stack.api_url}/manage/reports/{name}?{year}")
            days = api(local_stack, token, f"/reports/{name}?{year}")["days"]
            assert page.locator("#days tbody tr[data-week]").count() in (53, 54) and len(days) == 366
            cells = page.locator(f'#days tbody [data-figure="{column}"]').all_text_contents()
            assert sum(as_int(text) for text in cells) == sum(day[column] for day in days) > 0
            expect(page.locator("#days-title")).to_have_text("Per week")
            check_page(page, f"report-{name}-year", "console")

        # Without scripts the comments open as a page of their own.
        page.goto(f"{local_stack.api_url}/manage/reports/ratings/list?{period}")
        expect(page.locator("#comments")).to_be_visible()
        check_page(page, "report-ratings-list", "console")

        # The tickets report's table as CSV: one row a day, the API's figures.
        page.goto(f"{local_stack.api_url}/manage/reports/tickets?{period}")
        with page.expect_download() as download:
            page.locator("#csv").click()
        rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
        days = api(local_stack, token, f"/reports/tickets?{period}")["days"]
        assert rows[0] == ["day", "opened", "closed", "reopened", "backlog"]
        assert [r[:3] for r in rows[1:]] == [[d["day"], str(d["opened"]), str(d["closed"])] for d in days]
        assert date.fromisoformat(rows[1][0]) == date.fromisoformat(seeded["first"]) and rows[-1][0] == str(today)
        context.close()
    print(f"seeded {seeded['tickets']} tickets in {seeded_in:.1f} s; whole test {time.monotonic() - started:.1f} s")
