"""Helpers for the notification tests: stream records of a ticket's real changes (each change's before and
after images, as DynamoDB Streams would carry them), the tickets stream handler invoked as Lambda invokes
it, and the mail moto's SES accepted, parsed as MIME."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from chalice.test import Client

from chalicelib import mail
from chalicelib.db.models import Ticket
from chalicelib.settings import get_settings
from tests.functional.events import stream_event, stream_record
from tests.functional.tips_helpers import parts, sent_mail

__all__ = ["Stream", "links_in", "parts", "sent_mail", "ses_refusing", "text_of"]

LINK = re.compile(r"http://desk\.test(/c/[A-Za-z0-9_.\-]+(?:/confirm)?)")


@dataclass
class Stream:
    """Feeds the tickets stream handler the records a ticket's changes make, like DynamoDB Streams does."""

    client: Client
    company_id: str
    seen: dict[str, Ticket | None] = field(default_factory=dict)
    sequence: int = 0
    records: list[dict[str, Any]] = field(default_factory=list)

    def changed(self, ticket_id: str) -> dict[str, Any]:
        """The record of the ticket's latest change (the previous image is what this stream saw last)."""
        self.sequence += 1
        after = Ticket.get(self.company_id, ticket_id, consistent_read=True)
        before = self.seen.get(ticket_id)
        self.seen[ticket_id] = after
        record = stream_record(f"{self.sequence:08d}", after, before)
        self.records.append(record)
        return record

    def deliver(self, *records: dict[str, Any], times: int = 1) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for _ in range(times):
            result = self.client.lambda_.invoke("on_ticket_change", stream_event(*records)).payload
        return result

    def step(self, ticket_id: str, times: int = 1) -> dict[str, Any]:
        return self.deliver(self.changed(ticket_id), times=times)


def text_of(message: Message) -> str:
    return parts(message)["text/plain"]


def links_in(body: str) -> list[str]:
    return [m.group(1) for m in LINK.finditer(body)]


@contextmanager
def ses_refusing() -> Iterator[None]:
    """SES refuses every send (the sender identity is not verified), as on AWS, until the block ends."""
    sender = get_settings().mail_from
    mail.ses_client().delete_identity(Identity=sender)
    try:
        yield
    finally:
        mail.ses_client().verify_email_identity(EmailAddress=sender)
