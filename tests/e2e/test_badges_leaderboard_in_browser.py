"""Over the local stack: agents work through the API, the hourly badge schedule fires as of the first
hour of the next local day, and the leaderboard page shows the badges in headless Chromium — each
agent's badges to everyone, points and levels only to managers (and to an agent for themselves)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.support.browser import chromium

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
ZONE = ZoneInfo("Europe/Vilnius")


def test_the_leaderboard_page_shows_the_badges_the_schedule_awarded(local_stack: Any) -> None:
    api = local_stack.api_url

    def call(method: str, path: str, token: str | None = None, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = requests.request(method, f"{api}{path}", json=body, headers=headers, timeout=30)
        assert response.status_code < 300, (path, response.status_code, response.text)
        return response.json() if response.content else None

    signup = call(
        "POST",
        "/companies",
        body={
            "name": "Badgers",
            "manager_name": "Mia",
            "manager_email": "mia@badgers.test",
            "timezone": "Europe/Vilnius",
        },
    )
    manager = signup["token"]
    ada = call("POST", "/employees", manager, {"name": "Ada <Lovelace>", "email": "ada@badgers.test"})
    bob = call("POST", "/employees", manager, {"name": "Bob", "email": "bob@badgers.test"})
    for agent in (ada, bob):
        call("PUT", "/me/status", agent["token"], {"status": "online"})
    opened = call(
        "POST",
        f"/intake/{signup['company']['intake_key']}/tickets",
        body={
            "subject": "Printer",
            "body": "Blank pages",
            "customer_name": "Ann",
            "customer_email": "ann@badgers.test",
        },
    )
    ticket_id = opened["ticket_id"]
    call("POST", "/tickets/next", bob["token"])
    call("POST", f"/tickets/{ticket_id}/messages", bob["token"], {"body": "A long and careful answer. " * 10})
    call("POST", f"/tickets/{ticket_id}/resolve", bob["token"])
    call("PUT", "/me/status", ada["token"], {"status": "break"})
    call("PUT", "/me/status", ada["token"], {"status": "online"})

    next_morning = (datetime.now(ZONE) + timedelta(days=1)).replace(hour=1, minute=5, second=0, microsecond=0)
    result = local_stack.fire("award_badges", next_morning)
    assert result["failed"] == 0 and result["evaluated"] >= 1

    with chromium() as browser:
        page = browser.new_page(extra_http_headers={"Authorization": f"Bearer {ada['token']}"})
        response = page.goto(f"{api}/leaderboard/page")
        assert response is not None and response.status == 200
        assert response.headers["content-type"].startswith("text/html")
        assert page.locator("h1").inner_text() == "Leaderboard"
        bob_row = page.locator(f"tr[data-employee={bob['employee']['employee_id']}]")
        bob_badges = bob_row.locator(".badge").all_inner_texts()
        assert sorted(bob_badges) == ["Cleaner", "Express", "Novelist"]
        ada_row = page.locator(f"tr[data-employee={ada['employee']['employee_id']}]")
        assert "Ada <Lovelace> (you)" in ada_row.locator(".name").inner_text()  # escaped, shown as text
        assert "Coffee" in ada_row.locator(".badge.negative").all_inner_texts()
        assert page.locator("th", has_text="Points").count() == 0  # an agent sees no one's points
        assert "Your level: 1 · Novice" in page.locator("#my-level").inner_text()

        as_manager = browser.new_page(extra_http_headers={"Authorization": f"Bearer {manager}"})
        response = as_manager.goto(f"{api}/leaderboard/page")
        assert response is not None and response.status == 200
        first_row = as_manager.locator("#leaderboard tbody tr").first
        assert first_row.get_attribute("data-employee") == bob["employee"]["employee_id"]  # most points first
        assert first_row.locator(".points").inner_text() == "30"  # three positive badges
        assert "Novice" in first_row.locator(".level").inner_text()

        anonymous = browser.new_page()
        response = anonymous.goto(f"{api}/leaderboard/page")
        assert response is not None and response.status == 401
