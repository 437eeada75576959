"""Ticket workflows through the HTTP API: merging, queues, transfers, tags, reopening, statuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalice.test import Client

from chalicelib.activity import AgentDay, key_for
from chalicelib.db.models import Ticket
from tests.functional.conftest import Company
from tests.functional.events import scheduled_event


def test_a_near_identical_subject_from_the_same_customer_is_added_to_the_open_ticket(company: Company) -> None:
    first = company.open_ticket("Printer is broken")
    again = company.open_ticket("Re: printer is broken!")
    other = company.open_ticket("Invoice is wrong")
    assert again["merged"] is True and again["ticket_id"] == first["ticket_id"]
    assert other["merged"] is False and other["ticket_id"] != first["ticket_id"]
    # whoever knows the address and the subject does not get the open ticket's link (its customer gets it by mail)
    assert again["link_token"] is None and again["customer_link"] is None
    assert first["link_token"] and other["link_token"]
    messages = company.manager.call("GET", f"/tickets/{first['ticket_id']}/messages")[1]["messages"]
    assert [m["author_type"] for m in messages] == ["customer", "customer"]
    someone_else = company.open_ticket("Printer is broken", email="bob@example.com")
    assert someone_else["merged"] is False


def test_agents_take_tickets_in_fifo_order_from_the_queues_they_serve(company: Company) -> None:
    general = company.add_agent("Ada")
    billing = company.add_agent("Bea", departments=["billing"])
    a = company.open_ticket("First", email="a@example.com")
    b = company.open_ticket("Second", email="b@example.com", department="billing")
    c = company.open_ticket("Third", email="c@example.com")
    assert billing.call("POST", "/tickets/next")[1]["ticket_id"] == a["ticket_id"]
    assert general.call("POST", "/tickets/next")[1]["ticket_id"] == c["ticket_id"]
    assert general.call("POST", "/tickets/next")[0] == 204  # billing's ticket is not Ada's to take
    assert billing.call("POST", "/tickets/next")[1]["ticket_id"] == b["ticket_id"]


def test_agents_on_break_or_do_not_disturb_receive_no_tickets(company: Company) -> None:
    agent = company.add_agent("Ada")
    company.open_ticket()
    for status in ("break", "dnd", "offline"):
        assert agent.call("PUT", "/me/status", {"status": status})[0] == 200
        status_code, problem = agent.call("POST", "/tickets/next")
        assert status_code == 409 and problem["type"] == "/problems/not-receiving"
    agent.call("PUT", "/me/status", {"status": "online"})
    assert agent.call("POST", "/tickets/next")[0] == 200


def test_a_transfer_to_the_other_tier_requeues_and_a_transfer_to_an_agent_assigns(company: Company) -> None:
    ada = company.add_agent("Ada")
    tier2 = company.add_agent("Tom", tier=2)
    ticket = company.open_ticket()
    ada.call("POST", "/tickets/next")
    status, moved = ada.call("POST", f"/tickets/{ticket['ticket_id']}/transfer", {"tier": 2})
    assert status == 200 and moved["status"] == "queued" and moved["tier"] == 2 and moved["assignee_id"] is None
    assert tier2.call("POST", "/tickets/next")[1]["ticket_id"] == ticket["ticket_id"]
    status, back = tier2.call(
        "POST", f"/tickets/{ticket['ticket_id']}/transfer", {"to_agent_id": company.agent_ids["Ada"]}
    )
    assert status == 200 and back["assignee_id"] == company.agent_ids["Ada"]
    status, _problem = tier2.call("POST", f"/tickets/{ticket['ticket_id']}/resolve")
    assert status == 403  # no longer Tom's ticket


def test_transferring_or_tagging_the_same_ticket_back_and_forth_counts_once_a_day(company: Company) -> None:
    ada = company.add_agent("Ada")
    company.add_agent("Bea")
    ticket = company.open_ticket()
    ada.call("POST", "/tickets/next")
    tid = ticket["ticket_id"]
    for _ in range(3):
        assert ada.call("POST", f"/tickets/{tid}/transfer", {"to_agent_id": company.agent_ids["Bea"]})[0] == 200
        assert (
            company.manager.call("POST", f"/tickets/{tid}/transfer", {"to_agent_id": company.agent_ids["Ada"]})[0]
            == 200
        )
        assert ada.call("POST", f"/tickets/{tid}/tags", {"tags": ["printer", "urgent"]})[0] == 200
    day = key_for(company.company_id, "Europe/Vilnius", datetime.now(UTC))
    item = AgentDay.get(day, company.agent_ids["Ada"])
    assert item.transfers == 3 and item.transferred_tickets == {tid}
    assert item.tags_added == 2 and item.tagged_tickets == {tid}


def test_a_customer_reply_reopens_a_resolved_ticket_and_a_closed_one_stays_closed(company: Company) -> None:
    ada = company.add_agent("Ada")
    ticket = company.open_ticket()
    link = ticket["link_token"]
    ada.call("POST", "/tickets/next")
    ada.call("POST", f"/tickets/{ticket['ticket_id']}/resolve")
    status, view = company.api.call("POST", f"/customer/tickets/{link}/messages", {"body": "Still broken"}, token="")
    assert status == 201 and view["status"] == "open"
    assert ada.call("GET", f"/tickets/{ticket['ticket_id']}")[1]["status"] == "assigned"
    status, problem = company.api.call("POST", f"/customer/tickets/{link}/confirm", token="")
    assert status == 409 and problem["type"] == "/problems/bad-state"
    ada.call("POST", f"/tickets/{ticket['ticket_id']}/resolve")
    assert company.api.call("POST", f"/customer/tickets/{link}/confirm", token="")[1]["status"] == "closed"
    assert company.api.call("POST", f"/customer/tickets/{link}/confirm", token="")[0] == 200  # twice: no change
    status, problem = company.api.call("POST", f"/customer/tickets/{link}/messages", {"body": "Hi"}, token="")
    assert status == 409 and problem["type"] == "/problems/ticket-closed"


def test_customers_never_see_internal_notes(company: Company) -> None:
    ada = company.add_agent("Ada")
    ticket = company.open_ticket()
    ada.call("POST", "/tickets/next")
    ada.call("POST", f"/tickets/{ticket['ticket_id']}/messages", {"body": "VIP, be nice", "visibility": "internal"})
    ada.call("POST", f"/tickets/{ticket['ticket_id']}/messages", {"body": "We are on it"})
    view = company.api.call("GET", f"/customer/tickets/{ticket['link_token']}", token="")[1]
    bodies = [m["body"] for m in view["messages"]]
    assert bodies == ["It prints blank pages.", "We are on it"]
    assert "VIP" not in str(view) and company.agent_ids["Ada"] not in str(view)


def test_the_sla_job_flags_overdue_then_breached_tickets_and_a_second_run_changes_nothing(
    company: Company, client: Client
) -> None:
    ticket = company.open_ticket()
    tid = ticket["ticket_id"]
    now = datetime.now(UTC)
    first = client.lambda_.invoke("flag_sla_breaches", scheduled_event(now + timedelta(hours=3))).payload
    assert first["flagged"] >= 1
    view = company.manager.call("GET", f"/tickets/{tid}")[1]
    assert view["sla"]["flag"] == "target_missed"
    client.lambda_.invoke("flag_sla_breaches", scheduled_event(now + timedelta(hours=25)))
    assert company.manager.call("GET", f"/tickets/{tid}")[1]["sla"]["flag"] == "breached"
    revision = Ticket.get(company.company_id, tid).revision
    client.lambda_.invoke("flag_sla_breaches", scheduled_event(now + timedelta(hours=25)))
    assert Ticket.get(company.company_id, tid).revision == revision  # breached tickets left the watch index


def test_a_replied_ticket_is_never_flagged(company: Company, client: Client) -> None:
    ada = company.add_agent("Ada")
    ticket = company.open_ticket()
    ada.call("POST", "/tickets/next")
    ada.call("POST", f"/tickets/{ticket['ticket_id']}/messages", {"body": "On it"})
    client.lambda_.invoke("flag_sla_breaches", scheduled_event(datetime.now(UTC) + timedelta(days=2)))
    view = company.manager.call("GET", f"/tickets/{ticket['ticket_id']}")[1]
    assert view["sla"]["flag"] is None and view["sla"]["state"] == "met"


def test_resolved_tickets_close_automatically_after_the_company_setting(company: Company, client: Client) -> None:
    assert company.manager.call("PATCH", "/company/settings", {"auto_close_days": 2})[0] == 200
    ada = company.add_agent("Ada")
    ticket = company.open_ticket()
    ada.call("POST", "/tickets/next")
    ada.call("POST", f"/tickets/{ticket['ticket_id']}/resolve")
    now = datetime.now(UTC)
    client.lambda_.invoke("auto_close_resolved", scheduled_event(now + timedelta(days=1)))
    assert ada.call("GET", f"/tickets/{ticket['ticket_id']}")[1]["status"] == "resolved"
    for _ in range(2):  # EventBridge may fire twice
        client.lambda_.invoke("auto_close_resolved", scheduled_event(now + timedelta(days=2, minutes=1)))
    view = ada.call("GET", f"/tickets/{ticket['ticket_id']}")[1]
    assert view["status"] == "closed" and view["close_reason"] == "auto"


def test_status_changes_book_online_and_break_time_on_the_agent_day(company: Company) -> None:
    ada = company.add_agent("Ada", online=False)
    for status in ("online", "break", "online", "offline"):
        assert ada.call("PUT", "/me/status", {"status": status})[0] == 200
    day = key_for(company.company_id, "Europe/Vilnius", datetime.now(UTC))
    item = AgentDay.get(day, company.agent_ids["Ada"])
    assert item.breaks == 1
    assert item.online_seconds is not None and item.break_seconds is not None


def test_replies_record_first_response_reply_length_and_the_longest_reply(company: Company) -> None:
    ada = company.add_agent("Ada")
    ticket = company.open_ticket(channel="chat")
    ada.call("POST", "/tickets/next")
    for body in ("Hi!", "A much longer explanation of the fix.", "Ok"):
        ada.call("POST", f"/tickets/{ticket['ticket_id']}/messages", {"body": body})
    ada.call("POST", f"/tickets/{ticket['ticket_id']}/calls", {"duration_seconds": 300})
    ada.call("POST", f"/tickets/{ticket['ticket_id']}/resolve")
    day = key_for(company.company_id, "Europe/Vilnius", datetime.now(UTC))
    item = AgentDay.get(day, company.agent_ids["Ada"])
    assert item.replies == 3 and item.longest_reply == len("A much longer explanation of the fix.")
    assert item.first_responses == 1 and item.chat_first_responses == 1
    assert item.resolutions == 1 and item.handled == 1 and item.chat_max_messages == 4
    assert item.calls == 1 and item.longest_call == 300 and item.taken == 1


def test_a_revoked_token_stops_working_at_once(company: Company) -> None:
    ada = company.add_agent("Ada")
    tokens = company.manager.call("GET", f"/employees/{company.agent_ids['Ada']}/tokens")[1]["tokens"]
    assert (
        company.manager.call("DELETE", f"/employees/{company.agent_ids['Ada']}/tokens/{tokens[0]['token_id']}")[0]
        == 204
    )
    assert ada.call("GET", "/me")[0] == 401
    status, issued = company.manager.call("POST", f"/employees/{company.agent_ids['Ada']}/tokens")
    assert status == 201 and ada.as_(issued["token"]).call("GET", "/me")[0] == 200
