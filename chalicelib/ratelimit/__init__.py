"""Fixed-window rate limits in DynamoDB: one conditional UpdateItem per check, counters that expire by TTL.

A limit counts something (a scope, e.g. "form-address") per subject (an address, a client IP: stored only
as a keyed hash) per company, in fixed windows. `allow` adds one to the window's counter unless it has
reached the limit, in one request; the counter item lives two windows, then DynamoDB's TTL deletes it.
Reusable by anything public that costs us something per call: the web form, the portal's link requests,
the JSON intake, sign-in mails, inbound mail per sender.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.models import Model

from chalicelib.clock import utcnow
from chalicelib.db import keys
from chalicelib.db.base import is_condition_failure, table_meta
from chalicelib.errors import DomainError
from chalicelib.keys import keyed_hash


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


def allow(company_id: str, limit: Limit, subject: str, now: datetime | None = None) -> bool:
    """Count one for `subject`; False (and nothing counted) when its window is full."""
    now = now or utcnow()
    index, window_end = _window(limit, now)
    hashed = keyed_hash("rate-limit", subject.strip().lower())[:32]
    counter = RateCounter(keys.rate_window(company_id, limit.scope, hashed, index))
    try:
        counter.update(
            actions=[RateCounter.hits.add(1), RateCounter.expires_at.set(window_end + limit.window)],
            condition=RateCounter.hits.does_not_exist() | (RateCounter.hits < limit.limit),
        )
    except UpdateError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


def require(company_id: str, checks: Sequence[tuple[Limit, str | None]], now: datetime | None = None) -> None:
    """`allow` each (limit, subject) with a subject; RateLimited for the first that is full."""
    now = now or utcnow()
    for limit, subject in checks:
        if subject and not allow(company_id, limit, subject, now):
            _, window_end = _window(limit, now)
            raise RateLimited(int((window_end - now).total_seconds()) + 1)
