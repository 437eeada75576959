"""Karma in routing: what intake and take-next read, handed to the pure decisions in `policy`.

Intake reads the customer's karma (one GetItem, existing customers only) and, for a literate
customer only, whether someone on the second line is on duty. Take-next reads agents' loads only when
a waiting ticket has a karma class: the on-duty employees (one Query) and their activity over the
rolling window (one Query per day).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from chalicelib import activity
from chalicelib.db.models import Company, Employee, Ticket
from chalicelib.karma import policy
from chalicelib.karma.models import Karma
from chalicelib.karma.scores import Scores, Sums, scores_at

WINDOW_DAYS = 3  # the rolling window of agents' loads: today and the two days before (company time)
ON_DUTY = "online"


def thresholds(company: Company) -> policy.Thresholds:
    s = company.settings
    return policy.Thresholds(
        half_life_days=float(s.karma_half_life_days),
        literate_min=float(s.karma_literate_min),
        literate_min_ratings=int(s.karma_literate_min_ratings),
        difficult_max=float(s.karma_difficult_max),
        calm_min=float(s.karma_calm_min),
        temperament_min_ratings=int(s.karma_temperament_min_ratings),
    )


def sums(karma: Karma) -> Sums:
    return Sums(
        int(karma.ratings or 0),
        float(karma.weight or 0),
        float(karma.literacy_sum or 0),
        float(karma.temperament_sum or 0),
        karma.as_of,
        float(karma.half_life_days or 90),
    )


def current_scores(company_id: str, customer_id: str, now: datetime) -> Scores | None:
    try:
        karma = Karma.get(company_id, customer_id)
    except Karma.DoesNotExist:
        return None
    return scores_at(sums(karma), now) if karma.ratings else None


def second_line_on_duty(company_id: str, department: str | None) -> bool:
    """Someone of tier 2 online who serves the queue a skipping ticket would wait in."""
    for employee in Employee.query(company_id):
        serves = department is None or department in (employee.departments or [])
        if employee.active and employee.status == ON_DUTY and int(employee.tier) == 2 and serves:
            return True
    return False


def intake_route(
    company: Company, customer_id: str, is_new: bool, department: str | None, wants_skip: bool | None, now: datetime
) -> policy.IntakeRoute:
    scores = None if is_new else current_scores(company.company_id, customer_id, now)
    return policy.route_intake(
        scores,
        department,
        wants_skip,
        thresholds(company),
        lambda queue_department: second_line_on_duty(company.company_id, queue_department),
    )


def loads(company_id: str, today: date, employee_ids: list[str]) -> dict[str, policy.Load]:
    """Each agent's tickets taken, difficult ones and customers' ratings over the rolling window."""
    days = [today - timedelta(days=n) for n in range(WINDOW_DAYS)]
    totals: dict[str, dict[str, float]] = {e: {} for e in employee_ids}
    for item in activity.read_days(company_id, days, employee_ids):
        bucket = totals[item.employee_id]
        for name in ("taken", "difficult_taken", "ratings", "rating_points"):
            bucket[name] = bucket.get(name, 0.0) + activity.metric_value(item, name)
    return {
        e: policy.Load(
            e, t.get("taken", 0), t.get("difficult_taken", 0), t.get("ratings", 0), t.get("rating_points", 0)
        )
        for e, t in totals.items()
    }


def take_order(
    employee: Employee, candidates: Sequence[Ticket], served: set[str], today: date, now: datetime
) -> list[Ticket]:
    """The waiting tickets in the order this agent should try to claim them (see `policy.take_order`)."""
    waiting = [
        policy.Waiting(t, t.ticket_id, t.created_at, t.sla_target_at, t.routing_class, t.queue_key in served)
        for t in candidates
    ]
    me: policy.Load | None = None
    peers: list[policy.Load] = []
    if policy.needs_loads(waiting):
        on_duty = [  # the agents competing for the same queues: on duty, same tier
            e.employee_id
            for e in Employee.query(employee.company_id)
            if e.active and e.status == ON_DUTY and int(e.tier) == int(employee.tier)
        ]
        found = loads(employee.company_id, today, sorted({*on_duty, employee.employee_id}))
        me, peers = found[employee.employee_id], list(found.values())
    return [w.item for w in policy.take_order(waiting, me, peers, now)]
