"""Helpers for the tips tests: the partner played by the test (Standard Webhooks signatures made with
the reference `standardwebhooks` package, its API mocked with `responses`), tickets closed on
the customer's confirmation, stream records for the tip-email handler, and SES mail read from moto."""

from __future__ import annotations

import email
import email.policy
import json
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from typing import Any

import pytest
import responses
from chalice.test import Client
from standardwebhooks.webhooks import Webhook

from chalicelib.db.models import Ticket
from chalicelib.tips.config import LOCAL_PARTNER_URL, LOCAL_WEBHOOK_SECRET
from devstack.moto import outbox
from tests.conftest import MOTO_URL
from tests.functional.conftest import Api, Company
from tests.functional.events import stream_event, stream_record

WEBHOOK = "/tips/webhooks/partner"
FORM_BASE = f"{LOCAL_PARTNER_URL}/form"


@dataclass
class Partner:
    """The tip partner, as the tests play it: signs and sends webhooks, and answers our API calls."""

    api: Api
    mock: responses.RequestsMock
    calls: list[dict[str, Any]] = field(default_factory=list)
    failures_left: int = 0
    receiver_status: str = "waiting"
    down_for: set[str] = field(default_factory=set)  # external ids answered 503, however often asked
    garbled_for: set[str] = field(default_factory=set)  # external ids answered 201 with an empty object

    def send(
        self,
        event_type: str,
        data: dict[str, Any],
        *,
        webhook_id: str | None = None,
        at: datetime | None = None,
        secret: str = LOCAL_WEBHOOK_SECRET,
        body: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        webhook_id = webhook_id or f"msg_{secrets.token_hex(12)}"
        at = at or datetime.now(UTC)
        payload = (
            body if body is not None else json.dumps({"type": event_type, "timestamp": at.isoformat(), "data": data})
        )
        signed = {
            "webhook-id": webhook_id,
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": Webhook(secret).sign(webhook_id, at, payload),
        }
        signed.update(headers or {})
        return self.api.call("POST", WEBHOOK, raw=payload, headers=signed, token="")

    # the partner's API, as `responses` callbacks
    def _answer(self, request: Any, kind: str) -> tuple[int, dict[str, str], str]:
        body = json.loads(request.body)
        self.calls.append(
            {
                "kind": kind,
                "url": request.url,
                "body": body,
                "idempotency_key": request.headers.get("Idempotency-Key"),
                "authorization": request.headers.get("Authorization"),
            }
        )
        if body.get("external_id") in self.down_for:
            return 503, {}, json.dumps({"error": "maintenance"})
        if self.failures_left > 0:
            self.failures_left -= 1
            return 503, {}, json.dumps({"error": "maintenance"})
        if body.get("external_id") in self.garbled_for:
            return 201, {}, "{}"
        if kind == "place":
            return 201, {}, json.dumps({"place_id": f"pl_{body['external_id']}", "status": "waiting"})
        answer: dict[str, Any] = {"receiver_id": f"rc_{body['external_id']}", "status": self.receiver_status}
        if self.receiver_status == "confirmed":
            answer["form_url"] = f"{FORM_BASE}/rc_{body['external_id']}"
        return 201, {}, json.dumps(answer)

    def verify_company(self, company: Company) -> None:
        status, body = self.send("company.verified", {"external_id": company.company_id})
        assert status == 200 and body["outcome"] == "applied", body

    def link(self, company: Company, employee_id: str, form_url: str | None = None) -> tuple[int, Any]:
        return self.send(
            "employee.linked",
            {
                "company_external_id": company.company_id,
                "external_id": employee_id,
                "receiver_id": f"rc_{employee_id}",
                "form_url": form_url or f"{FORM_BASE}/rc_{employee_id}",
            },
        )

    def pay(
        self,
        company: Company,
        employee_id: str,
        amount: str = "150.00",
        reference: str | None = None,
        tip_id: str | None = None,
        currency: str = "EUR",
        **send: Any,
    ) -> tuple[int, Any]:
        return self.send(
            "tip.paid",
            {
                "tip_id": tip_id or f"tp_{secrets.token_hex(8)}",
                "company_external_id": company.company_id,
                "employee_external_id": employee_id,
                "amount": amount,
                "currency": currency,
                "reference": reference,
                "paid_at": datetime.now(UTC).isoformat(),
            },
            **send,
        )


@pytest.fixture(name="partner")
def partner_fixture(api: Api) -> Iterator[Partner]:
    with playing_partner(api) as helper:
        yield helper


@contextmanager
def playing_partner(api: Api) -> Iterator[Partner]:
    """The partner's API answered by the test (and the bench, which replays the routes)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_passthru(MOTO_URL)
        helper = Partner(api, mock)
        mock.add_callback(
            responses.POST, f"{LOCAL_PARTNER_URL}/v1/places", callback=lambda request: helper._answer(request, "place")
        )
        mock.add_callback(
            responses.POST,
            re.compile(rf"{re.escape(LOCAL_PARTNER_URL)}/v1/places/[^/]+/receivers"),
            callback=lambda request: helper._answer(request, "receiver"),
        )
        yield helper


def enable_tips(company: Company, partner: Partner, agent: str = "Ada") -> str:
    """Company opted in and verified; the agent added, opted in and linked. Returns the agent's id."""
    status, body = company.manager.call("POST", "/tips/company/opt-in")
    assert status == 200 and body["state"] == "pending_verification", body
    partner.verify_company(company)
    if agent not in company.agents:
        company.add_agent(agent)
    employee_id = company.agent_ids[agent]
    status, body = company.manager.call("POST", f"/tips/employees/{employee_id}/opt-in")
    assert status == 200, body
    status, body = partner.link(company, employee_id)
    assert status == 200 and body["outcome"] == "applied", body
    return employee_id


@dataclass
class Closed:
    before: Ticket
    after: Ticket
    link_token: str

    def record(self, sequence: str) -> dict[str, Any]:
        return stream_record(sequence, self.after, self.before)


def close_ticket(company: Company, agent: str = "Ada", email_address: str | None = None, **extra: Any) -> Closed:
    """A ticket handled by `agent` and closed on the customer's confirmation."""
    if agent not in company.agents:
        company.add_agent(agent)
    handler = company.agents[agent]
    address = email_address or f"cust-{secrets.token_hex(6)}@example.com"
    opened = company.open_ticket("Printer is broken", address, **extra)
    status, taken = handler.call("POST", "/tickets/next")
    assert status == 200 and taken["ticket_id"] == opened["ticket_id"], taken
    assert handler.call("POST", f"/tickets/{opened['ticket_id']}/resolve")[0] == 200
    before = Ticket.get(company.company_id, opened["ticket_id"])
    status, body = company.api.call("POST", f"/customer/tickets/{opened['link_token']}/confirm", token="")
    assert status == 200, body
    return Closed(before, Ticket.get(company.company_id, opened["ticket_id"]), opened["link_token"])


def deliver(client: Client, *records: dict[str, Any]) -> dict[str, Any]:
    """Invoke the tip-email stream handler as Lambda does."""
    payload: dict[str, Any] = client.lambda_.invoke("send_tip_email", stream_event(*records)).payload
    return payload


def sent_mail(to: str) -> list[Message]:
    """Messages moto's SES accepted for `to`, parsed as MIME."""
    found = []
    for message in outbox():  # the functional tests' moto server runs in this process
        if "raw_data" in message and to in message["destinations"]:
            found.append(email.message_from_string(message["raw_data"], policy=email.policy.default))
    return found


def parts(message: Message) -> dict[str, str]:
    """text/plain and text/html bodies of a multipart/alternative message."""
    found: dict[str, str] = {}
    for part in message.walk():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            # lines end in CRLF on the wire (RFC 5322); a mail client shows them as line breaks
            text = payload.decode(part.get_content_charset() or "utf-8")
            found[part.get_content_type()] = text.replace("\r\n", "\n")
    return found


# the links under the public base URL (desk.test, or the served app's address in browser tests)
LINK = re.compile(r"https?://[a-z0-9.:]+(/(rate|tip)/[A-Za-z0-9_.\-]+)")


@dataclass
class Emailed:
    closed: Closed
    rate_path: str
    tip_path: str | None


def emailed(company: Company, client: Client, agent: str = "Ada", **ticket: Any) -> Emailed:
    """Close a ticket, run the stream handler, and take the links from the e-mail as the customer would."""
    address = ticket.pop("email_address", None) or f"cust-{secrets.token_hex(6)}@example.com"
    closed = close_ticket(company, agent, email_address=address, **ticket)
    assert deliver(client, closed.record(str(secrets.randbelow(10**9)))) == {"batchItemFailures": []}
    # the address may have other mail (an agent's own address gets their notifications): the rating message
    [message] = [m for m in sent_mail(address) if "/rate/" in parts(m)["text/plain"]]
    found = {m.group(2): m.group(1) for m in LINK.finditer(parts(message)["text/plain"])}
    return Emailed(closed, found["rate"], found.get("tip"))


def page(
    api: Api, method: str, path: str, form: str | None = None, headers: dict[str, str] | None = None
) -> tuple[int, str, dict[str, str]]:
    """A browser-like request: form-encoded body, HTML back."""
    headers = {**({"Content-Type": "application/x-www-form-urlencoded"} if form is not None else {}), **(headers or {})}
    response = getattr(api.client.http, method.lower())(path, headers=headers, body=form)
    body = response.body.decode() if isinstance(response.body, bytes) else response.body
    return response.status_code, body, dict(response.headers)
