"""Every message the desk sends, sent exactly once under at-least-once delivery.

Before sending, a sender claims the message's item (company, `<ticket id>#<event key>`) with one
conditional UpdateItem: a new item, a failed one, or one left "sending" past its lease (the sender died)
may be claimed; anything else means the message is being or was sent, and nothing happens. So stream
redelivery, retries and parallel invocations never send twice. After the send the item records the
outcome: sent, suppressed, undeliverable, or failed with the error, its attempts and the next attempt
(exponential backoff, at most an hour apart). A failure is raised too, so a stream retries the record;
when its retries are exhausted the scheduled `resend_due` finds the message through the sparse `due`
index (never a Scan) and sends it again with the sender each kind registered (`register`), until it is
sent or three days have passed; then it stays failed, visible to managers (`failed_of`) who may try it
again (`retry`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.clock import iso, utcnow
from chalicelib.db import keys
from chalicelib.db.base import is_condition_failure
from chalicelib.errors import NotFound
from chalicelib.outbox.models import DUE, OutboxMessage

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # longer than any send takes; a claim older than this was abandoned
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(days=3)
KEEP_FOR = timedelta(days=365)
MAX_ERROR = 300


@dataclass(frozen=True)
class Outgoing:
    """A message to send: who it is for and what its sender needs to make it again later."""

    company_id: str
    message_key: str
    kind: str
    ticket_id: str | None = None
    recipient: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Delivery:
    """What a send came to: sent (with the channel and the provider's id), suppressed or undeliverable."""

    state: str = "sent"
    channel: str | None = None
    provider_id: str | None = None
    detail: str | None = None


Sender = Callable[[OutboxMessage], Delivery]
_SENDERS: dict[str, Sender] = {}


def register(kind: str, sender: Sender) -> None:
    """The sender that makes and sends messages of `kind` again (the re-send job uses it)."""
    _SENDERS[kind] = sender


def message_key(ticket_id: str, event_key: str) -> str:
    return keys.outbox_message(ticket_id, event_key)


def params_of(item: OutboxMessage) -> dict[str, str]:
    data = json.loads(item.params) if item.params else {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _update(item: OutboxMessage, actions: list[Any], condition: Any) -> bool:
    try:
        item.update(actions=actions, condition=condition)
    except UpdateError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


def claim(message: Outgoing, now: datetime | None = None) -> OutboxMessage | None:
    """Take the message for sending; None when it is being or has been sent (or was given up on)."""
    now = now or utcnow()
    item = OutboxMessage(message.company_id, message.message_key)
    actions = [
        OutboxMessage.kind.set(message.kind),
        OutboxMessage.params.set(json.dumps(dict(message.params), sort_keys=True)),
        OutboxMessage.created_at.set(OutboxMessage.created_at | now),
        *_claim_actions(now),
    ]
    if message.ticket_id:
        actions.append(OutboxMessage.ticket_id.set(message.ticket_id))
    if message.recipient:
        actions.append(OutboxMessage.recipient.set(message.recipient))
    condition = (
        OutboxMessage.message_key.does_not_exist()
        | ((OutboxMessage.state == "failed") & OutboxMessage.gave_up_at.does_not_exist())
        | ((OutboxMessage.state == "sending") & (OutboxMessage.claimed_at < now - LEASE))
    )
    return item if _update(item, actions, condition) else None


def claim_new(tx: TransactWrite, message: Outgoing, now: datetime | None = None) -> OutboxMessage:
    """Claim a message whose key is new (it names a fresh nonce) as an item of the caller's transaction:
    the message is claimed only with what causes it, so a request refused by that transaction (a rate
    limit) leaves no message behind. Send it with `deliver` once the transaction has committed; a sender
    that dies before recording the outcome leaves it "sending", found by `resend_due` after the lease."""
    now = now or utcnow()
    item = OutboxMessage(
        message.company_id,
        message.message_key,
        kind=message.kind,
        params=json.dumps(dict(message.params), sort_keys=True),
        ticket_id=message.ticket_id,
        recipient=message.recipient,
        state="sending",
        attempts=1,
        created_at=now,
        claimed_at=now,
        retry_watch=DUE,
        next_attempt_at=now + LEASE,
    )
    tx.save(item, condition=OutboxMessage.message_key.does_not_exist())
    return item


def _claim_actions(now: datetime) -> list[Any]:
    return [
        OutboxMessage.state.set("sending"),
        OutboxMessage.claimed_at.set(now),
        OutboxMessage.attempts.add(1),
        OutboxMessage.retry_watch.set(DUE),  # found by the re-send job if this sender dies mid-send
        OutboxMessage.next_attempt_at.set(now + LEASE),
    ]


def _reclaim(company_id: str, key: str, now: datetime) -> OutboxMessage | None:
    """The re-send job's claim: only a message that is still due."""
    item = OutboxMessage(company_id, key)
    due = (OutboxMessage.retry_watch == DUE) & (OutboxMessage.next_attempt_at <= now)
    condition = due & (
        (OutboxMessage.state == "failed")
        | ((OutboxMessage.state == "sending") & (OutboxMessage.claimed_at < now - LEASE))
    )
    return item if _update(item, _claim_actions(now), condition) else None


def send_once(message: Outgoing, sender: Sender, now: datetime | None = None) -> str:
    """Claim, deliver, record; returns the state, or "already-claimed". A failed send is recorded and raised."""
    item = claim(message, now)
    if item is None:
        return "already-claimed"
    return deliver(item, sender)


def deliver(item: OutboxMessage, sender: Sender) -> str:
    """Send a claimed message (by `claim`, `claim_new` or the re-send job) and record the outcome; returns
    the state. A failed send is recorded (to be tried again) and raised."""
    from chalicelib.mail import Suppressed, Undeliverable

    try:
        delivery = sender(item)
    except Suppressed:
        delivery = Delivery("suppressed")
    except Undeliverable as error:
        delivery = Delivery("undeliverable", detail=str(error))
    except Exception as error:
        _failed(item, error)
        raise
    _finished(item, delivery)
    return delivery.state


def _owned(item: OutboxMessage) -> Any:
    """Only the sender whose claim is current records an outcome."""
    return (OutboxMessage.state == "sending") & (OutboxMessage.claimed_at == item.claimed_at)


def _finished(item: OutboxMessage, delivery: Delivery) -> None:
    now = utcnow()
    actions: list[Any] = [
        OutboxMessage.state.set(delivery.state),
        OutboxMessage.retry_watch.remove(),
        OutboxMessage.next_attempt_at.remove(),
        OutboxMessage.failed_at.remove(),
        OutboxMessage.expires_at.set(now + KEEP_FOR),
    ]
    if delivery.state == "sent":
        actions.append(OutboxMessage.sent_at.set(now))
    if delivery.channel:
        actions.append(OutboxMessage.channel.set(delivery.channel))
    if delivery.provider_id:
        actions.append(OutboxMessage.provider_id.set(delivery.provider_id))
    if delivery.detail:
        actions.append(OutboxMessage.last_error.set(delivery.detail[:MAX_ERROR]))
    _update(item, actions, _owned(item))


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after the n-th failed attempt, at most an hour."""
    exponent = min(max(attempts - 1, 0), 10)  # capped before it is computed
    return min(FIRST_RETRY * 2**exponent, LONGEST_WAIT)


def _failed(item: OutboxMessage, error: Exception) -> None:
    now = utcnow()
    logger.warning("message %s failed (attempt %s): %s", item.message_key, item.attempts, error)
    actions: list[Any] = [
        OutboxMessage.state.set("failed"),
        OutboxMessage.failed_at.set(now),
        OutboxMessage.last_error.set(f"{type(error).__name__}: {error}"[:MAX_ERROR]),
    ]
    if now - (item.retried_at or item.created_at) >= GIVE_UP_AFTER:
        actions += [OutboxMessage.gave_up_at.set(now), OutboxMessage.retry_watch.remove()]
        actions.append(OutboxMessage.next_attempt_at.remove())
    else:
        actions.append(OutboxMessage.next_attempt_at.set(now + backoff(int(item.attempts))))
    _update(item, actions, _owned(item))


def resend_due(now: datetime | None = None, limit: int = 200) -> dict[str, Any]:
    """Send again what is due: failed messages at their next attempt, abandoned claims after their lease."""
    now = now or utcnow()
    counts = {"due": 0, "sent": 0, "failed": 0, "skipped": 0, "other": 0}
    for due in OutboxMessage.due_index.query(DUE, OutboxMessage.next_attempt_at <= now, limit=limit):
        counts["due"] += 1
        item = _reclaim(due.company_id, due.message_key, now)
        if item is None:
            counts["skipped"] += 1  # someone else (a stream retry) took it meanwhile
            continue
        sender = _SENDERS.get(item.kind)
        try:
            if sender is None:
                raise LookupError(f"no sender for messages of kind {item.kind}")
            state = deliver(item, sender)
        except Exception:
            logger.exception("re-sending %s failed", item.message_key)
            counts["failed"] += 1
            continue
        counts["sent" if state == "sent" else "other"] += 1
    return {**counts, "as_of": iso(now)}


def failed_of(company_id: str, limit: int = 100) -> list[OutboxMessage]:
    """A company's messages whose last attempt failed, latest first."""
    return list(OutboxMessage.failed_by_company.query(company_id, scan_index_forward=False, limit=limit))


def retry(company_id: str, key: str, now: datetime | None = None) -> OutboxMessage:
    """A manager asks for a failed message to be sent again by the next re-send run."""
    now = now or utcnow()
    item = OutboxMessage(company_id, key)
    actions = [
        OutboxMessage.retry_watch.set(DUE),
        OutboxMessage.next_attempt_at.set(now),
        OutboxMessage.gave_up_at.remove(),
        OutboxMessage.retried_at.set(now),  # three more days of attempts from now
    ]
    if not _update(item, actions, OutboxMessage.state == "failed"):
        raise NotFound("Failed notification")
    return item


def view(item: OutboxMessage) -> Any:  # chalicelib/api/notifications.py NotificationOut
    return {
        "message_key": item.message_key,
        "kind": item.kind,
        "ticket_id": item.ticket_id,
        "recipient": item.recipient,
        "state": item.state,
        "attempts": int(item.attempts or 0),
        "last_error": item.last_error,
        "failed_at": iso(item.failed_at),
        "next_attempt_at": iso(item.next_attempt_at),
        "gave_up_at": iso(item.gave_up_at),
        "sent_at": iso(item.sent_at),
    }
