"""The day's extremes (longest reply, longest call, ...) through the reply route: the stored value is the
day's highest whatever the order, and it is written in the reply's own transaction (the agent's day is
read with the ticket), so no reply costs an extra request."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib import activity
from tests.functional.conftest import Company
from tests.support.dynamodb_requests import dynamodb_requests

AGENT_DAY_UPDATES = f"UpdateItem {activity.AgentDay.Meta.table_name}"


def agent_day_updates() -> Any:
    """DynamoDB requests made while the block runs (UpdateItem on the agent-day table among them)."""
    return dynamodb_requests()


def longest_reply(company: Company, employee_id: str) -> float:
    today = datetime.now(UTC).astimezone(ZoneInfo("Europe/Vilnius")).date().isoformat()
    status, body = company.manager.call("GET", f"/activity/{today}")
    assert status == 200, body
    return next(a["longest_reply"] for a in body["agents"] if a["employee_id"] == employee_id)


def test_the_longest_reply_of_the_day_is_kept_and_no_reply_costs_an_extra_write(company: Company) -> None:
    ada = company.add_agent("Ada")
    ticket_id = company.open_ticket()["ticket_id"]
    assert ada.call("POST", "/tickets/next")[0] == 200
    employee_id = company.agent_ids["Ada"]

    def reply(length: int) -> None:
        status, body = ada.call("POST", f"/tickets/{ticket_id}/messages", {"body": "x" * length})
        assert status == 201, body

    for length, longest in ((500, 500), (120, 500), (900, 900)):
        with agent_day_updates() as made:
            reply(length)
        # the credential with its employee and company; the ticket with the agent's day; the transaction
        assert (made["BatchGetItem"], made["TransactWriteItems"], made["GetItem"], made["UpdateItem"]) == (2, 1, 0, 0)
        assert longest_reply(company, employee_id) == longest


def test_a_container_that_forgot_what_it_knew_never_lowers_an_extreme(company: Company) -> None:
    """What a container remembers of extremes plays no part: the day is read with the ticket."""
    ada = company.add_agent("Ada")
    ticket_id = company.open_ticket()["ticket_id"]
    ada.call("POST", "/tickets/next")
    ada.call("POST", f"/tickets/{ticket_id}/messages", {"body": "y" * 700})
    activity._KNOWN_AT_LEAST.clear()  # a new container: the write is tried and refused by its condition
    with agent_day_updates() as updates:
        assert ada.call("POST", f"/tickets/{ticket_id}/messages", {"body": "short"})[0] == 201
    assert updates[AGENT_DAY_UPDATES] == 0
    assert longest_reply(company, company.agent_ids["Ada"]) == 700
