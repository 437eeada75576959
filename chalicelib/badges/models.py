"""Tables of the badges capability; every key starts with the company.

- `badge_config`: one item per company: its overrides of the default badges, its own badges and
  its level formulas (optimistic locking by `version`).
- `badge_awards`: per company, three kinds of item told apart by the sort key:
  `award#<day>#<badge>` (history: who won, with what figure; written once, conditionally),
  `holder#<badge>` (who holds the badge now, since when) and `run#<day>` (the job's marker).
- `badge_standings`: per company and employee: lifetime totals (for levels), badges won, points,
  the level reached (never lowered) and the last day counted into the totals.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.models import Model

from chalicelib.db.base import table_meta

AWARD = "award#"
HOLDER = "holder#"
RUN = "run#"


class BadgeConfig(Model):
    Meta = table_meta("badge_config")

    company_id = UnicodeAttribute(hash_key=True)
    overrides = JSONAttribute(default=dict)  # badge key -> {name, enabled, window, min_value, points}
    custom = JSONAttribute(default=list)  # rules of the company's own badges
    levels = JSONAttribute(null=True)  # [{name, formula}] x 12; None: the defaults
    version = NumberAttribute(default=0)
    updated_at = UTCDateTimeAttribute(null=True)


class BadgeRecord(Model):
    Meta = table_meta("badge_awards")

    company_id = UnicodeAttribute(hash_key=True)
    record = UnicodeAttribute(range_key=True)
    badge = UnicodeAttribute(null=True)
    day = UnicodeAttribute(null=True)  # the evaluated day (award, holder) or the run's day
    employee_id = UnicodeAttribute(null=True)
    figure = NumberAttribute(null=True)
    activity = NumberAttribute(null=True)
    name = UnicodeAttribute(null=True)  # the badge's name when it was awarded
    positive = BooleanAttribute(null=True)
    points = NumberAttribute(null=True)
    since = UnicodeAttribute(null=True)  # holder: first day of the current holding
    status = UnicodeAttribute(null=True)  # run: started | done
    summary = JSONAttribute(null=True)  # run: what was awarded
    updated_at = UTCDateTimeAttribute(null=True)


class Standing(Model):
    Meta = table_meta("badge_standings")

    company_id = UnicodeAttribute(hash_key=True)
    employee_id = UnicodeAttribute(range_key=True)
    totals = JSONAttribute(default=dict)  # lifetime sums of counters (maxima of extremes), days_active
    counted_through = UnicodeAttribute(null=True)  # the last day added to totals (YYYY-MM-DD)
    badges_won = JSONAttribute(default=dict)  # badge key -> times won
    points = NumberAttribute(default=0)
    level = NumberAttribute(default=1)
    version = NumberAttribute(default=0)
    updated_at = UTCDateTimeAttribute(null=True)
