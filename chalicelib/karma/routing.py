"""Karma in routing: what intake and take-next read, handed to the pure decisions in `policy`.

Intake reads the customer's karma (with the company and the customer, in one BatchGetItem) and, for a
literate customer only, whether someone on the second line is on duty. Take-next needs agents' loads
only when a waiting ticket has a karma class. Who is on duty and every agent's load over the rolling
window are in the company's staff directory (chalicelib/employees/staff.py), which both already have:
neither reads anything more for karma.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from chalicelib.db.models import Company, Employee, Ticket
from chalicelib.employees import staff
from chalicelib.karma import policy
from chalicelib.karma.models import Karma
from chalicelib.karma.scores import Scores, Sums, scores_at

WINDOW_DAYS = staff.WINDOW_DAYS  # the rolling window of agents' loads: today and the two days before
ON_DUTY = staff.ON_DUTY
UNREAD: Any = object()  # "the karma item was not read yet"


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


def current_scores(company_id: str, customer_id: str, now: datetime, karma: Karma | None = UNREAD) -> Scores | None:
    """The customer's scores now; `karma`: their karma item if already read (None: they have none)."""
    if karma is UNREAD:
        try:
            karma = Karma.get(company_id, customer_id)
        except Karma.DoesNotExist:
            karma = None
    return scores_at(sums(karma), now) if karma is not None and karma.ratings else None


def second_line_on_duty(company: Company, department: str | None) -> bool:
    """Someone of tier 2 online who serves the queue a skipping ticket would wait in."""
    return staff.second_line_on_duty(company, department)


def intake_route(
    company: Company,
    customer_id: str,
    is_new: bool,
    department: str | None,
    wants_skip: bool | None,
    now: datetime,
    karma: Karma | None = UNREAD,
) -> policy.IntakeRoute:
    """Where a new ticket waits. `karma`: the customer's karma item if the caller read it (None: none)."""
    scores = None if is_new else current_scores(company.company_id, customer_id, now, karma)
    return policy.route_intake(
        scores,
        department,
        wants_skip,
        thresholds(company),
        lambda queue_department: second_line_on_duty(company, queue_department),
    )


def loads(company: Company, today: date, employee_ids: list[str]) -> dict[str, policy.Load]:
    """Each agent's tickets taken, difficult ones and customers' ratings over the rolling window."""
    found = staff.loads(company, today, employee_ids)
    return {
        e: policy.Load(e, t["taken"], t["difficult_taken"], t["ratings"], t["rating_points"]) for e, t in found.items()
    }


def take_order(
    employee: Employee,
    candidates: Sequence[Ticket],
    served: set[str],
    today: date,
    now: datetime,
    company: Company | None = None,
) -> list[Ticket]:
    """The waiting tickets in the order this agent should try to claim them (see `policy.take_order`).
    `served`: ids of the candidates from the agent's own queues (the rest are queues they help)."""
    waiting = [
        policy.Waiting(t, t.ticket_id, t.created_at, t.sla_target_at, t.routing_class, t.ticket_id in served)
        for t in candidates
    ]
    me: policy.Load | None = None
    peers: list[policy.Load] = []
    if policy.needs_loads(waiting):
        company = company or Company.get(employee.company_id)
        on_duty = [  # the agents competing for the same queues: on duty, same tier
            e for e, entry in staff.on_duty(company).items() if int(entry.get("tier", 1)) == int(employee.tier)
        ]
        found = loads(company, today, sorted({*on_duty, employee.employee_id}))
        me, peers = found[employee.employee_id], list(found.values())
    return [w.item for w in policy.take_order(waiting, me, peers, now)]
