"""Tables of the karma capability.

`CustomerRating`: one item per (ticket, agent), under the customer's key so that everything about one
customer is one Query (karma recompute, export, erase). Its stream feeds the karma update.
`Karma`: one item per (company, customer): weighted sums from which scores are computed at read time,
plus `applied`, the version of each rating it was computed from (the redelivery guard).
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.constants import STREAM_NEW_AND_OLD_IMAGE
from pynamodb.models import Model

from chalicelib.db.base import table_meta

ACTIVE = "active"
VOIDED = "voided"


class CustomerRating(Model):
    Meta = table_meta("customer_ratings", stream_view_type=STREAM_NEW_AND_OLD_IMAGE)

    customer_key = UnicodeAttribute(hash_key=True)  # company_id#customer_id
    rating_key = UnicodeAttribute(range_key=True)  # ticket_id#employee_id: one per ticket per agent
    company_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    ticket_id = UnicodeAttribute()
    employee_id = UnicodeAttribute()
    literacy = NumberAttribute()  # 1-5
    temperament = NumberAttribute()  # 1 = stormy ... 5 = calm
    note = UnicodeAttribute(null=True)  # private: agents and managers only
    status = UnicodeAttribute(default=ACTIVE)  # active | voided
    rated_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    voided_at = UTCDateTimeAttribute(null=True)
    voided_by = UnicodeAttribute(null=True)
    version = NumberAttribute(default=1)  # bumped by every change; the karma update's guard


class Karma(Model):
    Meta = table_meta("karma")

    company_id = UnicodeAttribute(hash_key=True)
    customer_id = UnicodeAttribute(range_key=True)
    ratings = NumberAttribute(default=0)  # active ratings
    voided = NumberAttribute(default=0)
    weight = NumberAttribute(default=0)  # sum of recency weights at `as_of`
    literacy_sum = NumberAttribute(default=0)  # sum of weight * literacy
    temperament_sum = NumberAttribute(default=0)
    as_of = UTCDateTimeAttribute(null=True)  # the newest active rating: weights are relative to it
    half_life_days = NumberAttribute(default=90)
    last_rated_at = UTCDateTimeAttribute(null=True)
    applied: MapAttribute[str, Any] = MapAttribute(default=dict)  # rating_key -> version computed from
    revision = NumberAttribute(default=0)  # optimistic lock between concurrent recomputes
    updated_at = UTCDateTimeAttribute()
