"""The badge job: for one company and one finished day, count the day into lifetime totals, award
every enabled badge and hand it over to its new holder.

Reads: the run marker, the config (GetItems), the agent-day items of the 7 days ending on the day
(one Query per day: agents x days, never the event history), the employees, the holders and the
standings (one Query each). Never a Scan. The daily schedule finds companies through the company
directory index (a Query by key), so its reads grow with companies, not with activity.

Exactly once, however often it runs: an award is a conditional put of `award#<day>#<badge>` in one
transaction with the holder and the winner's standing (version-checked), so a rerun, a second
EventBridge delivery or a run resumed after a timeout writes no second award, points or count.
Totals advance per agent only over days after `counted_through`, conditional on the version read.
A run marker per (company, day) makes a finished day's rerun one GetItem.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from pynamodb.exceptions import PutError, TransactWriteError
from typing_extensions import TypedDict  # pydantic reads TypedDicts from here on 3.11

from chalicelib import activity
from chalicelib.activity import AgentDay
from chalicelib.auth import Principal
from chalicelib.badges import evaluate
from chalicelib.badges.config import Settings, load
from chalicelib.badges.formula import Formula
from chalicelib.badges.levels import level_reached, variables
from chalicelib.badges.models import AWARD, HOLDER, RUN, BadgeRecord, Standing
from chalicelib.clock import parse_iso, utcnow
from chalicelib.companies import get as get_company
from chalicelib.db.base import cancellation_codes, is_condition_failure, transaction
from chalicelib.db.models import DIRECTORY, Company, Employee
from chalicelib.errors import ValidationFailed
from chalicelib.keys import derive_key

logger = logging.getLogger(__name__)

READ_DAYS = 7  # the longest window; totals catch up over at most this many missed days
EVALUATION_HOURS = 6  # the schedule evaluates a company's yesterday during its first local hours
TIME_BUDGET_SECONDS = 600.0  # then stop; the next hourly run continues with the rest
MANUAL_DAYS_BACK = 60
ATTEMPTS = 4


def award_key(day: date, badge: str) -> str:
    return f"{AWARD}{day.isoformat()}#{badge}"


def _group(items: Iterable[AgentDay]) -> dict[date, dict[str, AgentDay]]:
    days: dict[date, dict[str, AgentDay]] = {}
    for item in items:
        day = date.fromisoformat(item.company_day.rsplit("#", 1)[1])
        days.setdefault(day, {})[item.employee_id] = item
    return days


class _Company:
    """What one run knows about the company; standings are kept current as they are written."""

    def __init__(self, company_id: str, day: date, settings: Settings) -> None:
        self.company_id = company_id
        self.day = day
        self.settings = settings
        self.levels: list[tuple[str, Formula]] = settings.compiled_levels()
        span = [day - timedelta(days=n) for n in range(READ_DAYS - 1, -1, -1)]
        self.days = _group(activity.read_days(company_id, span))
        self.employees = {e.employee_id: e for e in Employee.query(company_id) if e.active}
        self.holders = {h.badge: h for h in BadgeRecord.query(company_id, BadgeRecord.record.startswith(HOLDER))}
        self.standings = {s.employee_id: s for s in Standing.query(company_id, consistent_read=True)}
        self.lot_key = derive_key("badges.lot")

    def standing(self, employee_id: str) -> Standing:
        found = self.standings.get(employee_id)
        if found is None:
            found = Standing(self.company_id, employee_id, totals={}, badges_won={}, points=0, level=1, version=0)
            self.standings[employee_id] = found
        return found

    def reread(self, employee_id: str) -> None:
        try:
            self.standings[employee_id] = Standing.get(self.company_id, employee_id, consistent_read=True)
        except Standing.DoesNotExist:
            self.standings.pop(employee_id, None)
        for holder in BadgeRecord.query(self.company_id, BadgeRecord.record.startswith(HOLDER), consistent_read=True):
            self.holders[str(holder.badge)] = holder

    def relevel(self, standing: Standing) -> None:
        values = variables(dict(standing.totals or {}), dict(standing.badges_won or {}), self.settings.negative_keys)
        standing.level = max(int(standing.level or 1), level_reached(self.levels, values))


def _copy(standing: Standing) -> Standing:
    return Standing(
        standing.company_id,
        standing.employee_id,
        totals=dict(standing.totals or {}),
        counted_through=standing.counted_through,
        badges_won=dict(standing.badges_won or {}),
        points=standing.points or 0,
        level=standing.level or 1,
        version=int(standing.version or 0) + 1,
        updated_at=utcnow(),
    )


def _version_condition(standing: Standing) -> Any:
    version = int(standing.version or 0)
    return Standing.version == version if version else Standing.employee_id.does_not_exist()


def _add_day(totals: dict[str, float], item: AgentDay) -> None:
    for name in activity.COUNTERS + activity.DISTINCT:
        value = activity.metric_value(item, name)
        if value:
            totals[name] = totals.get(name, 0) + value
    for name in activity.EXTREMES:
        totals[name] = max(totals.get(name, 0), activity.metric_value(item, name))
    totals["days_active"] = totals.get("days_active", 0) + 1


def _count_totals(run: _Company) -> int:
    """Add each agent's days after `counted_through` (up to the run's day) into their totals."""
    counted = 0
    active = sorted({e for items in run.days.values() for e in items})
    for employee_id in active:
        for _attempt in range(ATTEMPTS):
            current = run.standing(employee_id)
            through = date.fromisoformat(current.counted_through) if current.counted_through else None
            new_days = sorted(
                d
                for d, items in run.days.items()
                if employee_id in items and d <= run.day and (through is None or d > through)
            )
            if not new_days:
                break
            updated = _copy(current)
            totals = {k: float(v) for k, v in updated.totals.items()}
            for d in new_days:
                _add_day(totals, run.days[d][employee_id])
            updated.totals = totals
            updated.counted_through = run.day.isoformat()
            run.relevel(updated)
            try:
                updated.save(condition=_version_condition(current))
            except PutError as error:
                if not is_condition_failure(error):
                    raise
                run.reread(employee_id)
                continue
            run.standings[employee_id] = updated
            counted += 1
            break
    return counted


def _award(run: _Company, outcome: evaluate.Outcome) -> str:
    """Write one award with its holder and the winner's standing, once. Returns what happened."""
    rule, winner = outcome.rule, outcome.winner
    assert winner is not None
    now = utcnow()
    day = run.day.isoformat()
    for _attempt in range(ATTEMPTS):
        award = BadgeRecord(
            run.company_id,
            award_key(run.day, rule.key),
            badge=rule.key,
            day=day,
            employee_id=winner.employee_id,
            figure=winner.figure,
            activity=winner.activity,
            name=rule.name,
            positive=rule.positive,
            points=rule.points,
            updated_at=now,
        )
        holder = run.holders.get(rule.key)
        new_holder = None
        if holder is None or str(holder.day) < day:  # an older day's rerun never takes a newer holding
            keeps = holder is not None and holder.employee_id == winner.employee_id
            new_holder = BadgeRecord(
                run.company_id,
                f"{HOLDER}{rule.key}",
                badge=rule.key,
                day=day,
                employee_id=winner.employee_id,
                figure=winner.figure,
                name=rule.name,
                positive=rule.positive,
                since=holder.since if keeps and holder else day,
                updated_at=now,
            )
        current = run.standing(winner.employee_id)
        standing = _copy(current)
        standing.badges_won = {**standing.badges_won, rule.key: int(standing.badges_won.get(rule.key, 0)) + 1}
        standing.points = int(standing.points or 0) + rule.points
        run.relevel(standing)
        try:
            with transaction() as tx:
                tx.save(award, condition=BadgeRecord.record.does_not_exist())
                if new_holder is not None:
                    unchanged = (BadgeRecord.day == holder.day) if holder else BadgeRecord.record.does_not_exist()
                    tx.save(new_holder, condition=unchanged)
                tx.save(standing, condition=_version_condition(current))
        except TransactWriteError as error:
            codes = cancellation_codes(error)
            if codes and codes[0] == "ConditionalCheckFailed":
                return "already-awarded"
            if not is_condition_failure(error):
                raise
            run.reread(winner.employee_id)
            continue
        run.standings[winner.employee_id] = standing
        if new_holder is not None:
            run.holders[rule.key] = new_holder
        return "awarded"
    raise RuntimeError(f"badge {rule.key}: the standing kept changing")


