"""The canned replies the ticket page offers are kept on the company item (its `canned` part, read with the
session): written in the same transaction as each reply, bodies kept up to a budget (a body not kept is read
by key when chosen, in the page's BatchGetItem), a company from before the part read by the Query until its
next canned write builds the part, and a writer that lost a race with another retries on the company as it
is now."""

from __future__ import annotations

import re
from typing import Any

from chalicelib import auth, canned, companies, employees
from chalicelib.db.models import Company as CompanyItem
from tests.functional.conftest import Company
from tests.functional.staff_helpers import desk_browser
from tests.support.dynamodb_requests import dynamodb_calls, dynamodb_requests


def add(company: Company, title: str, body: str) -> str:
    status, made = company.manager.call("POST", "/canned-replies", {"title": title, "body": body})
    assert status == 201, made
    return str(made["canned_id"])


def kept_part(company_id: str) -> tuple[dict[str, Any] | None, int | None]:
    item = companies.get(company_id)
    part = item.canned.as_dict() if item.canned is not None and hasattr(item.canned, "as_dict") else item.canned
    bytes_kept = None if item.canned_kept_bytes is None else int(item.canned_kept_bytes)
    return (None if part is None else {k: dict(v) for k, v in part.items()}), bytes_kept


def offered(html: str) -> list[tuple[str, str, str | None]]:
    """(id, title, data-body or None) of the reply box's canned replies."""
    found = re.findall(r'<option value="(can_[0-9a-f]+)"( data-body="([^"]*)")?>([^<]*)</option>', html)
    return [(canned_id, title, body if has_body else None) for canned_id, has_body, body, title in found]


def open_assigned_ticket(company: Company, email: str) -> str:
    company.add_agent("Ada")
    opened = company.open_ticket("Printer prints blank pages", email=email)
    assert company.agents["Ada"].call("POST", "/tickets/next")[1]["ticket_id"] == opened["ticket_id"]
    return str(opened["ticket_id"])


def test_each_canned_write_keeps_the_part_in_step_in_one_transaction(company: Company) -> None:
    assert kept_part(company.company_id) == ({}, 0)  # a new company keeps them from the start
    with dynamodb_requests() as requests:
        toner = add(company, "Toner", "Check the toner.")
    assert requests["TransactWriteItems"] == 1 and requests["PutItem"] == requests["Query"] == 0
    hello = add(company, "Hello", "Hi there")
    assert kept_part(company.company_id) == (
        {toner: {"title": "Toner", "body": "Check the toner."}, hello: {"title": "Hello", "body": "Hi there"}},
        len("Check the toner.") + len("Hi there"),
    )
    with dynamodb_requests() as requests:
        status, _ = company.manager.call("PATCH", f"/canned-replies/{toner}", {"body": "Shake the toner — gently."})
    assert status == 200 and requests["TransactWriteItems"] == 1 and requests["UpdateItem"] == 0
    assert company.manager.call("DELETE", f"/canned-replies/{hello}")[0] == 204
    assert kept_part(company.company_id) == (
        {toner: {"title": "Toner", "body": "Shake the toner — gently."}},
        len("Shake the toner — gently.".encode()),
    )
    # what the JSON API lists (the replies' own items) says the same
    listed = company.manager.call("GET", "/canned-replies")[1]["canned_replies"]
    assert [(c["canned_id"], c["title"], c["body"]) for c in listed] == [(toner, "Toner", "Shake the toner — gently.")]


def test_bodies_past_the_budget_keep_their_title_and_are_read_by_key_when_chosen(company: Company) -> None:
    first = add(company, "A first", "a" * 4000)
    second = add(company, "B second", "b" * 4000)
    third = add(company, "C third", "c" * 1000)  # 9,000 bytes would pass the 8 KB kept
    part, kept_bytes = kept_part(company.company_id)
    assert part is not None and part[third] == {"title": "C third"} and kept_bytes == 8000
    ticket_id = open_assigned_ticket(company, "budget@example.com")
    ada = desk_browser(company, company.agent_ids["Ada"])

    page = ada.get(f"/desk/tickets/{ticket_id}")
    assert offered(page.text) == [
        (first, "A first", "a" * 4000),
        (second, "B second", "b" * 4000),
        (third, "C third", None),
    ]
    with dynamodb_calls() as calls:
        chosen = ada.get(f"/desk/tickets/{ticket_id}?canned={third}")
    assert chosen.status == 200 and f">{'c' * 1000}</textarea>" in chosen.text
    operations = [operation for operation, _ in calls]
    # the session's, the customer's (with the chosen reply); the thread with the timeline
    assert (operations.count("BatchGetItem"), operations.count("GetItem"), operations.count("Query")) == (2, 0, 1)
    batches = [params["RequestItems"] for operation, params in calls if operation == "BatchGetItem"]
    assert any("canned" in table for table in batches[1])  # with the customer, by key
    assert not [p for o, p in calls if o == "Query" and "canned" in p["TableName"]]
    # a kept body comes from the part; an id of no reply leaves the box empty
    assert f">{'a' * 4000}</textarea>" in ada.get(f"/desk/tickets/{ticket_id}?canned={first}").text
    assert "></textarea>" in ada.get(f"/desk/tickets/{ticket_id}?canned=can_0000").text

    # room made by a delete is used by the next write that fits
    assert company.manager.call("DELETE", f"/canned-replies/{first}")[0] == 204
    assert company.manager.call("PATCH", f"/canned-replies/{third}", {"body": "c" * 3000})[0] == 200
    part, kept_bytes = kept_part(company.company_id)
    assert (
        part
        == {
            second: {"title": "B second", "body": "b" * 4000},
            third: {"title": "C third", "body": "c" * 3000},
        }
        and kept_bytes == 7000
    )


