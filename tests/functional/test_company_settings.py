"""Company settings over the JSON API: business hours and holidays (due times skip closed time), tip amounts per
currency, the company's name and language; bad values are field errors and change nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib.clock import parse_iso
from chalicelib.db.models import Ticket
from tests.functional.conftest import Company

WORKWEEK = {day: ["09:00-18:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def opened(company: Company, **extra: Any) -> dict[str, Any]:
    ticket_id = company.open_ticket(**extra)["ticket_id"]
    status, ticket = company.manager.call("GET", f"/tickets/{ticket_id}")
    assert status == 200
    return dict(ticket)


def settings(company: Company) -> dict[str, Any]:
    status, body = company.manager.call("GET", "/company")
    assert status == 200
    settings: dict[str, Any] = body["settings"]
    return settings


def test_a_company_starts_open_around_the_clock_with_the_defaults_of_its_currency(company: Company) -> None:
    current = settings(company)
    assert current["business_hours"] is None and current["holidays"] == []
    assert current["tip_amounts"] == {"EUR": [2, 5, 10]} and current["locale"] is None
    ticket = opened(company)
    assert parse_iso(ticket["sla"]["target_at"]) - parse_iso(ticket["created_at"]) == timedelta(minutes=120)


def test_a_ticket_opened_while_the_desk_is_closed_is_due_after_the_next_opening(company: Company) -> None:
    zone = ZoneInfo("Europe/Vilnius")
    today = datetime.now(zone).date()
    closed = [today.isoformat(), (today + timedelta(days=1)).isoformat()]
    status, body = company.manager.call(
        "PATCH",
        "/company/settings",
        {"business_hours": WORKWEEK, "holidays": closed, "sla_target_minutes": 90, "sla_limit_minutes": 600},
    )
    assert status == 200, body
    assert body["business_hours"]["mon"] == ["09:00-18:00"] and body["holidays"] == closed
    ticket = opened(company)
    opening = datetime.combine(today + timedelta(days=2), datetime.min.time(), zone).replace(hour=9)
    assert parse_iso(ticket["sla"]["target_at"]) == opening + timedelta(minutes=90)
    # 600 working minutes: 9 hours that day, the last hour the next morning
    assert parse_iso(ticket["sla"]["limit_at"]) == opening + timedelta(days=1, hours=1)
    status, body = company.manager.call("PATCH", "/company/settings", {"business_hours": None, "holidays": []})
    assert status == 200 and body["business_hours"] is None and body["holidays"] == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"business_hours": {}}, "business_hours"),
        ({"business_hours": {"mon": []}}, "business_hours"),
        ({"business_hours": {"mon": ["18:00-09:00"]}}, "business_hours.mon"),
        ({"business_hours": {"mon": ["9-18"]}}, "business_hours.mon.0"),
        ({"business_hours": {"mon": ["09:00-13:00", "12:00-18:00"]}}, "business_hours.mon"),
        ({"business_hours": {"someday": ["09:00-18:00"]}}, "business_hours.someday"),
        ({"holidays": ["2026-02-30"]}, "holidays.0"),
        ({"holidays": None}, "holidays"),
        ({"tip_amounts": {"EUR": [0]}}, "tip_amounts.EUR.0"),
        ({"tip_amounts": {"EUR": ["5"]}}, "tip_amounts.EUR.0"),
        ({"tip_amounts": {"EUR": [1, 2, 3, 4, 5, 6]}}, "tip_amounts.EUR"),
        ({"tip_amounts": {"euro": [5]}}, "tip_amounts.euro.[key]"),
        ({"locale": "xx"}, "locale"),
        ({"display_name": ""}, "display_name"),
        ({"display_name": "Acme\r\nBcc: x@y.z"}, "display_name"),
    ],
)
def test_bad_settings_are_field_errors_and_change_nothing(company: Company, change: dict[str, Any], field: str) -> None:
    before = settings(company)
    status, problem = company.manager.call("PATCH", "/company/settings", change)
    assert status == 422, problem
    assert field in [error["field"] for error in problem["errors"]], problem
    assert settings(company) == before


def test_tip_amounts_are_kept_per_currency_and_an_empty_list_goes_back_to_the_defaults(company: Company) -> None:
    status, body = company.manager.call("PATCH", "/company/settings", {"tip_amounts": {"EUR": [10, 3], "RUB": [100]}})
    assert status == 200 and body["tip_amounts"] == {"EUR": [3, 10], "RUB": [100]}
    status, body = company.manager.call("PATCH", "/company/settings", {"tip_amounts": {"RUB": []}})
    assert status == 200 and body["tip_amounts"] == {"EUR": [3, 10]}
    status, body = company.manager.call("PATCH", "/company/settings", {"tip_amounts": {"EUR": []}})
    assert body["tip_amounts"] == {"EUR": [2, 5, 10]}


def test_the_company_name_and_language_are_what_customers_get_where_nobody_chose(company: Company) -> None:
    status, body = company.manager.call("PATCH", "/company/settings", {"display_name": "Acme Support", "locale": "ru"})
    assert status == 200 and body["locale"] == "ru"
    assert company.manager.call("GET", "/company")[1]["name"] == "Acme Support"
    unnamed = company.open_ticket(email="olga@example.com")["ticket_id"]
    named = company.open_ticket(subject="Something else", email="john@example.com", locale="en")["ticket_id"]
    assert Ticket.get(company.company_id, unnamed).locale == "ru"
    assert Ticket.get(company.company_id, named).locale == "en"


def test_agents_may_not_change_settings_and_do_not_see_them(company: Company) -> None:
    agent = company.add_agent("Ada")
    assert agent.call("PATCH", "/company/settings", {"business_hours": WORKWEEK})[0] == 403
    assert "settings" not in agent.call("GET", "/company")[1]
