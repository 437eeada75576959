"""Ticket lifecycle transitions, derived from the tickets table's stream.

The stream handler turns each record into transitions (created, taken, first_reply, transferred,
resolved, reopened, closed, sla flags), records them on the ticket's timeline and passes them to
the hooks other capabilities register (e.g. the tip e-mail on a confirmed close). The timeline
item's key comes from the record, so a redelivered record rewrites the same item.

A ticket opened with `timeline_in_thread` keeps its timeline in its thread's partition of the messages
table (ThreadEvent, sort keys after every message's), so the agent's ticket page reads both in one Query;
a ticket opened before keeps it in the lifecycle table, where its events go on being written and read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from chalicelib.db import keys, paging
from chalicelib.db.models import LifecycleEvent, Message, ThreadEvent, Ticket
from chalicelib.db.paging import PageOf
from chalicelib.streams import StreamRecord, process_batch


@dataclass(frozen=True)
class Transition:
    name: str
    ticket: Ticket
    previous: Ticket | None
    occurred_at: datetime
    sequence_number: str


Hook = Callable[[Transition], None]
_HOOKS: dict[str, list[Hook]] = {}
# Every change of a ticket (old image or None, new image, when): for reactions that are not transitions
# (a tag, a customer's message), e.g. the desk's search index and pulse. Idempotent hooks only.
ChangeHook = Callable[[Ticket | None, Ticket, datetime], None]
_CHANGE_HOOKS: list[ChangeHook] = []
# Modules that register hooks, imported by the stream handler before its first record.
HOOK_MODULES = ("chalicelib.desk.reactions", "chalicelib.notify.hooks", "chalicelib.reports.hooks")


def on_transition(name: str, hook: Hook) -> None:
    """Register `hook` to run for every transition called `name` (idempotent hooks only)."""
    if hook not in _HOOKS.setdefault(name, []):
        _HOOKS[name].append(hook)


def on_change(hook: ChangeHook) -> None:
    """Register `hook` to run for every change of a ticket (inserts and modifications). A hook that raises
    fails the record, which the stream retries: every step of a record must be idempotent, and is."""
    if hook not in _CHANGE_HOOKS:
        _CHANGE_HOOKS.append(hook)


def _load_hook_modules() -> None:
    import importlib

    for name in HOOK_MODULES:
        importlib.import_module(name)


def transitions_of(old: Ticket | None, new: Ticket) -> list[str]:
    if old is None:
        return ["created"]
    found: list[str] = []
    if old.status != new.status:
        found.append(
            {
                ("queued", "assigned"): "taken",
                ("assigned", "queued"): "transferred",
                ("assigned", "resolved"): "resolved",
                ("resolved", "assigned"): "reopened",
                ("resolved", "queued"): "reopened",
            }.get((old.status, new.status), "closed" if new.status == "closed" else "status_changed")
        )
    elif new.status == "assigned" and old.assignee_id != new.assignee_id:
        found.append("transferred")
    if old.first_reply_at is None and new.first_reply_at is not None:
        found.append("first_reply")
    if old.sla_flag != new.sla_flag and new.sla_flag:
        found.append(f"sla_{new.sla_flag}")
    return found


def _actor(name: str, ticket: Ticket) -> str | None:
    if name == "first_reply":
        return ticket.first_reply_by
    if name == "resolved":
        return ticket.resolved_by
    if name in ("taken", "transferred"):
        return ticket.assignee_id
    return None


def handle_record(record: StreamRecord) -> None:
    if record.get("eventName") not in ("INSERT", "MODIFY"):
        return
    images: Mapping[str, Any] = record["dynamodb"]
    new = Ticket.from_raw_data(images["NewImage"])
    old = Ticket.from_raw_data(images["OldImage"]) if images.get("OldImage") else None
    sequence = str(images["SequenceNumber"])
    occurred_at = new.updated_at.astimezone(UTC)
    for name in transitions_of(old, new):
        moment = occurred_at.isoformat(timespec="microseconds")
        event = (
            ThreadEvent(keys.ticket(new.company_id, new.ticket_id), keys.thread_event(moment, sequence, name))
            if new.timeline_in_thread
            else LifecycleEvent(keys.ticket(new.company_id, new.ticket_id), f"{moment}#{sequence}#{name}")
        )
        event.company_id = new.company_id
        event.transition = name
        event.from_status = old.status if old else None
        event.to_status = new.status
        event.actor_id = _actor(name, new)
        event.occurred_at = occurred_at
        event.save()
        for hook in _HOOKS.get(name, []):
            hook(Transition(name, new, old, occurred_at, sequence))
    for change_hook in _CHANGE_HOOKS:
        change_hook(old, new, occurred_at)


def handle_ticket_stream(event: Mapping[str, Any]) -> dict[str, Any]:
    _load_hook_modules()
    return process_batch(event, handle_record)


Event = ThreadEvent | LifecycleEvent  # the same fields (TimelineEventFields), in the thread or the lifecycle table


def _events(ticket: Ticket, **query: Any) -> Any:
    key = keys.ticket(ticket.company_id, ticket.ticket_id)
    if ticket.timeline_in_thread:
        return ThreadEvent.query(key, ThreadEvent.message_id.startswith(keys.THREAD_EVENT), **query)
    return LifecycleEvent.query(key, **query)


def timeline(ticket: Ticket) -> list[Event]:
    """The ticket's lifecycle events in order (one Query where the ticket keeps them)."""
    return list(_events(ticket))


def timeline_page(ticket: Ticket, limit: int, cursor: str | None) -> PageOf[Event]:
    key = keys.ticket(ticket.company_id, ticket.ticket_id)

    def run(start: dict[str, Any] | None, page_size: int) -> Any:
        return _events(ticket, last_evaluated_key=start, page_size=page_size)

    return paging.page(f"timeline:{key}", cursor, limit, run)


def thread_and_timeline(ticket: Ticket) -> tuple[list[Message], list[Event]]:
    """The ticket's messages (notes included) and its lifecycle events, each in order: one Query of its
    thread's partition for a ticket that keeps its timeline there, else a Query of each table."""
    if not ticket.timeline_in_thread:
        from chalicelib.tickets.service import messages

        return messages(ticket.company_id, ticket.ticket_id, public_only=False), timeline(ticket)
    thread: list[Message] = []
    events: list[Event] = []
    for item in _partition(keys.ticket(ticket.company_id, ticket.ticket_id)):
        if item["message_id"]["S"].startswith(keys.THREAD_EVENT):
            events.append(ThreadEvent.from_raw_data(item))
        else:
            thread.append(Message.from_raw_data(item))
    return thread, events


def _partition(key: str) -> Any:
    """Every item of a thread's partition, raw, in sort-key order (a page at a time)."""
    connection = Message._get_connection()
    start = None
    while True:
        answer = connection.query(key, exclusive_start_key=start, scan_index_forward=True)
        yield from answer.get("Items", [])
        start = answer.get("LastEvaluatedKey")
        if not start:
            return
