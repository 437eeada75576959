"""The managers' report counters: one small item per company and local day (and per agent, and per tip
currency and agent), one per company and month, counted as things happen.

Keys (range, within the company's partition, chalicelib/db/keys.py): `D#<day>#c` the company's day,
`D#<day>#a#<employee>` an agent's day, `D#<day>#t#<currency>#<employee>` an agent's tips in a currency,
`D#~` the all-time opened and closed tickets (sorted after every day), `X#<ticket>#<fact>` a record
already counted (TTL).
A period is one Query of its days (the backlog's runs on to `D#~`).
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.db.base import table_meta

# First reply and resolution, in open time: the buckets' upper bounds in seconds (the last is open-ended).
FIRST_REPLY_BUCKETS: tuple[int, ...] = (15 * 60, 60 * 60, 4 * 3600, 8 * 3600, 24 * 3600)
RESOLUTION_BUCKETS: tuple[int, ...] = (3600, 4 * 3600, 24 * 3600, 3 * 86400, 7 * 86400)

COUNTERS: tuple[str, ...] = (
    # tickets (company items; the month items carry opened and closed)
    "opened",
    "closed",
    "closed_auto",
    "reopened",
    # the karma mix of incoming customers (counts only)
    "karma_difficult",
    "karma_calm",
    "karma_neutral",
    "karma_literate",
    # first replies (company and agent items)
    "first_replies",
    "first_reply_seconds",
    *(f"first_reply_{n}" for n in range(len(FIRST_REPLY_BUCKETS) + 1)),
    "sla_target_missed",
    "sla_breached",
    # resolutions
    "resolutions",
    "resolution_seconds",
    *(f"resolution_{n}" for n in range(len(RESOLUTION_BUCKETS) + 1)),
    # customers' ratings of agents
    "ratings",
    "rating_points",
    *(f"stars_{n}" for n in range(1, 6)),
    # tips (tip items: one currency, one agent)
    "tips",
    "tip_minor",
    "tips_refunded",  # a refund takes the tip back (tips, tip_minor) on the day it was paid and counts here
    # the rating + tip message's funnel, on the day the ticket closed (company items): closed = entered it
    "funnel_closed",
    "funnel_emailed",
    "funnel_opened",
    "funnel_rated",
    "funnel_tip_clicked",
    "funnel_tip_paid",
)


class ReportItem(Model):
    Meta = table_meta("report_days")

    company_id = UnicodeAttribute(hash_key=True)
    item = UnicodeAttribute(range_key=True)
    expires_at = TTLAttribute(null=True)  # markers only

    opened = NumberAttribute(null=True)
    closed = NumberAttribute(null=True)
    closed_auto = NumberAttribute(null=True)
    reopened = NumberAttribute(null=True)
    karma_difficult = NumberAttribute(null=True)
    karma_calm = NumberAttribute(null=True)
    karma_neutral = NumberAttribute(null=True)
    karma_literate = NumberAttribute(null=True)
    first_replies = NumberAttribute(null=True)
    first_reply_seconds = NumberAttribute(null=True)
    first_reply_0 = NumberAttribute(null=True)
    first_reply_1 = NumberAttribute(null=True)
    first_reply_2 = NumberAttribute(null=True)
    first_reply_3 = NumberAttribute(null=True)
    first_reply_4 = NumberAttribute(null=True)
    first_reply_5 = NumberAttribute(null=True)
    sla_target_missed = NumberAttribute(null=True)
    sla_breached = NumberAttribute(null=True)
    resolutions = NumberAttribute(null=True)
    resolution_seconds = NumberAttribute(null=True)
    resolution_0 = NumberAttribute(null=True)
    resolution_1 = NumberAttribute(null=True)
    resolution_2 = NumberAttribute(null=True)
    resolution_3 = NumberAttribute(null=True)
    resolution_4 = NumberAttribute(null=True)
    resolution_5 = NumberAttribute(null=True)
    ratings = NumberAttribute(null=True)
    rating_points = NumberAttribute(null=True)
    stars_1 = NumberAttribute(null=True)
    stars_2 = NumberAttribute(null=True)
    stars_3 = NumberAttribute(null=True)
    stars_4 = NumberAttribute(null=True)
    stars_5 = NumberAttribute(null=True)
    tips = NumberAttribute(null=True)
    tip_minor = NumberAttribute(null=True)
    tips_refunded = NumberAttribute(null=True)
    funnel_closed = NumberAttribute(null=True)
    funnel_emailed = NumberAttribute(null=True)
    funnel_opened = NumberAttribute(null=True)
    funnel_rated = NumberAttribute(null=True)
    funnel_tip_clicked = NumberAttribute(null=True)
    funnel_tip_paid = NumberAttribute(null=True)

    def value(self, name: str) -> int:
        return int(self.attribute_values.get(name) or 0)

    def values(self, names: tuple[str, ...]) -> tuple[int, ...]:
        """The named counters (0 when absent). A year's report sums thousands of them: read from the stored
        values directly rather than through each attribute's descriptor (the counters' names are their
        attributes' names)."""
        return tuple([int(value) if value else 0 for value in map(self.attribute_values.get, names)])


def bucket(seconds: float, bounds: tuple[int, ...]) -> int:
    """The bucket a duration falls in (the index of the first bound above it; the last is open-ended)."""
    for index, bound in enumerate(bounds):
        if seconds < bound:
            return index
    return len(bounds)
