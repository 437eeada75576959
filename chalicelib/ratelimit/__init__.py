"""Fixed-window rate limits in DynamoDB: one conditional UpdateItem per check, counters that expire by TTL.

A limit counts something (a scope, e.g. "form-address") per subject (an address, a client IP: stored only
as a keyed hash) per company, in fixed windows. `allow` adds one to the window's counter unless it has
reached the limit, in one request; the counter item lives two windows, then DynamoDB's TTL deletes it.
Where the counted thing is itself one transaction (a ticket from the intake or the web form, the portal's
mail, sign-in links), `charges`
gives the same conditional adds as items of that TransactWriteItems (`add_to`): the counters and the write
they guard commit together, so a refused request changes nothing and costs no request of its own
(`refusal` tells which limit refused).
Reusable by anything public that costs us something per call: the web form, the portal's link requests,
the JSON intake, sign-in mails and sign-ups (limits no one company owns: `SITE` in place of a company),
inbound mail per sender.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.clock import utcnow
from chalicelib.db import keys
from chalicelib.db.base import is_condition_failure, table_meta
from chalicelib.errors import DomainError
from chalicelib.keys import keyed_hash

# The company part of a counter that belongs to no one company (sign-in mails go to every company of an
# address; sign-ups make companies). Company ids are "co_…", so it never meets a company's counter.
SITE = "site"


class RateCounter(Model):
    Meta = table_meta("rate_limits")

    counter_key = UnicodeAttribute(hash_key=True)  # keys.rate_window(company, scope, hashed subject, window)
    hits = NumberAttribute(default=0)
    expires_at = TTLAttribute()


@dataclass(frozen=True)
class Limit:
    scope: str
    limit: int
    window: timedelta


class RateLimited(DomainError):
    def __init__(self, retry_after: int) -> None:
        minutes = max(1, round(retry_after / 60))
        super().__init__(
            f"Too many requests. Please try again in {minutes} minute(s).", 429, "rate-limited", "Too many requests"
        )
        self.retry_after = retry_after


def _window(limit: Limit, now: datetime) -> tuple[int, datetime]:
    seconds = int(limit.window.total_seconds())
    index = int(now.timestamp()) // seconds
    return index, datetime.fromtimestamp((index + 1) * seconds, tz=now.tzinfo)


@dataclass(frozen=True)
class Charge:
    """One for a subject on its window's counter, unless the window is full: the conditional update, ready
    to run alone (`allow`) or as an item of the caller's transaction (`add_to`)."""

    counter: RateCounter
    actions: list[Any]
    condition: Condition
    retry_after: int  # seconds until the window ends, for the refusal


def charge(company_id: str, limit: Limit, subject: str, now: datetime | None = None) -> Charge:
    now = now or utcnow()
    index, window_end = _window(limit, now)
    hashed = keyed_hash("rate-limit", subject.strip().lower())[:32]
    return Charge(
        RateCounter(keys.rate_window(company_id, limit.scope, hashed, index)),
        [RateCounter.hits.add(1), RateCounter.expires_at.set(window_end + limit.window)],
        RateCounter.hits.does_not_exist() | (RateCounter.hits < limit.limit),
        int((window_end - now).total_seconds()) + 1,
    )


def charges(company_id: str, checks: Sequence[tuple[Limit, str | None]], now: datetime | None = None) -> list[Charge]:
    """A charge for each (limit, subject) with a subject, for one transaction (`add_to`)."""
    now = now or utcnow()
    return [charge(company_id, limit, subject, now) for limit, subject in checks if subject]


def add_to(tx: TransactWrite, found: Sequence[Charge]) -> None:
    """Put the charges into `tx`. A refused one returns its counter in the cancellation reasons (the
    items' order in the request is PynamoDB's, by kind), which is how `refusal` knows it."""
    for item in found:
        tx.update(item.counter, actions=item.actions, condition=item.condition, return_values="ALL_OLD")


def refusal(error: TransactWriteError, found: Sequence[Charge]) -> RateLimited | None:
    """RateLimited when the transaction was cancelled because one of the charges' windows is full."""
    by_key = {item.counter.counter_key: item for item in found}
    for reason in error.cancellation_reasons or []:
        if reason is None or reason.code != "ConditionalCheckFailed" or not reason.raw_item:
            continue
        refused = by_key.get(reason.raw_item.get("counter_key", {}).get("S", ""))
        if refused is not None:
            return RateLimited(refused.retry_after)
    return None


def allow(company_id: str, limit: Limit, subject: str, now: datetime | None = None) -> bool:
    """Count one for `subject`; False (and nothing counted) when its window is full."""
    item = charge(company_id, limit, subject, now)
    try:
        item.counter.update(actions=item.actions, condition=item.condition)
    except UpdateError as error:
        if is_condition_failure(error):
            return False
        raise
    return True
