"""The outbox's exactly-once claim against DynamoDB (moto): a claim taken is never taken twice, a sender that
died is replaced after its lease, a failure waits for its backoff before the schedule tries it (the
stream's own retries take it at once), three days of failures are given up (and a manager may ask for
more), and what each costs in DynamoDB requests."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib import outbox
from chalicelib.clock import utcnow
from chalicelib.ids import new_id
from chalicelib.outbox.models import OutboxMessage
from tests.functional.conftest import Company
from tests.support.dynamodb_requests import dynamodb_requests

KIND = "test.kind"
SENT: list[str] = []


def sender(item: OutboxMessage) -> outbox.Delivery:
    SENT.append(item.message_key)
    return outbox.Delivery("sent", "email", f"ses-{len(SENT)}")


def failing(item: OutboxMessage) -> outbox.Delivery:
    raise RuntimeError("SES says no")


outbox.register(KIND, sender)


def message(company: Company) -> outbox.Outgoing:
    return outbox.Outgoing(
        company.company_id, outbox.message_key(new_id("tkt"), "received"), KIND, recipient="customer"
    )


def item_of(msg: outbox.Outgoing) -> OutboxMessage:
    return OutboxMessage.get(msg.company_id, msg.message_key, consistent_read=True)


def test_a_message_is_sent_once_and_a_second_claim_costs_one_request(company: Company) -> None:
    msg = message(company)
    with dynamodb_requests() as first:
        assert outbox.send_once(msg, sender) == "sent"
    with dynamodb_requests() as again:
        assert outbox.send_once(msg, sender) == "already-claimed"
    assert first["UpdateItem"] == 2 and sum(first[k] for k in ("GetItem", "PutItem", "Query")) == 0  # claim, record
    assert again["UpdateItem"] == 1  # the refused claim
    sent = item_of(msg)
    assert (sent.state, sent.attempts, sent.provider_id, sent.retry_watch) == ("sent", 1, f"ses-{len(SENT)}", None)
    assert sent.expires_at is not None and sent.expires_at > utcnow() + timedelta(days=300)


def test_a_sender_that_died_mid_send_is_replaced_after_its_lease_by_the_schedule(company: Company) -> None:
    msg = message(company)
    now = utcnow()
    assert outbox.claim(msg, now) is not None  # ... and the sender died here
    assert outbox.send_once(msg, sender, now + timedelta(minutes=1)) == "already-claimed"  # its lease holds
    result = outbox.resend_due(now + outbox.LEASE + timedelta(seconds=1))
    assert result["sent"] >= 1 and item_of(msg).state == "sent" and item_of(msg).attempts == 2


def test_a_failure_waits_for_its_backoff_before_the_schedule_but_not_for_the_stream(company: Company) -> None:
    msg = message(company)
    with pytest.raises(RuntimeError):
        outbox.send_once(msg, failing)
    failed = item_of(msg)
    assert failed.state == "failed" and failed.retry_watch == "due" and "SES says no" in (failed.last_error or "")
    assert failed.next_attempt_at is not None and failed.next_attempt_at > utcnow()
    outbox.resend_due(utcnow())  # not due yet
    assert item_of(msg).state == "failed" and msg.message_key not in SENT
    assert outbox.send_once(msg, sender) == "sent"  # the stream's retry takes it at once
    outbox.resend_due(utcnow() + timedelta(hours=2))
    assert SENT.count(msg.message_key) == 1 and item_of(msg).attempts == 2


def test_three_days_of_failures_are_given_up_kept_for_managers_and_may_be_tried_again(company: Company) -> None:
    msg = message(company)
    start = utcnow() - timedelta(days=3, minutes=5)
    assert outbox.claim(msg, start) is not None
    stale = outbox.claim(msg, start + outbox.LEASE * 2)  # a later attempt of the same message
    assert stale is not None
    with pytest.raises(RuntimeError):
        outbox.deliver(stale, failing)
    given_up = item_of(msg)
    assert given_up.state == "failed" and given_up.gave_up_at is not None and given_up.retry_watch is None
    assert outbox.claim(msg) is None  # not even a late redelivery takes it
    assert msg.message_key in [i.message_key for i in outbox.failed_of(company.company_id)]
    status, listed = company.manager.call("GET", "/notifications/failed")
    assert status == 200 and listed["notifications"][0]["gave_up_at"] is not None
    status, retried = company.manager.call("POST", "/notifications/failed/retry", {"message_key": msg.message_key})
    assert status == 200 and retried["next_attempt_at"] is not None
    assert outbox.resend_due(utcnow() + timedelta(seconds=1))["sent"] >= 1
    assert item_of(msg).state == "sent" and outbox.failed_of(company.company_id) == []
    status, _ = company.manager.call("POST", "/notifications/failed/retry", {"message_key": msg.message_key})
    assert status == 404  # only a failed message can be tried again


def test_a_manager_sees_only_their_own_companys_failures(company: Company, other_company: Company) -> None:
    msg = message(company)
    with pytest.raises(RuntimeError):
        outbox.send_once(msg, failing)
    assert other_company.manager.call("GET", "/notifications/failed")[1]["notifications"] == []
    status, _ = other_company.manager.call("POST", "/notifications/failed/retry", {"message_key": msg.message_key})
    assert status == 404
    company.add_agent("Ada")
    assert company.agents["Ada"].call("GET", "/notifications/failed")[0] == 403
