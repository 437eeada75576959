"""Helpers for the karma tests: tickets handled by an agent, ratings over HTTP, and the karma stream
handler invoked as Lambda invokes it with records built from the stored ratings."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from chalice.test import Client

from chalicelib.customers import customer_id_for, customer_key
from chalicelib.karma.models import CustomerRating, Karma
from tests.functional.conftest import Api, Company
from tests.functional.events import stream_event, stream_record


def sequence() -> str:
    return str(10**20 + secrets.randbelow(10**20))


def handled_ticket(company: Company, agent: str, email: str, subject: str | None = None, **extra: Any) -> dict:
    """A ticket of `email` taken and resolved by `agent` (who must be the only one online for its queue)."""
    handler = company.agents[agent]
    opened = company.open_ticket(subject or f"Question {secrets.token_hex(4)}", email, **extra)
    status, taken = handler.call("POST", "/tickets/next")
    assert status == 200 and taken["ticket_id"] == opened["ticket_id"], taken
    status, body = handler.call("POST", f"/tickets/{opened['ticket_id']}/resolve")
    assert status == 200, body
    return opened


def stored_rating(company: Company, email: str, ticket_id: str, employee_id: str) -> CustomerRating:
    return CustomerRating.get(
        customer_key(company.company_id, customer_id_for(company.company_id, email)),
        f"{ticket_id}#{employee_id}",
        consistent_read=True,
    )


def deliver(client: Client, *records: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = client.lambda_.invoke("update_karma", stream_event(*records)).payload
    return payload


def karma_item(company: Company, email: str) -> Karma | None:
    try:
        return Karma.get(company.company_id, customer_id_for(company.company_id, email), consistent_read=True)
    except Karma.DoesNotExist:
        return None


@dataclass
class Rated:
    ticket_id: str
    link_token: str
    rating: CustomerRating
    record: dict[str, Any]


def rate(
    company: Company,
    client: Client,
    agent: str,
    email: str,
    literacy: int,
    temperament: int,
    note: str | None = None,
    **ticket: Any,
) -> Rated:
    """Handle a ticket of `email`, rate its customer over HTTP and deliver the stream record."""
    opened = handled_ticket(company, agent, email, **ticket)
    body: dict[str, Any] = {"literacy": literacy, "temperament": temperament}
    if note:
        body["note"] = note
    status, answer = company.agents[agent].call("POST", f"/tickets/{opened['ticket_id']}/customer-rating", body)
    assert status == 201, answer
    rating = stored_rating(company, email, opened["ticket_id"], company.agent_ids[agent])
    record = stream_record(sequence(), rating)
    assert deliver(client, record) == {"batchItemFailures": []}
    return Rated(opened["ticket_id"], opened["link_token"], rating, record)


def karma_of(api: Api, ticket_id: str) -> dict[str, Any]:
    status, body = api.call("GET", f"/tickets/{ticket_id}/customer-karma")
    assert status == 200, body
    return dict(body)
