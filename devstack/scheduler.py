"""A scheduler standing in for EventBridge: fires each `@app.schedule` handler on its rate or cron
expression with a CloudWatch Scheduled Event, and on demand with any event time (the jobs take
the event's `time` as "now", which is how a job can be run as of another moment)."""

from __future__ import annotations

import logging
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from devstack.pump import LambdaContext

logger = logging.getLogger("devstack.scheduler")

_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_DAY_NAMES = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_MONTH_NAMES = {month: number for number, month in enumerate(_MONTHS, 1)}


def rate_seconds(expression: str) -> int | None:
    match = _RATE.match(expression.strip())
    if not match:
        return None
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2).rstrip("s")]


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int] | None:
    """One cron field as the set of values it allows (None: any)."""
    if text in ("*", "?"):
        return None
    allowed: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/")
            step = int(step_text)
        if names:
            for name, number in names.items():
                part = part.replace(name, str(number))
        if part in ("*", ""):
            start, end = low, high
        elif "-" in part:
            start, end = (int(x) for x in part.split("-"))
        else:
            start = int(part)
            end = high if step > 1 else start
        allowed.update(range(start, end + 1, step))
    return allowed


@dataclass(frozen=True)
class Cron:
    """AWS cron: minutes hours day-of-month month day-of-week year (UTC)."""

    minutes: set[int] | None
    hours: set[int] | None
    days: set[int] | None
    months: set[int] | None
    weekdays: set[int] | None  # 1 = Sunday ... 7 = Saturday

    @classmethod
    def parse(cls, expression: str) -> Cron:
        inner = expression.strip()[len("cron(") : -1].upper().split()
        if len(inner) != 6:
            raise ValueError(f"not an AWS cron expression: {expression}")
        minute, hour, dom, month, dow, _year = inner
        return cls(
            _field(minute, 0, 59),
            _field(hour, 0, 23),
            _field(dom, 1, 31),
            _field(month, 1, 12, _MONTH_NAMES),
            _field(dow, 1, 7, _DAY_NAMES),
        )

    def matches(self, moment: datetime) -> bool:
        weekday = moment.isoweekday() % 7 + 1  # Monday=1..Sunday=7 -> Sunday=1..Saturday=7
        checks = (
            (self.minutes, moment.minute),
            (self.hours, moment.hour),
            (self.days, moment.day),
            (self.months, moment.month),
            (self.weekdays, weekday),
        )
        return all(allowed is None or value in allowed for allowed, value in checks)

    def next_after(self, moment: datetime) -> datetime:
        candidate = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        for _ in range(366 * 24 * 60):
            if self.matches(candidate):
                return candidate
            candidate += timedelta(minutes=1)
        raise ValueError("cron expression never fires")


def next_fire(expression: str, after: datetime) -> datetime:
    seconds = rate_seconds(expression)
    if seconds is not None:
        return after + timedelta(seconds=seconds)
    if expression.strip().startswith("cron("):
        return Cron.parse(expression).next_after(after)
    raise ValueError(f"unsupported schedule expression: {expression}")


def scheduled_event(rule_name: str, at: datetime, region: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:000000000000:rule/{rule_name}"],
        "detail": {},
    }


@dataclass
class Job:
    name: str
    expression: str
    handler: Callable[[dict[str, Any], Any], Any]
    next_at: datetime | None = None
    runs: int = 0
    last_result: Any = None


@dataclass
class Scheduler:
    jobs: dict[str, Job]
    region: str = "us-east-1"
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fire(self, name: str, at: datetime | None = None) -> Any:
        job = self.jobs[name]
        event = scheduled_event(name, at or datetime.now(UTC), self.region)
        with self._lock:  # one run of a job at a time, like a reserved concurrency of 1
            result = job.handler(event, LambdaContext(name))
        job.runs += 1
        job.last_result = result
        logger.info("fired %s at %s: %s", name, event["time"], result)
        return result

    def run(self, stop: threading.Event, tick: float = 1.0) -> None:
        now = datetime.now(UTC)
        for job in self.jobs.values():
            job.next_at = next_fire(job.expression, now)
        while not stop.wait(tick):
            now = datetime.now(UTC)
            for job in self.jobs.values():
                if job.next_at and job.next_at <= now:
                    try:
                        self.fire(job.name, job.next_at)
                    except Exception:
                        logger.exception("scheduled job %s failed", job.name)
                    job.next_at = next_fire(job.expression, now)

    def status(self) -> list[dict[str, Any]]:
        return [
            {
                "name": j.name,
                "expression": j.expression,
                "next_at": j.next_at.isoformat() if j.next_at else None,
                "runs": j.runs,
            }
            for j in self.jobs.values()
        ]
