"""Business hours: when the desk is open, and how working time is counted (SLA due times, reports).

A `Calendar` is a weekly schedule of opening hours in the company's IANA time zone, plus holidays (whole
local days closed). Hours are wall-clock times of each local day, so 09:00-18:00 stays 09:00-18:00 across
daylight-saving changes; an interval that contains the change is as long as the clock says it is (an
all-day interval is 23 or 25 hours then). A calendar without a schedule is open around the clock (the
default: today's behaviour), holidays excepted.

Pure: no I/O, no settings; the callers build calendars from the company's settings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_INTERVALS_PER_DAY = 4
# How far ahead a due time is looked for: a schedule with open hours reaches any due time within this
# (validation refuses a schedule without open hours; holidays are at most a few hundred days).
HORIZON_DAYS = 3 * 366
INTERVAL = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-(([01]\d|2[0-3]):([0-5]\d)|24:00)$")


@dataclass(frozen=True, order=True)
class Hours:
    """One open interval of a local day, in minutes after midnight: [start, end)."""

    start: int
    end: int

    def text(self) -> str:
        return f"{self.start // 60:02d}:{self.start % 60:02d}-{self.end // 60:02d}:{self.end % 60:02d}"


def parse_interval(text: str) -> Hours:
    """`09:00-18:00` (an end of `24:00` is midnight at the day's end); ValueError when it is not one."""
    match = INTERVAL.match(text.strip())
    if not match:
        raise ValueError("must be HH:MM-HH:MM, e.g. 09:00-18:00")
    start = int(match.group(1)) * 60 + int(match.group(2))
    end = 24 * 60 if match.group(3) == "24:00" else int(match.group(4)) * 60 + int(match.group(5))
    if end <= start:
        raise ValueError("must end after it starts")
    return Hours(start, end)


def check_day(intervals: Iterable[Hours]) -> tuple[Hours, ...]:
    """A day's intervals in order; ValueError when they overlap or are too many."""
    ordered = tuple(sorted(intervals))
    if len(ordered) > MAX_INTERVALS_PER_DAY:
        raise ValueError(f"at most {MAX_INTERVALS_PER_DAY} intervals a day")
    for before, after in pairwise(ordered):
        if after.start < before.end:
            raise ValueError("intervals must not overlap")
    return ordered


@dataclass(frozen=True)
class Calendar:
    timezone: str = "UTC"
    week: tuple[tuple[Hours, ...], ...] | None = None  # Monday first; None: open around the clock
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if self.week is not None:
            if len(self.week) != 7:
                raise ValueError("a week has 7 days")
            if not any(self.week):
                raise ValueError("a schedule needs some open hours")

    @property
    def always_open(self) -> bool:
        return self.week is None and not self.holidays

    @classmethod
    def of(
        cls, timezone: str, hours: Mapping[str, Iterable[str]] | None, holidays: Iterable[str | date] = ()
    ) -> Calendar:
        """From stored settings: `{"mon": ["09:00-18:00"], ...}` (None: always open) and ISO dates."""
        week = None
        if hours is not None:
            week = tuple(check_day(parse_interval(text) for text in hours.get(day) or ()) for day in WEEKDAYS)
        days = frozenset(d if isinstance(d, date) else date.fromisoformat(d) for d in holidays)
        return cls(timezone, week, days)

    def hours_of(self, day: date) -> tuple[Hours, ...]:
        """The open intervals of a local day (none on a holiday)."""
        if day in self.holidays:
            return ()
        if self.week is None:
            return (Hours(0, 24 * 60),)
        return self.week[day.weekday()]

    def spans(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        """The open intervals of a local day as UTC instants, in order."""
        zone = ZoneInfo(self.timezone)
        for hours in self.hours_of(day):
            yield _instant(day, hours.start, zone), _instant(day, hours.end, zone)

    def add(self, start: datetime, minutes: float) -> datetime:
        """The moment `minutes` of open time after `start` (an SLA due time): closed hours, weekends and
        holidays are skipped; opened while closed, the count starts when the desk opens."""
        start = start.astimezone(UTC)
        remaining = timedelta(minutes=minutes)
        if self.always_open:
            return start + remaining
        day = _local_day(start, self.timezone)
        for _ in range(HORIZON_DAYS):
            for opens, closes in self.spans(day):
                if closes <= start:
                    continue
                begin = max(opens, start)
                if remaining <= closes - begin:
                    return begin + remaining
                remaining -= closes - begin
            day += timedelta(days=1)
        raise ValueError("no open hours within the horizon")

    def open_time(self, start: datetime, end: datetime) -> timedelta:
        """Open time between two moments (how long a customer waited in working time)."""
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if end <= start:
            return timedelta(0)
        if self.always_open:
            return end - start
        total = timedelta(0)
        day, last = _local_day(start, self.timezone), _local_day(end, self.timezone)
        while day <= last:
            for opens, closes in self.spans(day):
                overlap = min(closes, end) - max(opens, start)
                if overlap > timedelta(0):
                    total += overlap
            day += timedelta(days=1)
        return total

    def is_open(self, moment: datetime) -> bool:
        moment = moment.astimezone(UTC)
        return any(opens <= moment < closes for opens, closes in self.spans(_local_day(moment, self.timezone)))

    def as_settings(self) -> dict[str, list[str]] | None:
        if self.week is None:
            return None
        return {day: [hours.text() for hours in self.week[n]] for n, day in enumerate(WEEKDAYS)}


def _instant(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    """A local wall-clock time of `day` as a UTC instant; 24:00 is the next day's midnight. A time the
    clock skips (spring forward) counts as the same time before the change, as zoneinfo reads it."""
    local = datetime.combine(day + timedelta(days=minutes // (24 * 60)), time.min, zone)
    local = local.replace(hour=(minutes % (24 * 60)) // 60, minute=minutes % 60)
    return local.astimezone(UTC)


def _local_day(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()