def forget_the_part(company_id: str) -> None:
    """The company item as today's code wrote it before the part existed."""
    CompanyItem(company_id).update(actions=[CompanyItem.canned.remove(), CompanyItem.canned_kept_bytes.remove()])


def test_a_company_from_before_the_part_is_read_by_the_query_until_its_next_canned_write(company: Company) -> None:
    toner = add(company, "Toner", "Check the toner.")
    hello = add(company, "Hello", "Hi there")
    forget_the_part(company.company_id)
    assert kept_part(company.company_id) == (None, None)
    ticket_id = open_assigned_ticket(company, "before@example.com")
    ada = desk_browser(company, company.agent_ids["Ada"])

    with dynamodb_requests() as requests:
        page = ada.get(f"/desk/tickets/{ticket_id}?canned={toner}")
    assert offered(page.text) == [(hello, "Hello", "Hi there"), (toner, "Toner", "Check the toner.")]
    assert ">Check the toner.</textarea>" in page.text
    assert [key for key in requests if key.startswith("Query ") and "canned" in key]

    # the next write (here a change) builds the whole part from the Query, in its transaction
    with dynamodb_requests() as requests:
        status, _ = company.manager.call("PATCH", f"/canned-replies/{hello}", {"title": "Greeting"})
    assert status == 200 and (requests["BatchGetItem"], requests["Query"], requests["TransactWriteItems"]) == (1, 1, 1)
    assert kept_part(company.company_id) == (
        {toner: {"title": "Toner", "body": "Check the toner."}, hello: {"title": "Greeting", "body": "Hi there"}},
        len("Check the toner.") + len("Hi there"),
    )
    with dynamodb_requests() as requests:
        page = ada.get(f"/desk/tickets/{ticket_id}")
    assert offered(page.text) == [(hello, "Greeting", "Hi there"), (toner, "Toner", "Check the toner.")]
    assert not [key for key in requests if "canned" in key]

    # a delete and a create build it too
    forget_the_part(company.company_id)
    assert company.manager.call("DELETE", f"/canned-replies/{toner}")[0] == 204
    assert kept_part(company.company_id) == ({hello: {"title": "Greeting", "body": "Hi there"}}, len("Hi there"))
    forget_the_part(company.company_id)
    new = add(company, "Refund", "Refunds take five days.")
    assert kept_part(company.company_id)[0] == {
        hello: {"title": "Greeting", "body": "Hi there"},
        new: {"title": "Refund", "body": "Refunds take five days."},
    }


def test_a_writer_that_read_the_part_before_another_writer_retries_on_the_company_as_it_is_now(
    company: Company,
) -> None:
    employee = employees.get(company.company_id, company.manager_id)
    stale = auth.principal_of(employee, companies.get(company.company_id), auth.COMPANY_PARTS)
    first = add(company, "Toner", "Check the toner.")  # after the stale principal read the company

    with dynamodb_requests() as requests:
        made = canned.create(stale, canned.NewCannedReply(title="Hello", body="Hi there"))
    assert requests["TransactWriteItems"] == 2 and requests["GetItem"] == 1  # refused, read again, written
    assert kept_part(company.company_id) == (
        {first: {"title": "Toner", "body": "Check the toner."}, made.canned_id: {"title": "Hello", "body": "Hi there"}},
        len("Check the toner.") + len("Hi there"),
    )


def test_the_limit_of_replies_a_company_keeps_counts_the_kept_part(company: Company, monkeypatch: Any) -> None:
    monkeypatch.setattr(canned, "MAX_PER_COMPANY", 2)
    add(company, "One", "1")
    add(company, "Two", "2")
    status, problem = company.manager.call("POST", "/canned-replies", {"title": "Three", "body": "3"})
    assert status == 409 and problem["type"].endswith("too-many")
    assert len(kept_part(company.company_id)[0] or {}) == 2
