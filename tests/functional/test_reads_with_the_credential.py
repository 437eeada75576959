"""A route that works on the ticket its path names reads it in authentication's BatchGetItem
(`@route(reads=...)`, chalicelib/db/prefetch.py): one round trip less, keyed by the caller's own company,
taken once per request."""

from __future__ import annotations

from typing import Any

from chalicelib.db import prefetch
from chalicelib.db.base import get_many, read_one
from chalicelib.db.models import Company as CompanyItem
from chalicelib.db.models import Ticket
from tests.functional.conftest import Company
from tests.support.dynamodb_requests import dynamodb_calls, dynamodb_requests


def ticket_keys(params: dict[str, Any]) -> list[dict[str, Any]]:
    return [key for table, entry in params["RequestItems"].items() if "tickets" in table for key in entry["Keys"]]


def test_tagging_a_ticket_reads_it_with_the_token_and_then_writes_once(company: Company) -> None:
    ticket = company.open_ticket("Printer is broken")
    with dynamodb_calls() as sent:
        status, body = company.manager.call("POST", f"/tickets/{ticket['ticket_id']}/tags", {"tags": ["printer"]})
    assert status == 200 and body["tags"] == ["printer"]
    assert [operation for operation, _ in sent] == ["BatchGetItem", "TransactWriteItems"]
    assert ticket_keys(sent[0][1]) == [
        {"company_id": {"S": company.company_id}, "ticket_id": {"S": ticket["ticket_id"]}}
    ]


def test_another_companys_ticket_is_looked_for_in_the_callers_own_company_and_not_found(
    company: Company, other_company: Company
) -> None:
    theirs = other_company.open_ticket("Their secret")
    with dynamodb_calls() as sent:
        status, _ = company.manager.call("GET", f"/tickets/{theirs['ticket_id']}")
    assert status == 404
    assert ticket_keys(sent[0][1]) == [
        {"company_id": {"S": company.company_id}, "ticket_id": {"S": theirs["ticket_id"]}}
    ]
    assert len(sent) == 1  # the answer "none" was read with the token: nothing asked again


def test_an_id_no_ticket_can_have_is_refused_without_being_read(company: Company) -> None:
    with dynamodb_calls() as sent:
        status, _ = company.manager.call("GET", f"/tickets/tkt_{'x' * 90}")
    assert status == 404
    assert [operation for operation, _ in sent] == ["BatchGetItem"] and ticket_keys(sent[0][1]) == []


def test_a_forged_token_naming_another_company_reads_nothing_of_it_and_is_refused(
    company: Company, other_company: Company
) -> None:
    theirs = other_company.open_ticket("Their secret")
    token = company.manager.token or ""
    forged = token.replace(company.company_id, other_company.company_id)
    assert forged != token
    status, body = company.api.call("GET", f"/tickets/{theirs['ticket_id']}", token=forged)
    assert status == 401 and "Their secret" not in str(body)


def test_an_item_read_with_the_credential_is_taken_once_then_read_again(company: Company) -> None:
    ticket_id = company.open_ticket("Printer is broken")["ticket_id"]
    with prefetch.scope():
        kept = Ticket.get(company.company_id, ticket_id)
        kept.subject = "as it was read with the credential"
        prefetch.keep(Ticket.Meta.table_name, company.company_id, ticket_id, kept)
        with dynamodb_requests() as seen:
            first = read_one(Ticket, company.company_id, ticket_id)
            again = read_one(Ticket, company.company_id, ticket_id)
    assert first is kept
    assert again is not None and again.subject == "Printer is broken"
    assert seen["GetItem"] == 1


def test_nothing_is_kept_outside_a_request() -> None:
    prefetch.keep("tickets", "c", "t", object())
    assert prefetch.take("tickets", "c", "t") == (False, None)


def test_a_batch_read_takes_what_was_kept_and_asks_only_for_the_rest(company: Company) -> None:
    ticket_id = company.open_ticket("Printer is broken")["ticket_id"]
    with prefetch.scope():
        kept = Ticket.get(company.company_id, ticket_id)
        prefetch.keep(Ticket.Meta.table_name, company.company_id, ticket_id, kept)
        with dynamodb_calls() as sent:
            found_ticket, found_company = get_many(
                [(Ticket, company.company_id, ticket_id), (CompanyItem, company.company_id, None)]
            )
        with dynamodb_calls() as none_sent:
            assert get_many([]) == []
    assert found_ticket is kept and found_company is not None
    assert len(sent) == 1 and ticket_keys(sent[0][1]) == []
    assert none_sent == []  # DynamoDB refuses an empty BatchGetItem: none is sent


def test_a_canned_reply_an_employee_and_ones_own_preferences_are_read_with_the_token(company: Company) -> None:
    status, made = company.manager.call("POST", "/canned-replies", {"title": "Hello", "body": "Hi there"})
    assert status == 201
    ada = company.add_agent("Ada")
    ada_id = company.agent_ids["Ada"]
    with dynamodb_calls() as sent:
        changed = company.manager.call("PATCH", f"/canned-replies/{made['canned_id']}", {"title": "Hi"})
    assert changed[0] == 200 and changed[1]["title"] == "Hi"
    # the reply and the company's kept canned replies in one transaction (chalicelib/canned)
    assert [operation for operation, _ in sent] == ["BatchGetItem", "TransactWriteItems"]
    for path, caller in ((f"/employees/{ada_id}", company.manager), ("/me/preferences", ada)):
        with dynamodb_calls() as sent:
            status, _ = caller.call("GET", path)
        assert status == 200 and [operation for operation, _ in sent] == ["BatchGetItem"], path
    with dynamodb_calls() as sent:
        status, _ = company.manager.call("DELETE", f"/canned-replies/{made['canned_id']}")
        gone = company.manager.call("DELETE", f"/canned-replies/{made['canned_id']}")
    assert status == 204 and gone[0] == 404


def test_a_write_forgets_what_was_read_with_the_credential_so_a_read_after_it_is_fresh(company: Company) -> None:
    ticket_id = company.open_ticket("Printer is broken")["ticket_id"]
    with prefetch.scope():
        kept = Ticket.get(company.company_id, ticket_id)
        prefetch.keep(Ticket.Meta.table_name, company.company_id, ticket_id, kept)
        Ticket(company.company_id, ticket_id).update(actions=[Ticket.subject.set("Changed meanwhile")])
        with dynamodb_requests() as seen:
            after = read_one(Ticket, company.company_id, ticket_id)
    assert after is not kept and after is not None and after.subject == "Changed meanwhile"
    assert seen["GetItem"] == 1
