"""Queues and take-next: FIFO by creation time within the queues an agent may serve, reordered by
karma (chalicelib.karma.routing) when waiting tickets have a karma class.

Waiting tickets carry a `queue_key` (company, tier, department) and sit in a sparse index ordered
by creation time. Taking one is a conditional write on that key, so two agents asking at the same
moment can never be handed the same ticket: the loser's write fails and it moves to the next one.
"""

from __future__ import annotations

from datetime import date, datetime

from pynamodb.exceptions import TransactWriteError

from chalicelib import activity
from chalicelib.db import keys
from chalicelib.db.base import is_condition_failure, transaction
from chalicelib.db.models import Employee, Ticket
from chalicelib.karma import policy
from chalicelib.karma.routing import take_order

GENERAL = keys.GENERAL
CANDIDATES_PER_QUEUE = 10
HELPED_PER_QUEUE = 3


def queue_key(company_id: str, tier: int, department: str | None) -> str:
    return keys.queue(company_id, tier, department)


def queues_served_by(employee: Employee) -> list[str]:
    """An agent serves the general queue of their tier and their departments' queues of that tier."""
    departments = [GENERAL, *sorted(employee.departments or [])]
    return [queue_key(employee.company_id, int(employee.tier), d) for d in departments]


def queues_helped_by(employee: Employee) -> list[str]:
    """The first line helps the second with tickets that skipped the first line once they are urgent."""
    if int(employee.tier) != 1:
        return []
    departments = [GENERAL, *sorted(employee.departments or [])]
    return [queue_key(employee.company_id, 2, d) for d in departments]


def waiting(queue_keys: list[str], limit: int = CANDIDATES_PER_QUEUE) -> list[Ticket]:
    """The oldest waiting tickets over several queues, oldest first (keys only)."""
    found: list[Ticket] = []
    for key in queue_keys:
        found.extend(Ticket.queue.query(key, scan_index_forward=True, limit=limit))
    return sorted(found, key=lambda t: (t.created_at, t.ticket_id))


def claim(candidate: Ticket, employee: Employee, day_key: str, now: datetime) -> bool:
    """Assign one waiting ticket to the employee (and count it on their day), or False if someone
    else got it first."""
    ticket = Ticket(candidate.company_id, candidate.ticket_id)
    try:
        with transaction() as tx:
            tx.update(
                ticket,
                actions=[
                    Ticket.status.set("assigned"),
                    Ticket.assignee_id.set(employee.employee_id),
                    Ticket.assignee_key.set(keys.employee(employee.company_id, employee.employee_id)),
                    Ticket.queue_key.remove(),
                    Ticket.taken_at.set(Ticket.taken_at | now),
                    Ticket.updated_at.set(now),
                    Ticket.revision.add(1),
                ],
                condition=(Ticket.queue_key == candidate.queue_key) & (Ticket.status == "queued"),
            )
            counters = {"taken": 1, **({"difficult_taken": 1} if candidate.routing_class == policy.DIFFICULT else {})}
            tx.update(activity.AgentDay(day_key, employee.employee_id), actions=activity.counter_actions(counters))
    except TransactWriteError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


def take_next(employee: Employee, day_key: str, now: datetime) -> Ticket | None:
    """FIFO across the agent's queues, in the karma order; moves past tickets taken concurrently by others.

    Returns the claimed ticket as written (the index projects every attribute)."""
    queue_keys = queues_served_by(employee)
    helped = queues_helped_by(employee)
    today = date.fromisoformat(day_key.rsplit("#", 1)[1])
    for _round in range(3):
        candidates = waiting(queue_keys) + [
            t for t in waiting(helped, HELPED_PER_QUEUE) if t.routing_reason == policy.SKIP_FIRST_LINE
        ]
        ordered = take_order(employee, candidates, set(queue_keys), today, now) if candidates else []
        if not ordered:
            return None
        for candidate in ordered:
            if claim(candidate, employee, day_key, now):
                candidate.status, candidate.assignee_id = "assigned", employee.employee_id
                candidate.assignee_key = keys.employee(employee.company_id, employee.employee_id)
                candidate.queue_key, candidate.updated_at = None, now
                candidate.taken_at = candidate.taken_at or now
                candidate.revision = int(candidate.revision) + 1
                return candidate
    return None
