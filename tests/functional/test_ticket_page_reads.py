"""What the agent's ticket page reads: names, who receives tickets and the karma thresholds come from the
company item the session read (its staff directory and settings), and so do the canned replies (its canned
part, chalicelib/canned); the customer's karma with the customer in one BatchGetItem, and a closed ticket (no
reply box) reads no canned replies."""

from __future__ import annotations

import re

from devstack.pump import StreamPump
from tests.functional.conftest import Company
from tests.functional.staff_helpers import desk_browser
from tests.functional.tips_helpers import close_ticket
from tests.support.dynamodb_requests import dynamodb_requests


def tables(requests: dict[str, int], operation: str) -> list[str]:
    return sorted(key.split(" ", 1)[1] for key in requests if key.startswith(f"{operation} "))


def test_the_ticket_page_takes_names_transfer_targets_and_karma_from_what_the_session_read(
    company: Company, ticket_stream: StreamPump
) -> None:
    status, _ = company.manager.call("POST", "/canned-replies", {"title": "Toner", "body": "Check the toner."})
    assert status == 201
    company.add_agent("Ada")
    company.add_agent("Tess", tier=2, departments=["billing"])
    company.add_agent("Otto", online=False)
    opened = company.open_ticket("Printer prints blank pages", email="karma.reads@example.com")
    assert company.agents["Ada"].call("POST", "/tickets/next")[1]["ticket_id"] == opened["ticket_id"]
    ticket_stream.drain()  # the timeline
    ada = desk_browser(company, company.agent_ids["Ada"])

    with dynamodb_requests() as requests:
        page = ada.get(f"/desk/tickets/{opened['ticket_id']}")
    assert page.status == 200
    assert "Assigned to Ada" in page.text
    assert re.search(r"Karma \(employees only\):\s+no ratings yet", page.text)
    targets = re.search(r'<optgroup label="Agents online">(.*?)</optgroup>', page.text, re.S)
    assert targets and re.findall(r">([A-Za-z]+)</option>", targets.group(1)) == [
        "Tess"
    ]  # not Ada (holds it), not Otto (offline)
    assert "Tier 2 · billing" in page.text  # the departments of the staff directory
    assert 'data-body="Check the toner."' in page.text
    timeline = re.search(r'<ol id="timeline">(.*?)</ol>', page.text, re.S)
    assert timeline and " · Ada</li>" in timeline.group(1)  # the actor, named from the directory
    # the session (with the company and its canned replies), the ticket, the customer (with their newest
    # tickets) with the ratings and karma; the thread with the timeline
    assert (requests["BatchGetItem"], requests["GetItem"], requests["Query"]) == (
        2,
        0,
        1,
    )  # the ticket with the session
    assert not [t for t in tables(requests, "Query") if "employees" in t or "canned" in t]
    assert not [t for t in tables(requests, "GetItem") if "companies" in t or "karma" in t]


def test_a_closed_ticket_page_reads_no_canned_replies_and_shows_the_other_tickets_from_the_customer(
    company: Company,
) -> None:
    earlier = close_ticket(company, email_address="closed.reads@example.com")
    later = close_ticket(company, email_address="closed.reads@example.com")
    ada = desk_browser(company, company.agent_ids["Ada"])

    with dynamodb_requests() as requests:
        page = ada.get(f"/desk/tickets/{later.after.ticket_id}")
    assert page.status == 200 and 'id="send-reply"' not in page.text
    assert f'/desk/tickets/{earlier.after.ticket_id}">Printer is broken</a> · Closed' in page.text
    assert not [t for t in tables(requests, "Query") if "canned" in t or t.endswith("-tickets")]
    assert (requests["BatchGetItem"], requests["GetItem"], requests["Query"]) == (2, 0, 1)
