"""Queues and take-next: FIFO by creation time within the queues an agent may serve, reordered by
karma (chalicelib.karma.routing) when waiting tickets have a karma class.

Waiting tickets carry a `queue_key` and sit in a sparse index ordered by creation time. The key is one
per company (chalicelib/db/keys.py): a ticket's queue is its tier and department, attributes of the
ticket, so one Query gives take-next every queue the agent serves and the ones they help, whatever
their departments. Taking a ticket is a conditional write on the key, the status and the queue (tier
and department) it was seen in, so two agents asking at the same moment can never be handed the same
ticket, nor a ticket moved meanwhile to a queue the agent does not serve: the loser's write fails and it
moves to the next one.

Take-next costs three requests: authentication (the agent and the company's staff directory, where
on-duty peers and their loads are, in one BatchGetItem), the Query, and the claim.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from pynamodb.exceptions import TransactWriteError

from chalicelib import activity, customers
from chalicelib.db import keys
from chalicelib.db.base import is_condition_failure, transaction
from chalicelib.db.models import Company, Employee, Ticket
from chalicelib.employees import staff
from chalicelib.karma import policy
from chalicelib.karma.routing import take_order

GENERAL = keys.GENERAL
CANDIDATES_PER_QUEUE = 10
HELPED_PER_QUEUE = 3
WAITING_READ = 1000  # a company's waiting tickets read at most (one Query page holds ~1,000)


def queue_key(company_id: str, tier: int | None = None, department: str | None = None) -> str:
    """The key a waiting ticket carries (the company's; tier and department are on the ticket)."""
    return keys.queue(company_id, tier, department)


def _departments(employee: Employee) -> set[str]:
    return {GENERAL, *(employee.departments or [])}


def serves(employee: Employee, ticket: Ticket) -> bool:
    """An agent serves the general queue of their tier and their departments' queues of that tier."""
    return int(ticket.tier) == int(employee.tier) and (ticket.department or GENERAL) in _departments(employee)


def helps(employee: Employee, ticket: Ticket) -> bool:
    """The first line helps the second with tickets that skipped the first line (once they are urgent)."""
    return (
        int(employee.tier) == 1
        and int(ticket.tier) == 2
        and ticket.routing_reason == policy.SKIP_FIRST_LINE
        and (ticket.department or GENERAL) in _departments(employee)
    )


def waiting(company_id: str, limit: int = WAITING_READ, attributes: list[str] | None = None) -> list[Ticket]:
    """The company's waiting tickets, oldest first (one Query); `attributes`: only these are read."""
    return list(
        Ticket.queue.query(queue_key(company_id), scan_index_forward=True, limit=limit, attributes_to_get=attributes)
    )


def candidates(employee: Employee, tickets: list[Ticket]) -> tuple[list[Ticket], set[str]]:
    """The oldest waiting tickets of each queue the agent serves, and of each they help; with the ids of
    the served ones."""
    taken: dict[tuple[bool, int, str], int] = defaultdict(int)
    found: list[Ticket] = []
    served: set[str] = set()
    for ticket in tickets:
        own = serves(employee, ticket)
        if not own and not helps(employee, ticket):
            continue
        queue = (own, int(ticket.tier), ticket.department or GENERAL)
        if taken[queue] >= (CANDIDATES_PER_QUEUE if own else HELPED_PER_QUEUE):
            continue
        taken[queue] += 1
        found.append(ticket)
        if own:
            served.add(ticket.ticket_id)
    return found, served


def claim(candidate: Ticket, employee: Employee, day_key: str, now: datetime, company: Company | None = None) -> bool:
    """Assign one waiting ticket to the employee (and count it on their day and in their routing load),
    or False if someone else got it first or it moved to another queue."""
    ticket = Ticket(candidate.company_id, candidate.ticket_id)
    department = (
        Ticket.department.does_not_exist()
        if candidate.department is None
        else Ticket.department == candidate.department
    )
    condition = (
        (Ticket.queue_key == candidate.queue_key)
        & (Ticket.status == "queued")
        & (Ticket.tier == int(candidate.tier))
        & department
    )
    counters = {"taken": 1, **({"difficult_taken": 1} if candidate.routing_class == policy.DIFFICULT else {})}
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
                condition=condition,
            )
            tx.update(activity.AgentDay(day_key, employee.employee_id), actions=activity.counter_actions(counters))
            customers.status_changed(tx, candidate, "assigned")  # the customer's list of their tickets
            day = date.fromisoformat(day_key.rsplit("#", 1)[1])
            load = staff.load_actions(company, employee.employee_id, day, counters) if company is not None else []
            if load:
                tx.update(Company(employee.company_id), actions=load)
    except TransactWriteError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


def take_next(employee: Employee, day_key: str, now: datetime, company: Company | None = None) -> Ticket | None:
    """FIFO across the agent's queues, in the karma order; moves past tickets taken concurrently by others.

    `company`: the agent's company item (its staff directory has the on-duty peers and loads the karma
    order may need); read here when not given. Returns the claimed ticket as written (the index projects
    every attribute)."""
    if company is None:
        company = Company.get(employee.company_id)
    today = date.fromisoformat(day_key.rsplit("#", 1)[1])
    for _round in range(3):
        found, served = candidates(employee, waiting(employee.company_id))
        ordered = take_order(employee, found, served, today, now, company) if found else []
        if not ordered:
            return None
        for candidate in ordered:
            if claim(candidate, employee, day_key, now, company):
                candidate.status, candidate.assignee_id = "assigned", employee.employee_id
                candidate.assignee_key = keys.employee(employee.company_id, employee.employee_id)
                candidate.queue_key, candidate.updated_at = None, now
                candidate.taken_at = candidate.taken_at or now
                candidate.revision = int(candidate.revision) + 1
                return candidate
    return None
