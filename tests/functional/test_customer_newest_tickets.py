"""The customer's newest tickets, as the agent's ticket page lists them, are kept on the customer item
(chalicelib/customers `recent`): written in the transactions that open a ticket or change its status (take,
transfer, resolve, the customer's reply, confirmation, the auto-close job), so the page reads no index; a
customer from before the list is read from the index until a ticket of theirs can start it."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from chalice.test import Client

from chalicelib import companies, customers
from chalicelib.db.models import Customer, Ticket
from chalicelib.tickets import service
from chalicelib.tickets.schemas import IntakeTicket
from tests.functional.conftest import Company
from tests.functional.events import scheduled_event
from tests.functional.staff_helpers import desk_browser
from tests.support.dynamodb_requests import dynamodb_requests


def customer_of(company: Company, email: str) -> Customer:
    return Customer.get(company.company_id, customers.customer_id_for(company.company_id, email), consistent_read=True)


def kept(company: Company, email: str) -> dict[str, str] | None:
    """ticket id -> status as the customer item keeps them (None: no list)."""
    found = customers.recent(customer_of(company, email))
    return None if found is None else {t.ticket_id: t.status for t in found}


def raw_entries(company: Company, email: str) -> dict[str, Any]:
    raw = customer_of(company, email).recent_tickets
    return dict(raw.as_dict() if hasattr(raw, "as_dict") else raw or {})


def truth(company: Company, *ticket_ids: str) -> dict[str, str]:
    return {t: Ticket.get(company.company_id, t, consistent_read=True).status for t in ticket_ids}


def listed_on_page(html: str) -> list[tuple[str, str]]:
    """(ticket id, status label) of the page's "Other tickets"."""
    block = re.search(r"Other tickets:</p>\s*<ul>(.*?)</ul>", html, re.S)
    return re.findall(r'/desk/tickets/(tkt_[0-9a-f]+)">[^<]*</a> · ([A-Za-z]+)', block.group(1)) if block else []


def by_customer_queries(requests: Any) -> list[str]:
    return [key for key in requests if key.startswith("Query ") and key.endswith("-tickets")]  # the by_customer index


def test_every_status_change_writes_the_customers_entry_with_the_ticket(company: Company, client: Client) -> None:
    email = "newest@example.com"
    ada = company.add_agent("Ada")
    first = company.open_ticket("Printer is broken", email)
    second = company.open_ticket("Invoice is wrong", email)
    ids = (first["ticket_id"], second["ticket_id"])
    assert kept(company, email) == truth(company, *ids) == {ids[0]: "queued", ids[1]: "queued"}

    assert ada.call("POST", "/tickets/next")[1]["ticket_id"] == ids[0]  # take-next (routing.claim)
    assert kept(company, email) == truth(company, *ids)
    assert ada.call("POST", f"/tickets/{ids[0]}/transfer", {"tier": 2})[0] == 200  # back to a queue
    assert kept(company, email) == truth(company, *ids) and kept(company, email)[ids[0]] == "queued"  # type: ignore[index]
    assert ada.call("POST", "/tickets/next")[1]["ticket_id"] == ids[1]
    assert ada.call("POST", f"/tickets/{ids[1]}/resolve")[0] == 200
    assert kept(company, email) == truth(company, *ids) and kept(company, email)[ids[1]] == "resolved"  # type: ignore[index]
    # the customer writes again: the resolved ticket reopens
    status, _ = company.api.call(
        "POST", f"/customer/tickets/{second['link_token']}/messages", {"body": "Still wrong"}, token=""
    )
    assert (
        status == 201 and kept(company, email) == truth(company, *ids) and truth(company, ids[1])[ids[1]] == "assigned"
    )
    assert ada.call("POST", f"/tickets/{ids[1]}/resolve")[0] == 200
    assert company.api.call("POST", f"/customer/tickets/{second['link_token']}/confirm", token="")[0] == 200
    assert kept(company, email) == truth(company, *ids) and kept(company, email)[ids[1]] == "closed"  # type: ignore[index]

    # the auto-close job closes the other one, its entry with it
    tess = company.add_agent("Tess", tier=2)
    assert tess.call("POST", "/tickets/next")[1]["ticket_id"] == ids[0]
    assert tess.call("POST", f"/tickets/{ids[0]}/resolve")[0] == 200
    due = Ticket.get(company.company_id, ids[0], consistent_read=True).auto_close_at
    assert due is not None
    with dynamodb_requests() as requests:
        result = client.lambda_.invoke("auto_close_resolved", scheduled_event(due + timedelta(minutes=1))).payload
    # (the job closes every company's due tickets: other tests' too)
    assert result["closed"] >= 1 and requests["TransactWriteItems"] >= 1
    assert kept(company, email) == truth(company, *ids) == {ids[0]: "closed", ids[1]: "closed"}


