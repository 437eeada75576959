"""The desk's pulse: has anything arrived for an agent since their page was drawn?

One small item per company and channel, written by the tickets stream (lifecycle hooks): a queue's
channel when a ticket enters it, an agent's channel when a customer replies on their ticket or a ticket
is transferred to them. An open workspace asks every 60 seconds while it is visible; the answer costs one
Query of the company's few channel items (plus the session's GetItem) and is 204 when nothing is newer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.models import Model

from chalicelib.db import keys
from chalicelib.db.base import is_condition_failure, table_meta
from chalicelib.db.models import Ticket

ARRIVED, REPLIED, TRANSFERRED = "arrived", "replied", "transferred"


class PulseChannel(Model):
    Meta = table_meta("desk_pulse")

    company_id = UnicodeAttribute(hash_key=True)
    channel = UnicodeAttribute(range_key=True)  # q#t<tier>#<department or -> | a#<employee id>
    stamp = UTCDateTimeAttribute()
    kind = UnicodeAttribute()
    ticket_id = UnicodeAttribute()
    subject = UnicodeAttribute(default="")


@dataclass(frozen=True)
class News:
    kind: str
    ticket_id: str
    subject: str
    stamp: datetime


def queue_channel(tier: int, department: str | None) -> str:
    return "q#" + keys.queue_of(tier, department)


def agent_channel(employee_id: str) -> str:
    return f"a#{employee_id}"


def channels_of(employee_id: str, tier: int, departments: list[str]) -> set[str]:
    return {agent_channel(employee_id)} | {queue_channel(tier, d) for d in [None, *departments]}


def _mark(ticket: Ticket, channel: str, kind: str, at: datetime) -> None:
    item = PulseChannel(ticket.company_id, channel)
    try:
        item.update(
            actions=[
                PulseChannel.stamp.set(at),
                PulseChannel.kind.set(kind),
                PulseChannel.ticket_id.set(ticket.ticket_id),
                PulseChannel.subject.set(ticket.subject[:120]),
            ],
            condition=PulseChannel.stamp.does_not_exist() | (PulseChannel.stamp < at),  # never backwards
        )
    except UpdateError as error:
        if not is_condition_failure(error):
            raise


def record(old: Ticket | None, new: Ticket, at: datetime) -> None:
    """The stream hook: mark the channels this change concerns."""
    if new.queue_key and (old is None or old.queue_key != new.queue_key):
        _mark(new, queue_channel(int(new.tier), new.department), ARRIVED, at)
    if (
        new.assignee_id
        and new.customer_replied_at
        and (old is None or old.customer_replied_at != new.customer_replied_at)
    ):
        _mark(new, agent_channel(new.assignee_id), REPLIED, at)
    elif (
        new.status == "assigned"
        and new.routing_reason == "transfer"
        and new.assignee_id
        and old is not None
        and old.assignee_id != new.assignee_id
    ):
        _mark(new, agent_channel(new.assignee_id), TRANSFERRED, at)


def news_since(company_id: str, channels: set[str], since: datetime) -> News | None:
    """The newest mark on one of `channels` later than `since`, if any (one Query)."""
    newest: PulseChannel | None = None
    for item in PulseChannel.query(company_id):
        if item.channel in channels and item.stamp > since and (newest is None or item.stamp > newest.stamp):
            newest = item
    if newest is None:
        return None
    return News(newest.kind, newest.ticket_id, newest.subject, newest.stamp)
