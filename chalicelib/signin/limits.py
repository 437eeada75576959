"""A fixed-window rate limit on DynamoDB: one conditional UpdateItem per request, no read.

Kept to this one function so that a shared rate-limit capability can replace it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.exceptions import UpdateError

from chalicelib.db.base import is_condition_failure
from chalicelib.keys import keyed_hash
from chalicelib.signin.models import LimitCounter


def allow(what: str, who: str, limit: int, window: timedelta, now: datetime) -> bool:
    """Count one request of `who` for `what`; False (and nothing counted) once `limit` were made in
    this window. `who` is hashed: no address or IP is stored in clear."""
    seconds = int(window.total_seconds())
    number = int(now.timestamp()) // seconds
    counter = LimitCounter(f"{what}#{keyed_hash('rate-limit', who.strip().lower())[:32]}#{number}")
    try:
        counter.update(
            actions=[
                LimitCounter.hits.add(1),
                LimitCounter.expires_at.set(datetime.fromtimestamp((number + 2) * seconds, now.tzinfo)),
            ],
            condition=LimitCounter.hits.does_not_exist() | (LimitCounter.hits < limit),
        )
    except UpdateError as error:
        if is_condition_failure(error):
            return False
        raise
    return True