class RunOut(TypedDict):
    company_id: str
    day: str
    awards: dict[str, Any]
    no_winner: list[str]
    agents_counted: int
    rerun: bool


def run_day(company_id: str, day: date, settings: Settings | None = None) -> RunOut:
    """Evaluate one company's finished `day`; safe to run any number of times, and to resume."""
    marker_key = f"{RUN}{day.isoformat()}"
    try:
        marker = BadgeRecord.get(company_id, marker_key, consistent_read=True)
        if marker.status == "done":
            return cast(RunOut, {**(marker.summary or {}), "rerun": True})
    except BadgeRecord.DoesNotExist:
        BadgeRecord(company_id, marker_key, day=day.isoformat(), status="started", updated_at=utcnow()).save()
    run = _Company(company_id, day, settings or load(company_id))
    counted = _count_totals(run)
    awards: dict[str, Any] = {}
    no_winner: list[str] = []
    for rule in run.settings.enabled:
        holder = run.holders.get(rule.key)
        outcome = evaluate.winner(
            rule,
            run.days,
            day,
            run.employees,
            holder.employee_id if holder else None,
            functools.partial(evaluate.draw, run.lot_key, company_id, day.isoformat(), rule.key),
        )
        if outcome.winner is None:
            no_winner.append(rule.key)
            continue
        _award(run, outcome)
        awards[rule.key] = {
            "employee_id": outcome.winner.employee_id,
            "figure": outcome.winner.figure,
            "tie": outcome.tie,
            "candidates": outcome.candidates,
        }
    # What stands is what was written (a resumed run may find awards written by the interrupted one).
    for written in BadgeRecord.query(
        company_id, BadgeRecord.record.startswith(f"{AWARD}{day.isoformat()}#"), consistent_read=True
    ):
        awards.setdefault(str(written.badge), {})
        awards[str(written.badge)].update(employee_id=written.employee_id, figure=float(written.figure or 0))
    summary = {
        "company_id": company_id,
        "day": day.isoformat(),
        "awards": awards,
        "no_winner": sorted(no_winner),
        "agents_counted": counted,
    }
    BadgeRecord(company_id, marker_key, day=day.isoformat(), status="done", summary=summary, updated_at=utcnow()).save()
    return cast(RunOut, {**summary, "rerun": False})


