"""Managers' tip figures by day, counted as things happen, so a period's summary is one Query.

One partition per company, rows sorted by the company-local day:

- `<day>#f`: the funnel of tickets closed that day (closed, emailed, opened, rated, tip_clicked,
  tip_paid), each counted by the write that sets the funnel's mark, in the same transaction;
- `<day>#e#<employee>`: customers' ratings of the employee given that day (count, stars; a voided
  rating is taken back from the day it was given);
- `<day>#t#<employee>#<currency>`: tips paid to the employee that day (count, refunded, amount in minor
  units; a refund moves the tip from paid to refunded on the day it was paid).

Writers call these functions inside their own transaction (`tx`), so a figure never counts a change that
was not written, nor twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pynamodb.transactions import TransactWrite

from chalicelib.clock import local_day
from chalicelib.tips.models import TipDay

FUNNEL = ("closed", "emailed", "opened", "rated", "tip_clicked", "tip_paid")
_FUNNEL_ROW = "f"
_RATINGS_ROW = "e"
_TIPS_ROW = "t"


def _add(tx: TransactWrite, company_id: str, row: str, counters: Mapping[str, int], **labels: str) -> None:
    actions: list[Any] = [getattr(TipDay, name).add(amount) for name, amount in counters.items()]
    actions += [getattr(TipDay, name).set(value) for name, value in labels.items()]
    tx.update(TipDay(company_id, row), actions=actions)


def funnel_mark(tx: TransactWrite, company_id: str, timezone: str, closed_at: datetime, *marks: str) -> None:
    """Count one ticket's funnel marks (`closed` when its funnel item is made) on the day it closed, in one
    update (a transaction may not touch the day's row twice)."""
    unknown = [mark for mark in marks if mark not in FUNNEL]
    if unknown or not marks:
        raise ValueError(f"unknown funnel marks {unknown}")
    day = local_day(closed_at, timezone)
    _add(tx, company_id, f"{day.isoformat()}#{_FUNNEL_ROW}", dict.fromkeys(marks, 1), day=day.isoformat())


def rating(tx: TransactWrite, company_id: str, day: date, employee_id: str, stars: int, sign: int) -> None:
    """A customer's rating given (sign 1) or voided (sign -1) on `day`."""
    row = f"{day.isoformat()}#{_RATINGS_ROW}#{employee_id}"
    _add(tx, company_id, row, {"ratings": sign, "stars": sign * stars}, day=day.isoformat(), employee_id=employee_id)


def tip(tx: TransactWrite, company_id: str, day: date, employee_id: str, currency: str, minor: int, paid: bool) -> None:
    """A tip paid on `day` (paid) or refunded (not paid: moved from paid to refunded on its day)."""
    row = f"{day.isoformat()}#{_TIPS_ROW}#{employee_id}#{currency}"
    counters = {"tips": 1, "amount_minor": minor} if paid else {"tips": -1, "refunded": 1, "amount_minor": -minor}
    _add(tx, company_id, row, counters, day=day.isoformat(), employee_id=employee_id, currency=currency)


@dataclass
class Period:
    """A period's figures, summed from its rows."""

    funnel: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FUNNEL, 0))
    tips_per_day: dict[str, int] = field(default_factory=dict)
    # employee id -> {"tips", "refunded", "ratings", "stars", "amount": {currency: minor}}
    by_employee: dict[str, dict[str, Any]] = field(default_factory=dict)
    amount: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def employee(self, employee_id: str) -> dict[str, Any]:
        return self.by_employee.setdefault(
            employee_id, {"tips": 0, "refunded": 0, "ratings": 0, "stars": 0, "amount": defaultdict(int)}
        )


def period(company_id: str, first: date, last: date) -> Period:
    """The figures of the days `first`..`last` (company time): one Query."""
    found = Period()
    rows = TipDay.query(company_id, TipDay.row.between(f"{first.isoformat()}#", f"{last.isoformat()}#~"))
    for item in rows:
        _, kind, *_rest = item.row.split("#")
        if kind == _FUNNEL_ROW:
            for mark in FUNNEL:
                found.funnel[mark] += int(getattr(item, mark) or 0)
        elif kind == _RATINGS_ROW and item.employee_id:
            entry = found.employee(item.employee_id)
            entry["ratings"] += int(item.ratings or 0)
            entry["stars"] += int(item.stars or 0)
        elif kind == _TIPS_ROW and item.employee_id and item.currency:
            entry = found.employee(item.employee_id)
            tips, minor = int(item.tips or 0), int(item.amount_minor or 0)
            entry["tips"] += tips
            entry["refunded"] += int(item.refunded or 0)
            entry["amount"][item.currency] += minor
            found.amount[item.currency] += minor
            found.tips_per_day[str(item.day)] = found.tips_per_day.get(str(item.day), 0) + tips
    return found
