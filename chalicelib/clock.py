"""Time in one place: UTC everywhere, company time zones only where a calendar day matters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def utcnow() -> datetime:
    return datetime.now(UTC)


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
