"""Per-agent, per-day activity: counters and extremes recorded as work happens.

One item per (company, local day, agent), updated atomically, so the badge job reads
agents x days and never the event history. Sets of ticket ids make "distinct tickets" counts
idempotent: transferring or tagging the same ticket back and forth counts once a day.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from chalicelib.clock import local_day
from chalicelib.db import keys
from chalicelib.db.base import is_condition_failure, table_meta

# Counters the foundation records; the badge rules and level formulas may use any of them.
COUNTERS: tuple[str, ...] = (
    "taken",
    "replies",
    "reply_chars",
    "notes",
    "transfers",
    "tags_added",
    "resolutions",
    "breaks",
    "break_seconds",
    "online_seconds",
    "dnd_seconds",
    "first_responses",
    "first_response_seconds",
    "chat_first_responses",
    "chat_first_response_seconds",
    "handled",
    "handling_seconds",
    "chats_handled",
    "calls",
    "call_seconds",
    # customers' ratings of the agent (1-5 stars; positive >= 4, negative <= 2) and tips received
    "ratings",
    "rating_points",
    "positive_ratings",
    "negative_ratings",
    "tips",
    "tip_amount",
    "rewards",  # positive ratings + tips
    "difficult_taken",  # tickets of customers whose karma says difficult (routing balances these)
)
# Highest single values of the day.
EXTREMES: tuple[str, ...] = ("longest_reply", "chat_max_messages", "longest_call")
# Distinct tickets per day (anti-gaming): their size is the metric.
DISTINCT: tuple[str, ...] = ("transferred_tickets", "tagged_tickets", "resolved_tickets")


class AgentDay(Model):
    Meta = table_meta("agent_days")

    company_day = UnicodeAttribute(hash_key=True)  # company_id#YYYY-MM-DD (company's time zone)
    employee_id = UnicodeAttribute(range_key=True)

    taken = NumberAttribute(null=True)
    replies = NumberAttribute(null=True)
    reply_chars = NumberAttribute(null=True)
    notes = NumberAttribute(null=True)
    transfers = NumberAttribute(null=True)
    tags_added = NumberAttribute(null=True)
    resolutions = NumberAttribute(null=True)
    breaks = NumberAttribute(null=True)
    break_seconds = NumberAttribute(null=True)
    online_seconds = NumberAttribute(null=True)
    dnd_seconds = NumberAttribute(null=True)
    first_responses = NumberAttribute(null=True)
    first_response_seconds = NumberAttribute(null=True)
    chat_first_responses = NumberAttribute(null=True)
    chat_first_response_seconds = NumberAttribute(null=True)
    handled = NumberAttribute(null=True)
    handling_seconds = NumberAttribute(null=True)
    chats_handled = NumberAttribute(null=True)
    calls = NumberAttribute(null=True)
    call_seconds = NumberAttribute(null=True)
    ratings = NumberAttribute(null=True)
    rating_points = NumberAttribute(null=True)
    positive_ratings = NumberAttribute(null=True)
    negative_ratings = NumberAttribute(null=True)
    tips = NumberAttribute(null=True)
    tip_amount = NumberAttribute(null=True)
    rewards = NumberAttribute(null=True)
    difficult_taken = NumberAttribute(null=True)

    longest_reply = NumberAttribute(null=True)
    chat_max_messages = NumberAttribute(null=True)
    longest_call = NumberAttribute(null=True)

    transferred_tickets = UnicodeSetAttribute(null=True)
    tagged_tickets = UnicodeSetAttribute(null=True)
    resolved_tickets = UnicodeSetAttribute(null=True)


def day_key(company_id: str, day: date) -> str:
    return keys.company_day(company_id, day)


def key_for(company_id: str, timezone: str, at: datetime) -> str:
    return day_key(company_id, local_day(at, timezone))


def counter_actions(
    counters: Mapping[str, float] | None = None, distinct: Mapping[str, str] | None = None
) -> list[Action]:
    """Update actions that ADD counters and distinct ticket ids; usable inside a transaction."""
    actions: list[Action] = []
    for name, amount in (counters or {}).items():
        if name not in COUNTERS:
            raise ValueError(f"unknown activity counter {name}")
        actions.append(getattr(AgentDay, name).add(amount))
    for name, ticket_id in (distinct or {}).items():
        if name not in DISTINCT:
            raise ValueError(f"unknown distinct set {name}")
        actions.append(getattr(AgentDay, name).add({ticket_id}))
    return actions


# The lowest each extreme is known to stand at, as this container wrote or was refused. Stored extremes
# only grow, so a value not above it cannot change the item and its write is skipped (most replies are
# not the day's longest). A cache that may vanish: losing it costs one conditional write, never a value.
_KNOWN_AT_LEAST: dict[tuple[str, str, str], float] = {}
_KNOWN_LIMIT = 4096


def raise_extreme(company_day: str, employee_id: str, name: str, value: float) -> None:
    """Keep the day's highest value: a conditional SET that does nothing when not higher."""
    if name not in EXTREMES:
        raise ValueError(f"unknown activity extreme {name}")
    known = (company_day, employee_id, name)
    if _KNOWN_AT_LEAST.get(known, float("-inf")) >= value:
        return
    attribute = getattr(AgentDay, name)
    try:
        AgentDay(company_day, employee_id).update(
            actions=[attribute.set(value)],
            condition=attribute.does_not_exist() | (attribute < value),
        )
    except UpdateError as error:
        if not is_condition_failure(error):
            raise
    if len(_KNOWN_AT_LEAST) >= _KNOWN_LIMIT:
        _KNOWN_AT_LEAST.clear()
    _KNOWN_AT_LEAST[known] = value  # written, or refused because the item already holds at least this


def raise_actions(item: AgentDay | None, extremes: Mapping[str, float]) -> tuple[list[Action], Any]:
    """For a transaction that has read the day's item: the actions raising the extremes it holds lower
    (none for those it already holds as high), and the condition that it still does when written (else
    the transaction fails and the caller reads again)."""
    actions: list[Action] = []
    condition: Any = None
    for name, value in extremes.items():
        if name not in EXTREMES:
            raise ValueError(f"unknown activity extreme {name}")
        attribute = getattr(AgentDay, name)
        held = getattr(item, name, None) if item is not None else None
        if held is not None and float(held) >= value:
            continue
        actions.append(attribute.set(value))
        still = attribute.does_not_exist() if held is None else attribute == held
        condition = still if condition is None else condition & still
    return actions, condition


def record(
    company_day: str,
    employee_id: str,
    counters: Mapping[str, float] | None = None,
    distinct: Mapping[str, str] | None = None,
    extremes: Mapping[str, float] | None = None,
) -> None:
    """Record counters outside a transaction (one UpdateItem), then any new extremes."""
    actions = counter_actions(counters, distinct)
    if actions:
        AgentDay(company_day, employee_id).update(actions=actions)
    for name, value in (extremes or {}).items():
        raise_extreme(company_day, employee_id, name, value)


def metric_value(item: AgentDay, metric: str) -> float:
    """A metric of one agent-day: a counter, an extreme, or the size of a distinct set."""
    value: Any = getattr(item, metric, None)
    if metric in DISTINCT:
        return float(len(value or ()))
    return float(value or 0)


def read_days(company_id: str, days: list[date], employee_ids: list[str] | None = None) -> list[AgentDay]:
    """All agent-day items of a company for the given days: one Query per day."""
    items: list[AgentDay] = []
    for day in days:
        for item in AgentDay.query(day_key(company_id, day)):
            if employee_ids is None or item.employee_id in employee_ids:
                items.append(item)
    return items
