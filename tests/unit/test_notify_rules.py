"""Which notifications a ticket's change calls for, from the two stream images alone."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

from chalicelib.db.models import Ticket
from chalicelib.notify import ASSIGNED, CUSTOMER_WROTE, MERGED, RECEIVED, REPLY, RESOLVED
from chalicelib.notify.hooks import notices_for
from chalicelib.outbox import backoff

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def ticket(**fields: object) -> Ticket:
    base: dict[str, object] = {
        "customer_id": "cu_1",
        "customer_key": "co_1#cu_1",
        "subject": "Printer",
        "subject_key": "printer",
        "channel": "web",
        "status": "queued",
        "created_at": NOW,
        "updated_at": NOW,
        "sla_target_at": NOW,
        "sla_limit_at": NOW,
        "last_public_key": "m1",
        "last_public_author": "customer",
        "last_intake_key": "m1",
    }
    base.update(fields)
    return Ticket("co_1", "tkt_" + "a" * 32, **base)


def changed(before: Ticket, **fields: object) -> Ticket:
    after = copy.deepcopy(before)
    for name, value in fields.items():
        setattr(after, name, value)
    return after


def kinds(before: Ticket | None, after: Ticket) -> list[str]:
    return [n.kind for n in notices_for(before, after)]


def test_a_new_ticket_tells_the_customer_it_was_received() -> None:
    [notice] = notices_for(None, ticket())
    assert (notice.kind, notice.event_key, notice.recipient, notice.message_key) == (
        RECEIVED,
        "received",
        "customer",
        "m1",
    )


def test_an_agents_public_reply_goes_to_the_customer_and_a_note_or_a_take_to_nobody() -> None:
    taken = ticket(status="assigned", assignee_id="emp_a")
    assert kinds(ticket(), taken) == []
    assert kinds(taken, changed(taken, message_count=2)) == []  # an internal note changes no message field
    reply = changed(taken, last_public_key="m2", last_public_author="agent", last_public_by="emp_a")
    [notice] = notices_for(taken, reply)
    assert (notice.kind, notice.event_key, notice.message_key) == (REPLY, "reply:m2", "m2")


def test_a_customer_writing_again_tells_the_assignee_and_a_merged_intake_also_the_customer() -> None:
    taken = ticket(status="assigned", assignee_id="emp_a")
    by_page = changed(taken, last_public_key="m2")
    assert kinds(taken, by_page) == [CUSTOMER_WROTE]
    assert notices_for(taken, by_page)[0].recipient == "emp_a"
    merged = changed(taken, last_public_key="m3", last_intake_key="m3")
    assert kinds(taken, merged) == [MERGED, CUSTOMER_WROTE]
    waiting = ticket()
    assert kinds(waiting, changed(waiting, last_public_key="m4", last_intake_key="m4")) == [MERGED]


def test_each_resolution_is_its_own_message_and_a_transfer_to_an_agent_tells_them() -> None:
    taken = ticket(status="assigned", assignee_id="emp_a")
    first = changed(taken, status="resolved", resolved_at=NOW)
    second = changed(taken, status="resolved", resolved_at=NOW + timedelta(microseconds=5))
    [a], [b] = notices_for(taken, first), notices_for(taken, second)
    assert a.kind == b.kind == RESOLVED and a.event_key != b.event_key
    moved = changed(taken, assignee_id="emp_b", transferred_at=NOW, transferred_by="emp_a")
    [notice] = notices_for(taken, moved)
    assert (notice.kind, notice.recipient) == (ASSIGNED, "emp_b")
    to_queue = changed(taken, status="queued", assignee_id=None)
    assert kinds(taken, to_queue) == []


def test_retries_back_off_from_a_minute_to_at_most_an_hour() -> None:
    assert [backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4, 7, 8, 500)] == [1, 2, 4, 8, 60, 60, 60]
