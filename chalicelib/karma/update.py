"""The karma update: the customer-ratings stream handler.

Each record names a customer; their karma is recomputed from all of their ratings (one consistent
Query under the customer's key), so its effect does not depend on how often or in which order records
arrive. The guard against redelivery, also hours later: the karma item remembers the version of every
rating it was computed from (`applied`), and a record whose rating version is already applied changes
nothing and costs one read. Concurrent recomputes are serialized by a conditional write on `revision`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pynamodb.exceptions import DeleteError, PutError

from chalicelib.clock import utcnow
from chalicelib.companies import get as get_company
from chalicelib.db import keys
from chalicelib.db.base import is_condition_failure
from chalicelib.karma.models import ACTIVE, CustomerRating, Karma
from chalicelib.karma.scores import Point, sums_of
from chalicelib.streams import StreamRecord, process_batch

ATTEMPTS = 4


class KarmaContention(Exception):
    """The karma item kept changing under the recompute; the record is reported and retried."""


def handle_karma_stream(event: Mapping[str, Any]) -> dict[str, Any]:
    return process_batch(event, handle_record)


def handle_record(record: StreamRecord) -> None:
    images: Mapping[str, Any] = record["dynamodb"]
    new = images.get("NewImage")
    rating = CustomerRating.from_raw_data(new or images["OldImage"])
    version = int(rating.version) if new else None  # a removal (erasure) always recomputes
    refresh(rating.company_id, rating.customer_id, rating.rating_key, version)


def _current(company_id: str, customer_id: str) -> Karma | None:
    try:
        return Karma.get(company_id, customer_id, consistent_read=True)
    except Karma.DoesNotExist:
        return None


def applied_versions(karma: Karma | None) -> dict[str, int]:
    return {k: int(v) for k, v in (karma.applied.as_dict() if karma else {}).items()}


def refresh(
    company_id: str, customer_id: str, rating_key: str | None = None, version: int | None = None
) -> Karma | None:
    """Recompute one customer's karma from their ratings, unless `rating_key` at `version` is applied."""
    for _attempt in range(ATTEMPTS):
        current = _current(company_id, customer_id)
        if rating_key and version is not None and applied_versions(current).get(rating_key, 0) >= version:
            return current
        ratings = list(CustomerRating.query(keys.customer(company_id, customer_id), consistent_read=True))
        try:
            return _write(company_id, customer_id, current, ratings)
        except (PutError, DeleteError) as error:
            if not is_condition_failure(error):
                raise
    raise KarmaContention(f"karma of {customer_id} kept changing")


def _write(company_id: str, customer_id: str, current: Karma | None, ratings: list[CustomerRating]) -> Karma | None:
    guard = Karma.revision == current.revision if current else Karma.customer_id.does_not_exist()
    if not ratings:  # no ratings (never, or erased): no karma
        if current is not None:
            current.delete(condition=guard)
        return None
    half_life = float(get_company(company_id).settings.karma_half_life_days)
    active = [r for r in ratings if r.status == ACTIVE]
    sums = sums_of((Point(float(r.literacy), float(r.temperament), r.rated_at) for r in active), half_life)
    karma = Karma(
        company_id,
        customer_id,
        ratings=sums.ratings,
        voided=len(ratings) - len(active),
        weight=sums.weight,
        literacy_sum=sums.literacy_sum,
        temperament_sum=sums.temperament_sum,
        as_of=sums.as_of,
        half_life_days=half_life,
        last_rated_at=max(r.rated_at for r in ratings),
        applied={r.rating_key: int(r.version) for r in ratings},
        revision=int(current.revision) + 1 if current else 1,
        updated_at=utcnow(),
    )
    karma.save(condition=guard)
    return karma
