"""Who wins each badge for one company and day: pure functions over the agent-day items already read.

`Days` maps each day of the window to that day's items by employee. Nothing here touches DynamoDB.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from chalicelib.activity import AgentDay, metric_value
from chalicelib.badges.rules import WINDOW_DAYS, Rule

Days = Mapping[date, Mapping[str, AgentDay]]


@dataclass(frozen=True)
class Candidate:
    employee_id: str
    figure: float
    activity: float


@dataclass(frozen=True)
class Outcome:
    rule: Rule
    winner: Candidate | None
    candidates: int
    tie: bool = False  # the winner shared the best figure with someone


def window_days(window: str, day: date) -> list[date]:
    return [day - timedelta(days=offset) for offset in range(WINDOW_DAYS[window] - 1, -1, -1)]


def days_needed(rules: Collection[Rule], day: date) -> list[date]:
    wanted = {d for rule in rules if rule.enabled for d in window_days(rule.window, day)}
    return sorted(wanted)


def _total(days: Days, span: list[date], employee_id: str, metric: str) -> float:
    total = 0.0
    for d in span:
        item = days.get(d, {}).get(employee_id)
        if item is not None:
            total += metric_value(item, metric)
    return total


def _figure(rule: Rule, days: Days, span: list[date], employee_id: str) -> float | None:
    if rule.aggregate == "max":
        values = [metric_value(item, rule.metric) for d in span if (item := days.get(d, {}).get(employee_id))]
        return max(values, default=0.0)
    if rule.aggregate == "ratio":
        denominator = _total(days, span, employee_id, rule.per or "")
        if denominator <= 0:
            return None
        return _total(days, span, employee_id, rule.metric) / denominator
    return _total(days, span, employee_id, rule.metric)  # sum, random_online


def candidate(rule: Rule, days: Days, day: date, employee_id: str) -> Candidate | None:
    """The agent's figure and activity for `rule`, or None below the minimum activity."""
    activity_metric = rule.activity_metric
    if rule.window == "yesterday_vs_day_before":
        spans = [[day - timedelta(days=1)], [day]]
        activities = [_total(days, span, employee_id, activity_metric) for span in spans]
        if min(activities) < rule.min_value or min(activities) <= 0:
            return None
        before, after = (_figure(rule, days, span, employee_id) for span in spans)
        if before is None or after is None:
            return None
        return Candidate(employee_id, round(after - before, 6), sum(activities))
    span = window_days(rule.window, day)
    activity = _total(days, span, employee_id, activity_metric)
    if activity < rule.min_value or activity <= 0:
        return None
    figure = _figure(rule, days, span, employee_id)
    if figure is None:
        return None
    return Candidate(employee_id, round(figure, 6), activity)


def draw(key: bytes, *parts: str) -> str:
    """A keyed, deterministic lot: the same parts always give the same value."""
    return hmac.new(key, "|".join(parts).encode(), hashlib.sha256).hexdigest()


def winner(
    rule: Rule,
    days: Days,
    day: date,
    employee_ids: Collection[str],
    holder: str | None,
    lot: Callable[[str], str],
) -> Outcome:
    """The winner of one badge. `lot(employee_id)` is the keyed draw for this company, day and badge.

    Four-leaf clover: the highest lot among the agents online that day (rendezvous hashing, so the
    choice is stable for the day even if someone joins the candidates later). Others: best figure,
    then more activity, then the current holder, then the lot.
    """
    candidates = [c for e in sorted(employee_ids) if (c := candidate(rule, days, day, e)) is not None]
    if not candidates:
        return Outcome(rule, None, 0)
    if rule.aggregate == "random_online":
        chosen = max(candidates, key=lambda c: lot(c.employee_id))
        return Outcome(rule, Candidate(chosen.employee_id, 1.0, chosen.activity), len(candidates))
    sign = 1 if rule.best == "max" else -1
    best_figure = max(sign * c.figure for c in candidates)
    tied = [c for c in candidates if sign * c.figure == best_figure]

    def rank(c: Candidate) -> tuple[float, bool, str]:
        return (c.activity, c.employee_id == holder, lot(c.employee_id))

    return Outcome(rule, max(tied, key=rank), len(candidates), tie=len(tied) > 1)
