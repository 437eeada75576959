"""Counting report figures as things happen, exactly once.

Two ways in: figures of ticket changes come from the tickets stream (`chalicelib.reports.hooks`, on the
lifecycle's hooks), each record's figures written in one transaction with a marker keyed by the record's
sequence number, so a redelivered record finds its marker and counts nothing; figures of ratings, tips
and the rating message's funnel are written in the same transaction as the change itself (a rating saved
once, a tip paid once, a funnel mark set once), by the code that makes it, through `Tally`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.clock import local_day
from chalicelib.db import keys
from chalicelib.db.base import is_condition_failure, transaction
from chalicelib.reports.models import COUNTERS, ReportItem

MARKER_LIFETIME = timedelta(days=7)  # stream records are redelivered within 24 hours
COMPANY = "c"


def agent_scope(employee_id: str) -> str:
    return f"a#{employee_id}"


def tip_scope(currency: str, employee_id: str) -> str:
    return f"t#{currency}#{employee_id}"


@dataclass
class Tally:
    """Counters to add to a company's report items, written together (inside a caller's transaction, or
    in one of its own guarded by a marker)."""

    company_id: str
    timezone: str
    adds: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, item: str, **counters: int) -> Tally:
        bucket = self.adds.setdefault(item, {})
        for name, amount in counters.items():
            if name not in COUNTERS:
                raise ValueError(f"unknown report counter {name}")
            bucket[name] = bucket.get(name, 0) + int(amount)
        return self

    def day(self, moment: datetime) -> date:
        return local_day(moment, self.timezone)

    def company(self, moment: datetime, **counters: int) -> Tally:
        return self.add(keys.report_day(self.day(moment), COMPANY), **counters)

    def agent(self, moment: datetime, employee_id: str | None, **counters: int) -> Tally:
        if employee_id:
            self.add(keys.report_day(self.day(moment), agent_scope(employee_id)), **counters)
        return self

    def both(self, moment: datetime, employee_id: str | None, **counters: int) -> Tally:
        return self.company(moment, **counters).agent(moment, employee_id, **counters)

    def totals(self, **counters: int) -> Tally:
        """All-time counts (opened and closed: the backlog before any period is the difference)."""
        return self.add(keys.report_totals(), **counters)

    def tip(self, moment: datetime, currency: str, employee_id: str, **counters: int) -> Tally:
        return self.add(keys.report_day(self.day(moment), tip_scope(currency, employee_id)), **counters)

    def write_into(self, tx: TransactWrite) -> None:
        """Add the counters to `tx` (one update per item)."""
        for item, counters in self.adds.items():
            actions = [getattr(ReportItem, name).add(amount) for name, amount in counters.items() if amount]
            if actions:
                tx.update(ReportItem(self.company_id, item), actions=actions)

    def write_once(self, marker: str, now: datetime) -> bool:
        """Write the counters with `marker` in one transaction; False when the marker was there (counted)."""
        if not self.adds:
            return False
        try:
            with transaction() as tx:
                tx.save(
                    ReportItem(self.company_id, marker, expires_at=now + MARKER_LIFETIME),
                    condition=ReportItem.item.does_not_exist(),
                )
                self.write_into(tx)
        except TransactWriteError as error:
            if is_condition_failure(error):
                return False
            raise
        return True


# The company's time zone and calendar, cached per container: counting a record should not cost a read
# of the company each time. A changed calendar is seen within the cache's lifetime.
_COMPANIES: dict[str, tuple[float, Any]] = {}
CACHE_SECONDS = 300.0


def company_of(company_id: str) -> Any:
    """The company item (cached a few minutes)."""
    from chalicelib.db.models import Company

    cached = _COMPANIES.get(company_id)
    if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    company = Company.get(company_id)
    if len(_COMPANIES) > 1000:
        _COMPANIES.clear()
    _COMPANIES[company_id] = (time.monotonic(), company)
    return company


def tally_for(company_id: str, timezone: str | None = None) -> Tally:
    return Tally(company_id, timezone or company_of(company_id).timezone)


def funnel_mark(tally: Tally, closed_at: datetime, step: str) -> Tally:
    """A step of the rating message's funnel, counted on the day the ticket closed (its cohort)."""
    return tally.company(closed_at, **{f"funnel_{step}": 1})


def rating_counts(tally: Tally, rated_at: datetime, employee_id: str, stars: int, sign: int = 1) -> Tally:
    counters: Mapping[str, int] = {"ratings": sign, "rating_points": sign * stars, f"stars_{stars}": sign}
    return tally.both(rated_at, employee_id, **counters)


def tip_counts(tally: Tally, paid_at: datetime, currency: str, employee_id: str, minor: int, sign: int = 1) -> Tally:
    """A tip paid (sign 1) or refunded (sign -1: taken back from the day it was paid, counted as refunded)."""
    return tally.tip(paid_at, currency, employee_id, tips=sign, tip_minor=sign * minor, tips_refunded=int(sign < 0))
