"""The local stack's SMTP server on its own: what it stores (SES's headers), the S3 event it delivers,
and Lambda's asynchronous retries (a handler that keeps failing is kept as failed, not dropped)."""

from __future__ import annotations

import email
import email.policy
import smtplib
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

import tests.conftest  # noqa: F401  (dummy AWS environment)
from chalicelib.inbound import storage
from chalicelib.inbound.parse import parse
from devstack.moto import MotoServer
from devstack.smtp import MailIn


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    server = MotoServer().start()
    yield server
    server.stop()


@pytest.fixture
def mail_in(moto: MotoServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[MailIn, list[dict[str, Any]]]]:
    s3 = boto3.client(
        "s3", endpoint_url=moto.url, region_name="us-east-1", config=Config(s3={"addressing_style": "path"})
    )
    monkeypatch.setattr(storage, "s3_client", lambda: s3)  # a throwaway moto of its own
    s3.create_bucket(Bucket=storage.bucket())
    seen: list[dict[str, Any]] = []
    failures = {"left": 0}

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.append(event)
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("DynamoDB is down")
        return {"ok": True, "function": context.function_name}

    server = MailIn(handler, "receive_mail", storage.bucket(), "us-east-1").start()
    server.failures = failures  # type: ignore[attr-defined]
    yield server, seen
    server.shutdown()


def _send(server: MailIn, to: str = "acme-abcdef@in.servicedesk.local") -> None:
    with smtplib.SMTP(server.host, server.port, timeout=10) as smtp:
        smtp.sendmail(
            "ann@example.com",
            [to],
            b"From: Ann <ann@example.com>\r\nTo: " + to.encode() + b"\r\nSubject: Hi\r\n\r\nHello\r\n",
        )


def test_a_message_is_stored_as_ses_stores_it_and_its_event_delivered_in_lambdas_shape(mail_in: Any) -> None:
    server, seen = mail_in
    _send(server)
    [delivery] = server.deliveries
    assert delivery.state == "delivered" and delivery.attempts == 1
    assert delivery.result == {"ok": True, "function": "receive_mail"}
    [event] = seen
    [record] = event["Records"]
    assert record["eventSource"] == "aws:s3" and record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["bucket"]["name"] == storage.bucket() and record["s3"]["object"]["key"] == delivery.key
    raw = storage.s3_client().get_object(Bucket=storage.bucket(), Key=delivery.key)["Body"].read()
    assert record["s3"]["object"]["size"] == len(raw)
    stored = email.message_from_bytes(raw, policy=email.policy.default)
    assert stored["X-SES-Spam-Verdict"] == "PASS" and stored["Return-Path"] == "<ann@example.com>"
    assert parse(raw).recipients[0] == "acme-abcdef@in.servicedesk.local"  # the envelope, from Received


def test_a_failing_handler_is_retried_twice_then_kept_as_failed_and_can_be_redelivered(mail_in: Any) -> None:
    server, seen = mail_in
    server.failures["left"] = 5
    _send(server)
    [delivery] = server.deliveries
    assert delivery.state == "failed" and delivery.attempts == 3 and "DynamoDB is down" in delivery.error
    server.failures["left"] = 0
    assert server.redeliver(delivery.key).state == "delivered"
    assert len(seen) == 4
