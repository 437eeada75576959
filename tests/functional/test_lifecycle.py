from __future__ import annotations

from tests.functional.conftest import Company


def test_a_ticket_goes_from_intake_to_closed_through_the_api(company: Company) -> None:
    agent = company.add_agent("Ada")
    opened = company.open_ticket()
    assert opened["merged"] is False
    link = opened["link_token"]

    status, taken = agent.call("POST", "/tickets/next")
    assert status == 200, taken
    assert taken["ticket_id"] == opened["ticket_id"]
    assert taken["status"] == "assigned"

    status, replied = agent.call("POST", f"/tickets/{taken['ticket_id']}/messages", {"body": "Try turning it off."})
    assert status == 201, replied
    assert replied["ticket"]["sla"]["state"] == "met"

    status, resolved = agent.call("POST", f"/tickets/{taken['ticket_id']}/resolve")
    assert status == 200, resolved
    assert resolved["status"] == "resolved"

    status, seen = company.api.call("POST", f"/customer/tickets/{link}/confirm", token="")
    assert status == 200, seen
    assert seen["status"] == "closed"

    status, final = agent.call("GET", f"/tickets/{taken['ticket_id']}")
    assert final["status"] == "closed" and final["close_reason"] == "confirmed"
