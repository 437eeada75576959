"""Time in one place: UTC everywhere, company time zones only where a calendar day matters."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass
class Travel:
    """A clock that shows `now` to the code running in its context (the demo's month; tests)."""

    now: datetime

    def advance(self, delta: timedelta) -> datetime:
        self.now += delta
        return self.now


_TRAVEL: ContextVar[Travel | None] = ContextVar("clock_travel", default=None)


def utcnow() -> datetime:
    travel = _TRAVEL.get()
    # always UTC, whatever zone the traveller set it in (code formats and signs it as UTC)
    return travel.now.astimezone(UTC) if travel is not None else datetime.now(UTC)


@contextmanager
def travelling(start: datetime) -> Iterator[Travel]:
    """Within the block, in this thread (context) only, `utcnow()` is the travel's `now`, which the block
    moves. Other threads (the API's, the stream pump's) keep the real time."""
    travel = Travel(start.astimezone(UTC))
    token = _TRAVEL.set(travel)
    try:
        yield travel
    finally:
        _TRAVEL.reset(token)


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a `Z`, as the API shows times."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def is_valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def local_day(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def split_by_local_day(start: datetime, end: datetime, timezone: str) -> list[tuple[date, float]]:
    """Seconds of [start, end) falling on each calendar day of `timezone`."""
    zone = ZoneInfo(timezone)
    parts: list[tuple[date, float]] = []
    cursor = start
    while cursor < end:
        local = cursor.astimezone(zone)
        next_midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), zone)
        chunk_end = min(end, next_midnight.astimezone(UTC))
        parts.append((local.date(), (chunk_end - cursor).total_seconds()))
        cursor = chunk_end
    return parts
