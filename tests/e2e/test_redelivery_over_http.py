"""Redelivery rehearsed through the running local stack: the control API replays the tickets table's
stream (from the start, then from one record) to both of its handlers, in Lambda's event shape. The
handlers see every record again and nothing happens twice: one rating e-mail, one timeline."""

from __future__ import annotations

import email
import email.policy
import secrets
from typing import Any

import pytest
import requests

from tests.e2e.test_lifecycle_over_http import call, timeline

pytestmark = pytest.mark.e2e


def mails_to(stack: Any, address: str) -> int:
    found = 0
    for sent in stack.sent_emails():
        if "raw_data" in sent and address in sent["destinations"]:
            assert email.message_from_string(sent["raw_data"], policy=email.policy.default)["To"]
            found += 1
    return found


def closed_on_confirmation(stack: Any, address: str) -> tuple[str, str]:
    """A company, an agent, a ticket resolved and confirmed: (agent token, ticket id)."""
    signup = call(
        stack,
        "POST",
        "/companies",
        body={
            "name": "Replay Co",
            "manager_name": "Mia",
            "manager_email": "mia@replay.test",
            "timezone": "Europe/Vilnius",
            "currency": "EUR",
        },
    ).json()
    manager, intake = signup["token"], signup["company"]["intake_key"]
    agent = call(stack, "POST", "/employees", manager, {"name": "Ada", "email": "ada@replay.test"}).json()["token"]
    assert call(stack, "PUT", "/me/status", agent, {"status": "online"}).status_code == 200
    body = {"subject": "Printer", "body": "Blank pages", "customer_name": "Ann", "customer_email": address}
    opened = call(stack, "POST", f"/intake/{intake}/tickets", body={**body, "channel": "web"}).json()
    ticket_id = call(stack, "POST", "/tickets/next", agent).json()["ticket_id"]
    assert call(stack, "POST", f"/tickets/{ticket_id}/resolve", agent).status_code == 200
    assert call(stack, "POST", f"/customer/tickets/{opened['link_token']}/confirm").json()["status"] == "closed"
    return agent, ticket_id


def test_replaying_the_tickets_stream_redelivers_every_record_and_changes_nothing_twice(local_stack: Any) -> None:
    address = f"replay-{secrets.token_hex(5)}@example.com"
    agent, ticket_id = closed_on_confirmation(local_stack, address)
    names = timeline(local_stack, agent, ticket_id, until="closed")
    assert names == ["created", "taken", "resolved", "closed"]
    assert mails_to(local_stack, address) == 3  # received, resolved (is it solved?), rating + tip
    before = local_stack.pump()

    everything = local_stack.replay("tickets")
    assert everything.status_code == 200, everything.text
    replayed = everything.json()
    assert replayed["from"] == "TRIM_HORIZON"
    assert sorted(replayed["replayed_to"]) == ["on_ticket_change", "send_tip_email"]
    # every tickets record of the session, once to each handler
    assert replayed["handled"] >= 2 * 4 and replayed["delivered"] >= before["delivered"] + replayed["handled"]
    assert replayed["dead_letters"] == before["dead_letters"]
    assert mails_to(local_stack, address) == 3  # received, resolved (is it solved?), rating + tip
    assert timeline(local_stack, agent, ticket_id, until="closed") == names

    # from one record on: the last one each handler checkpointed (the confirmation's close)
    last = {key.split("/")[0]: sequence for key, sequence in replayed["checkpoints"].items()}
    assert last["on_ticket_change"] == last["send_tip_email"] is not None
    one = local_stack.replay("tickets", last["send_tip_email"])
    assert one.status_code == 200, one.text
    assert one.json()["handled"] == 2 and one.json()["from"] == last["send_tip_email"]
    assert mails_to(local_stack, address) == 3  # received, resolved (is it solved?), rating + tip
    assert timeline(local_stack, agent, ticket_id, until="closed") == names


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"table": "nope"}, 404, "tables with stream handlers: customer_ratings, tickets"),
        ({"table": "companies"}, 400, "no handler reads the stream of companies"),
        ({"table": "tickets", "sequence_number": "12ab"}, 400, "a string of digits"),
        ({"table": "tickets", "sequence_number": 5}, 400, "a string of digits"),
        ({"table": "tickets", "sequence_number": "1"}, 400, "before the stream's first"),
        ({"table": "tickets", "from": "start"}, 400, "unknown fields ['from']"),
        (["tickets"], 400, "send a JSON object"),
    ],
)
def test_a_replay_asked_wrongly_says_why_and_delivers_nothing(
    local_stack: Any, body: Any, status: int, says: str
) -> None:
    before = local_stack.pump()["delivered"]
    answer = requests.post(f"{local_stack.control_url}/pump/replay", json=body, timeout=30)
    assert answer.status_code == status and says in answer.json()["error"], answer.text
    assert local_stack.pump()["delivered"] == before


def test_a_replay_body_that_is_not_json_is_refused(local_stack: Any) -> None:
    answer = requests.post(f"{local_stack.control_url}/pump/replay", data="table=tickets", timeout=30)
    assert answer.status_code == 400 and answer.json() == {"error": "the body is not JSON"}