def run_manual(principal: Principal, day: date) -> RunOut:
    """A manager's run for one finished day of their company (idempotent like the schedule's)."""
    company = get_company(principal.company_id)
    today = utcnow().astimezone(ZoneInfo(company.timezone)).date()
    if not today - timedelta(days=MANUAL_DAYS_BACK) <= day < today:
        raise ValidationFailed(
            "Only a finished day can be evaluated.",
            [
                {
                    "field": "date",
                    "message": f"must be a day before today and at most {MANUAL_DAYS_BACK} days ago",
                    "code": "range",
                }
            ],
        )
    return run_day(company.company_id, day)


def event_time(event: Mapping[str, Any]) -> datetime:
    text = event.get("time")
    return parse_iso(text) if isinstance(text, str) else utcnow()


def award_daily(event: Mapping[str, Any]) -> dict[str, Any]:
    """The schedule (hourly): each company whose local day ended less than EVALUATION_HOURS ago gets
    its yesterday evaluated, once; a missed or failed hour is caught up by the next ones."""
    now = event_time(event)
    started = time.monotonic()
    evaluated = skipped = failed = 0
    for company in Company.by_directory.query(DIRECTORY):
        local = now.astimezone(ZoneInfo(company.timezone))
        if local.hour >= EVALUATION_HOURS:
            skipped += 1
            continue
        if time.monotonic() - started > TIME_BUDGET_SECONDS:
            logger.warning("badge job out of time; the next run continues")
            break
        try:
            run_day(company.company_id, local.date() - timedelta(days=1))
            evaluated += 1
        except Exception:  # one company's failure must not stop the others; its marker stays "started"
            logger.exception("badge job failed for company %s", company.company_id)
            failed += 1
    return {"evaluated": evaluated, "skipped": skipped, "failed": failed, "as_of": now.isoformat()}
