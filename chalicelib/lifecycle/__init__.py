"""Ticket lifecycle transitions, derived from the tickets table's stream.

The stream handler turns each record into transitions (created, taken, first_reply, transferred,
resolved, reopened, closed, sla flags), records them on the ticket's timeline and passes them to
the hooks other capabilities register: per transition (`on_transition`) or per record (`on_change`,
e.g. the customer and agent notifications of chalicelib/notify, which react to new messages too).
The timeline item's key comes from the record, so a redelivered record rewrites the same item.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from chalicelib.db import keys, paging
from chalicelib.db.models import LifecycleEvent, Ticket
from chalicelib.db.paging import PageOf
from chalicelib.streams import StreamRecord, process_batch


@dataclass(frozen=True)
class Transition:
    name: str
    ticket: Ticket
    previous: Ticket | None
    occurred_at: datetime
    sequence_number: str


@dataclass(frozen=True)
class TicketChange:
    """One stream record of the tickets table: the ticket before and after, and its transitions."""

    ticket: Ticket
    previous: Ticket | None
    transitions: tuple[str, ...]
    occurred_at: datetime
    sequence_number: str


Hook = Callable[[Transition], None]
ChangeHook = Callable[[TicketChange], None]
_HOOKS: dict[str, list[Hook]] = {}
_CHANGE_HOOKS: list[ChangeHook] = []
# Capabilities that react to ticket changes; imported on the first record, they register their hooks.
HOOK_MODULES = ("chalicelib.notify.hooks",)


def on_transition(name: str, hook: Hook) -> None:
    """Register `hook` to run for every transition called `name` (idempotent hooks only)."""
    if hook not in _HOOKS.setdefault(name, []):
        _HOOKS[name].append(hook)


def on_change(hook: ChangeHook) -> None:
    """Register `hook` to run for every inserted or modified ticket, with or without a transition (a new
    message is no transition); idempotent hooks only. A hook that raises fails the record, which the
    stream retries: every other step of the record must be idempotent too, and is."""
    if hook not in _CHANGE_HOOKS:
        _CHANGE_HOOKS.append(hook)


@functools.cache
def _load_hooks() -> None:
    for module in HOOK_MODULES:
        importlib.import_module(module)


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
    _load_hooks()
    images: Mapping[str, Any] = record["dynamodb"]
    new = Ticket.from_raw_data(images["NewImage"])
    old = Ticket.from_raw_data(images["OldImage"]) if images.get("OldImage") else None
    sequence = str(images["SequenceNumber"])
    occurred_at = new.updated_at.astimezone(UTC)
    names = transitions_of(old, new)
    for name in names:
        LifecycleEvent(
            keys.ticket(new.company_id, new.ticket_id),
            f"{occurred_at.isoformat(timespec='microseconds')}#{sequence}#{name}",
            company_id=new.company_id,
            transition=name,
            from_status=old.status if old else None,
            to_status=new.status,
            actor_id=_actor(name, new),
            occurred_at=occurred_at,
        ).save()
        for hook in _HOOKS.get(name, []):
            hook(Transition(name, new, old, occurred_at, sequence))
    for change_hook in _CHANGE_HOOKS:
        change_hook(TicketChange(new, old, tuple(names), occurred_at, sequence))


def handle_ticket_stream(event: Mapping[str, Any]) -> dict[str, Any]:
    return process_batch(event, handle_record)


def timeline(company_id: str, ticket_id: str) -> list[LifecycleEvent]:
    return list(LifecycleEvent.query(keys.ticket(company_id, ticket_id)))


def timeline_page(company_id: str, ticket_id: str, limit: int, cursor: str | None) -> PageOf[LifecycleEvent]:
    key = keys.ticket(company_id, ticket_id)

    def run(start: dict[str, Any] | None, page_size: int) -> Any:
        return LifecycleEvent.query(key, last_evaluated_key=start, page_size=page_size)

    return paging.page(f"timeline:{key}", cursor, limit, run)