def test_the_page_lists_the_newest_from_the_customer_item_and_no_index(company: Company) -> None:
    email = "six@example.com"
    company.add_agent("Ada")
    subjects = ["Printer jams", "Invoice twice", "Password reset", "Screen flickers"]
    subjects += ["Refund please", "Delivery late", "Wrong colour", "Manual missing"]
    opened = [company.open_ticket(subject, email)["ticket_id"] for subject in subjects]
    assert len(set(opened)) == 8  # different subjects: none merged
    assert set(raw_entries(company, email)) == set(opened[-6:])  # opening drops all but the newest 6
    ada = desk_browser(company, company.agent_ids["Ada"])

    with dynamodb_requests() as requests:
        page = ada.get(f"/desk/tickets/{opened[-1]}")
    assert [t for t, _ in listed_on_page(page.text)] == opened[-2:-7:-1]  # the 5 newest besides it
    assert not by_customer_queries(requests)
    assert (requests["BatchGetItem"], requests["GetItem"], requests["Query"]) == (2, 0, 1)  # thread with timeline

    # the oldest, dropped from the list, comes back with its next change; the page still lists the newest
    company.agents["Ada"].call("POST", "/tickets/next")
    assert opened[0] in raw_entries(company, email) and len(raw_entries(company, email)) == 7
    page = ada.get(f"/desk/tickets/{opened[0]}")
    assert listed_on_page(page.text) == [(t, "Waiting") for t in opened[-1:-6:-1]]
    # and the next ticket opened drops it again
    newest = company.open_ticket("Yet another question entirely", email)["ticket_id"]
    assert set(raw_entries(company, email)) == {newest, *opened[-5:]}


def forget_the_list(company: Company, email: str, *ticket_ids: str) -> None:
    """The customer and their tickets as today's code wrote them before the list existed."""
    Customer(company.company_id, customers.customer_id_for(company.company_id, email)).update(
        actions=[Customer.recent_tickets.remove()]
    )
    for ticket_id in ticket_ids:
        Ticket(company.company_id, ticket_id).update(actions=[Ticket.listed.remove()])


def test_a_customer_from_before_is_read_from_the_index_until_a_ticket_can_start_the_list(company: Company) -> None:
    email = "before@example.com"
    ada_api = company.add_agent("Ada")
    first = company.open_ticket("Printer is broken", email)["ticket_id"]
    forget_the_list(company, email, first)
    assert kept(company, email) is None

    # an open ticket of theirs may still change unseen: a new one is not listed, nor is a list started
    with dynamodb_requests() as requests:
        second = company.open_ticket("Invoice is wrong", email)["ticket_id"]
    assert kept(company, email) is None and not Ticket.get(company.company_id, second).listed
    assert requests["TransactWriteItems"] == 1 and requests["UpdateItem"] == 0
    ada = desk_browser(company, company.agent_ids["Ada"])
    with dynamodb_requests() as requests:
        page = ada.get(f"/desk/tickets/{second}")
    assert listed_on_page(page.text) == [(first, "Waiting")] and by_customer_queries(requests)

    # once every older ticket is closed, the next one starts the list from the index's answer
    for ticket_id in (first, second):
        assert ada_api.call("POST", "/tickets/next")[1]["ticket_id"] == ticket_id
        assert ada_api.call("POST", f"/tickets/{ticket_id}/resolve")[0] == 200
    for ticket_id in (first, second):  # closed (as the customer's confirmation would)
        Ticket(company.company_id, ticket_id).update(actions=[Ticket.status.set("closed")])
    third = company.open_ticket("Screen flickers", email)["ticket_id"]
    assert kept(company, email) == {first: "closed", second: "closed", third: "queued"}
    assert Ticket.get(company.company_id, third).listed
    with dynamodb_requests() as requests:
        page = ada.get(f"/desk/tickets/{third}")
    assert listed_on_page(page.text) == [(second, "Closed"), (first, "Closed")]
    assert not by_customer_queries(requests)


def test_a_ticket_opened_while_another_intake_started_the_list_is_opened_again_into_it(company: Company) -> None:
    email = "race.list@example.com"
    first = company.open_ticket("Printer is broken", email)["ticket_id"]
    forget_the_list(company, email, first)
    stale = customer_of(company, email)  # read before the list was started
    Ticket(company.company_id, first).update(actions=[Ticket.status.set("closed")])
    started = company.open_ticket("Invoice is wrong", email)["ticket_id"]  # starts the list
    assert kept(company, email) == {first: "closed", started: "queued"}
    Ticket(company.company_id, first).update(actions=[Ticket.status.set("queued")])  # as the stale read saw it

    request = IntakeTicket.model_validate(
        {"subject": "Screen flickers", "body": "Since Monday.", "customer_name": "Ann", "customer_email": email}
    )
    with dynamodb_requests() as requests:
        result = service.open_ticket_for(companies.get(company.company_id), request, read=(stale, None))
    assert requests["TransactWriteItems"] == 2  # refused (a list was started meanwhile), then into the list
    assert result.ticket.listed and result.ticket.ticket_id in (kept(company, email) or {})
