"""Helpers for the badge tests: seed recorded activity on any day, run the job for a finished day."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib import activity
from chalicelib.badges import job
from chalicelib.clock import utcnow
from tests.functional.conftest import Company

TIMEZONE = "Europe/Vilnius"  # sign_up's


def today() -> date:
    return utcnow().astimezone(ZoneInfo(TIMEZONE)).date()


@pytest.fixture(name="tomorrow")
def tomorrow_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[date]:
    """The job's clock one day ahead, so today's activity (recorded through the API) is a finished day."""
    real = job.utcnow
    monkeypatch.setattr(job, "utcnow", lambda: real() + timedelta(days=1))
    yield today()


def seed(
    company: Company,
    agent: str,
    day: date,
    counters: Mapping[str, float] | None = None,
    tickets: Mapping[str, list[str]] | None = None,
    extremes: Mapping[str, float] | None = None,
) -> None:
    """Record activity for an agent on a day with the same functions the product records it with."""
    key = activity.day_key(company.company_id, day)
    employee_id = company.agent_ids[agent]
    activity.record(key, employee_id, counters=counters or {}, extremes=extremes or {})
    for name, ids in (tickets or {}).items():
        for ticket_id in ids:
            activity.record(key, employee_id, distinct={name: ticket_id})


def run(company: Company, day: date) -> dict[str, Any]:
    status, body = company.manager.call("POST", "/badges/runs", {"date": day.isoformat()})
    assert status == 200, body
    return body


def winners(summary: Mapping[str, Any], company: Company) -> dict[str, tuple[str, float]]:
    names = {v: k for k, v in company.agent_ids.items()}
    return {key: (names.get(a["employee_id"], a["employee_id"]), a["figure"]) for key, a in summary["awards"].items()}


def at_local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(TIMEZONE))
