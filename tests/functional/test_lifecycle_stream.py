"""The tickets stream handler, invoked as Lambda invokes it, with records built from real tickets."""

from __future__ import annotations

import copy

from chalice.test import Client

from chalicelib.db.models import Ticket
from tests.functional.conftest import Company
from tests.functional.events import stream_event, stream_record


def closed_ticket_records(company: Company) -> tuple[Ticket, Ticket]:
    """The ticket just before and just after the customer's confirmation."""
    ada = company.add_agent("Ada")
    opened = company.open_ticket()
    ada.call("POST", "/tickets/next")
    ada.call("POST", f"/tickets/{opened['ticket_id']}/resolve")
    before = Ticket.get(company.company_id, opened["ticket_id"])
    company.api.call("POST", f"/customer/tickets/{opened['link_token']}/confirm", token="")
    after = Ticket.get(company.company_id, opened["ticket_id"])
    return before, after


def test_a_confirmed_close_is_recorded_once_even_when_the_record_is_delivered_three_times(
    company: Company, client: Client
) -> None:
    before, after = closed_ticket_records(company)
    event = stream_event(stream_record("9001", after, before))
    for _ in range(3):
        result = client.lambda_.invoke("on_ticket_change", event).payload
        assert result == {"batchItemFailures": []}
    timeline = company.manager.call("GET", f"/tickets/{after.ticket_id}/timeline")[1]["events"]
    assert [e["transition"] for e in timeline] == ["closed"]
    assert timeline[0]["from"] == "resolved" and timeline[0]["to"] == "closed"


def test_one_bad_record_is_reported_and_the_rest_of_the_batch_is_processed(company: Company, client: Client) -> None:
    before, after = closed_ticket_records(company)
    broken = stream_record("9002", after, before)
    broken["dynamodb"]["NewImage"] = {"company_id": {"S": company.company_id}}  # not a ticket image
    good = stream_record("9003", after, before)
    result = client.lambda_.invoke("on_ticket_change", stream_event(broken, good)).payload
    assert result == {"batchItemFailures": [{"itemIdentifier": "9002"}]}
    timeline = company.manager.call("GET", f"/tickets/{after.ticket_id}/timeline")[1]["events"]
    assert [e["transition"] for e in timeline] == ["closed"]


def test_inserts_and_other_changes_become_the_right_transitions(company: Company, client: Client) -> None:
    before, after = closed_ticket_records(company)
    created = copy.copy(before)
    result = client.lambda_.invoke(
        "on_ticket_change", stream_event(stream_record("9004", created), stream_record("9005", None, after, "REMOVE"))
    ).payload
    assert result == {"batchItemFailures": []}
    timeline = company.manager.call("GET", f"/tickets/{after.ticket_id}/timeline")[1]["events"]
    assert [e["transition"] for e in timeline] == ["created"]
