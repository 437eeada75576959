"""E-mail in for functional tests: the fixture corpus (tests/fixtures/mail), stored in the mail bucket
as SES stores it and delivered to `receive_mail` as S3 events in Lambda's shape (tests/events)."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

from chalice.test import Client

from chalicelib.db.models import Company as CompanyItem
from chalicelib.db.models import Message
from chalicelib.inbound import storage
from chalicelib.mail import threading
from chalicelib.tickets import service
from tests.functional.conftest import Api
from tests.functional.events import load

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "mail"


def desk_address(company_id: str) -> str:
    handle = CompanyItem.get(company_id).inbound_handle
    assert handle, "every company gets its inbound address at sign-up"
    return threading.inbound_address(handle)


def handle_of(company_id: str) -> str:
    return str(CompanyItem.get(company_id).inbound_handle)


def fixture(name: str, **values: str) -> bytes:
    """A corpus message with its placeholders ({{DESK}}, {{REPLY_TO}}, {{IN_REPLY_TO}}, ...) filled."""
    data = (CORPUS / name).read_bytes()
    for placeholder, value in values.items():
        data = data.replace(f"{{{{{placeholder.upper()}}}}}".encode(), value.encode())
    return data


def store(raw: bytes) -> str:
    key = f"{storage.INBOUND}{uuid.uuid4().hex}"
    storage.s3_client().put_object(Bucket=storage.bucket(), Key=key, Body=raw)
    return key


def s3_event(*objects: tuple[str, int]) -> dict[str, Any]:
    template = load("s3_object_created.json")["Records"][0]
    records = []
    for key, size in objects:
        record = copy.deepcopy(template)
        record["s3"]["bucket"].update(name=storage.bucket(), arn=f"arn:aws:s3:::{storage.bucket()}")
        record["s3"]["object"].update(key=key, size=size)
        records.append(record)
    return {"Records": records}


def invoke(client: Client, event: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = client.lambda_.invoke("receive_mail", event).payload
    return payload


def deliver(client: Client, raw: bytes, key: str | None = None) -> dict[str, Any]:
    """Store one message and deliver its event; returns the outcome for the (first) company."""
    key = key or store(raw)
    payload = invoke(client, s3_event((key, len(raw))))
    assert "errorMessage" not in payload, payload
    (result,) = payload["results"]
    outcome: dict[str, Any] = result["outcomes"][0]
    outcome["key"] = key
    return outcome


def thread(company_id: str, ticket_id: str) -> list[Message]:
    return service.messages(company_id, ticket_id, public_only=False)


def notification_of_reply(company_id: str, ticket_id: str, message_key: str) -> dict[str, str]:
    """What the 'agent replied' notification (issue 14) will carry: built from the shared formats."""
    headers = threading.notification_headers(
        handle_of(company_id), company_id, ticket_id, threading.reply_event(message_key)
    )
    return {
        "in_reply_to": headers["Message-ID"],
        "references": f"{headers['References']} {headers['Message-ID']}",
        "reply_to": headers["Reply-To"],
    }


def agent_replies(agent: Api, ticket_id: str, body: str) -> str:
    """The agent takes the ticket (if it waits) and replies; returns the thread message's key."""
    status, ticket = agent.call("GET", f"/tickets/{ticket_id}")
    assert status == 200, ticket
    if ticket["status"] == "queued":
        status, taken = agent.call("POST", "/tickets/next")
        assert status == 200 and taken["ticket_id"] == ticket_id, taken
    status, replied = agent.call("POST", f"/tickets/{ticket_id}/messages", {"body": body})
    assert status == 201, replied
    return str(replied["message"]["message_id"])


def sns_event(*notifications: Any) -> dict[str, Any]:
    template = load("sns_ses_notification.json")["Records"][0]
    records = []
    for notification in notifications:
        record = copy.deepcopy(template)
        record["Sns"]["Message"] = notification if isinstance(notification, str) else json.dumps(notification)
        records.append(record)
    return {"Records": records}
