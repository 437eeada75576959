"""SMTP on loopback standing in for SES receiving: each message is stored in moto's S3 as SES stores
it (its Received and verdict headers prepended, under `inbound/`), then the bucket's event is delivered
in Lambda's shape to the `@app.on_s3_event` handler, as Lambda would invoke it.

Like Lambda's asynchronous invocation: a handler that raises is tried twice more, then the delivery
is kept as failed (listed by the control API's GET /mail), never dropped silently. SMTP answers 250
once the message is stored, as SES does; the delivery runs before the answer so a script that sends
a mail can look for the ticket right after.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from types import ModuleType
from typing import Any

from chalice.app import S3EventConfig

from devstack.pump import LambdaContext

logger = logging.getLogger("devstack.smtp")
MAX_MESSAGE_BYTES = 40 * 1024 * 1024  # SES's limit for mail it stores in S3
ATTEMPTS = 3  # Lambda's asynchronous invocation: the first try and two retries


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def s3_event(bucket: str, key: str, size: int, region: str, at: datetime | None = None) -> dict[str, Any]:
    """An S3 ObjectCreated:Put notification in Lambda's shape (the key URL-encoded, as S3 sends it)."""
    from urllib.parse import quote_plus

    moment = (at or datetime.now(UTC)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": region,
                "eventTime": moment,
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "AWS:SES"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {"x-amz-request-id": uuid.uuid4().hex[:16], "x-amz-id-2": uuid.uuid4().hex},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "receive_mail",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "local"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {"key": quote_plus(key, safe="/"), "size": size, "sequencer": uuid.uuid4().hex[:18]},
                },
            }
        ]
    }


def ses_headers(mail_from: str, recipients: list[str], now: datetime | None = None) -> bytes:
    """The headers SES prepends to a message it stores (envelope sender, recipient, verdicts)."""
    stamp = format_datetime(now or datetime.now(UTC))
    lines = [f"Return-Path: <{mail_from}>"]
    for recipient in recipients:
        lines.append(
            f"Received: from localhost (localhost [127.0.0.1])\r\n by inbound-smtp.local with SMTP id "
            f"{uuid.uuid4().hex}\r\n for {recipient};\r\n {stamp}"
        )
    # SES's checks of the sender; none can be made locally, so none is claimed (the app then takes the From)
    lines.append("Authentication-Results: amazonses.com; spf=none; dkim=none; dmarc=none")
    lines += ["X-SES-Spam-Verdict: PASS", "X-SES-Virus-Verdict: PASS"]
    return ("\r\n".join(lines) + "\r\n").encode()


@dataclass
class Delivery:
    key: str
    recipients: list[str]
    attempts: int = 0
    state: str = "pending"  # delivered | failed
    result: Any = None
    error: str | None = None


@dataclass
class MailIn:
    handler: Any  # app.py's receive_mail (Chalice's event handler: (event, context))
    function_name: str
    bucket: str
    region: str
    host: str = "127.0.0.1"
    port: int = 0
    deliveries: list[Delivery] = field(default_factory=list)
    _controller: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def for_app(cls, app_module: ModuleType, host: str, port: int, region: str) -> MailIn | None:
        from chalicelib.inbound import storage

        for source in app_module.app.event_sources:
            if isinstance(source, S3EventConfig):
                storage.ensure_bucket()
                return cls(getattr(app_module, source.name), source.name, storage.bucket(), region, host, port)
        return None

    def start(self) -> MailIn:
        from aiosmtpd.controller import Controller

        self.port = self.port or free_port(self.host)
        self._controller = Controller(self, hostname=self.host, port=self.port, data_size_limit=MAX_MESSAGE_BYTES)
        self._controller.start()
        return self

    def shutdown(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def server_close(self) -> None:
        """Nothing left to close (the stack stops servers with shutdown() and server_close())."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = ses_headers(envelope.mail_from or "", list(envelope.rcpt_tos)) + bytes(envelope.original_content)
        delivery = await asyncio.get_running_loop().run_in_executor(None, self.receive, raw, list(envelope.rcpt_tos))
        return f"250 OK {delivery.key}"

    def receive(self, raw: bytes, recipients: list[str]) -> Delivery:
        """Store one message as SES would and deliver its S3 event."""
        from chalicelib.inbound import storage

        key = f"{storage.INBOUND}{uuid.uuid4().hex}"
        storage.s3_client().put_object(Bucket=self.bucket, Key=key, Body=raw)
        delivery = Delivery(key, recipients)
        self.deliveries.append(delivery)
        return self.deliver(delivery)

    def deliver(self, delivery: Delivery) -> Delivery:
        from chalicelib.inbound import storage

        size = int(storage.s3_client().head_object(Bucket=self.bucket, Key=delivery.key)["ContentLength"])
        with self._lock:
            for _attempt in range(ATTEMPTS):
                delivery.attempts += 1
                try:
                    event = s3_event(self.bucket, delivery.key, size, self.region)
                    delivery.result = self.handler(event, LambdaContext(self.function_name))
                except Exception as error:
                    logger.exception("%s failed on %s", self.function_name, delivery.key)
                    delivery.state, delivery.error = "failed", f"{type(error).__name__}: {error}"
                    continue
                delivery.state, delivery.error = "delivered", None
                break
        return delivery

    def redeliver(self, key: str) -> Delivery:
        """Deliver a stored object's event again (S3 and Lambda may deliver an event more than once)."""
        for delivery in self.deliveries:
            if delivery.key == key:
                return self.deliver(delivery)
        raise KeyError(key)

    def status(self) -> list[dict[str, Any]]:
        return [delivery.__dict__ for delivery in self.deliveries]
