"""The agent's workspace, read for pages: the queues an agent serves (waiting count, oldest waiting,
first SLA due), their own tickets, and everything the ticket page shows. Writes go through the same
domain services as the JSON API (chalicelib/tickets, karma, employees)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib import customers, lifecycle, search
from chalicelib.auth import Principal
from chalicelib.db import keys
from chalicelib.db.base import get_many
from chalicelib.db.models import Company, Customer, Employee, Message, Ticket
from chalicelib.routing import GENERAL
from chalicelib.routing import waiting as waiting_tickets
from chalicelib.tickets import service, sla

OPEN_MINE = ("assigned", "resolved")
QUEUE_READ = 100  # waiting tickets read per queue for its figures
MINE_READ = 100


@dataclass(frozen=True)
class QueueFigures:
    tier: int
    department: str | None
    waiting: int
    oldest_at: datetime | None
    sla_due_at: datetime | None
    overdue: int
    more: bool  # more than QUEUE_READ are waiting


# What the queue figures use of each waiting ticket (read with a projection).
QUEUE_ATTRIBUTES = ["ticket_id", "tier", "department", "created_at", "first_reply_at", "sla_target_at"]


def queues_of(employee: Employee, now: datetime) -> list[QueueFigures]:
    """The queues the agent serves (the general queue of their tier and their departments'), from one
    Query of the company's waiting tickets (chalicelib/routing)."""
    figures = []
    every = waiting_tickets(employee.company_id, attributes=QUEUE_ATTRIBUTES)
    for department in [GENERAL, *sorted(employee.departments or [])]:
        waiting = [t for t in every if int(t.tier) == int(employee.tier) and (t.department or GENERAL) == department][
            :QUEUE_READ
        ]
        unanswered = [t.sla_target_at for t in waiting if t.first_reply_at is None]
        figures.append(
            QueueFigures(
                int(employee.tier),
                None if department == GENERAL else department,
                len(waiting),
                waiting[0].created_at if waiting else None,
                min(unanswered) if unanswered else None,
                sum(1 for due in unanswered if due <= now),
                len(waiting) >= QUEUE_READ,
            )
        )
    return figures


# What the workspace shows of the agent's tickets (and its SLA state needs): read with a projection, so
# neither DynamoDB's answer nor the models built from it carry the rest of each ticket.
MINE_ATTRIBUTES = [
    *("ticket_id", "subject", "status", "assignee_id", "customer_replied_at"),
    *("first_reply_at", "sla_target_at", "sla_limit_at", "resolved_at", "closed_at"),
]


def my_tickets(company_id: str, employee_id: str) -> list[Ticket]:
    """The agent's open tickets (assigned to them, or resolved and awaiting the customer), newest first,
    with the attributes in MINE_ATTRIBUTES only."""
    query = Ticket.by_assignee.query(
        keys.employee(company_id, employee_id),
        scan_index_forward=False,
        limit=MINE_READ,
        attributes_to_get=MINE_ATTRIBUTES,
    )
    return [t for t in query if t.status in OPEN_MINE and t.assignee_id == employee_id]


@dataclass(frozen=True)
class StaffMember:
    """An employee as the company's staff directory lists them (chalicelib/employees/staff.py)."""

    employee_id: str
    name: str
    role: str
    tier: int
    departments: tuple[str, ...]
    status: str
    active: bool


def staff_of(company: Company) -> dict[str, StaffMember]:
    """employee id -> the directory's entry, from the company item authentication read with its staff."""
    from chalicelib.employees import staff

    return {
        employee_id: StaffMember(
            employee_id,
            str(entry.get("name", "")),
            str(entry.get("role", "agent")),
            int(entry.get("tier", 1)),
            tuple(entry.get("departments") or ()),
            str(entry.get("status", "offline")),
            bool(entry.get("active", True)),
        )
        for employee_id, entry in staff.entries(company).items()
    }


@dataclass
class TicketPage:
    ticket: Ticket
    customer: Customer | None
    company: Company
    thread: list[Message]
    timeline: list[lifecycle.Event]
    employees: dict[str, StaffMember]
    karma: Any  # privacy.karma_view (employees only)
    other_tickets: list[Any] = field(default_factory=list)  # customers.RecentTicket, or Ticket (from the index)
    rated: bool = False
    customers_rating: Any = None  # the customer's stars and words for the agent (tips.models.Rating), managers only
    canned: list[Any] = field(default_factory=list)  # canned.Choice: what the reply box offers (not when closed)
    chosen_body: str = ""  # the body of the canned reply the query chose ("" for none or an unknown one)

    @property
    def reference(self) -> str:
        return search.reference(self.ticket.ticket_id)

    def sla_state(self, now: datetime) -> str:
        return sla.state(self.ticket, now)


# What the page shows of the customer's other tickets (read with a projection: no full tickets).
OTHER_TICKET_ATTRIBUTES = ["company_id", "ticket_id", "subject", "status", "created_at"]

# The company's parts the ticket page uses: names and who receives tickets (staff), karma thresholds
# (settings), the canned replies the reply box offers (canned). Its route declares them, so authentication
# reads them with the session.
COMPANY_PARTS = ("staff", "settings", "canned")


def ticket_page(principal: Principal, ticket_id: str, now: datetime, chosen: str | None = None) -> TicketPage:
    """Everything the ticket page shows, for an employee of the ticket's company (NotFound otherwise).
    The company (its staff directory, settings and canned replies) and the ticket are the ones read with
    the session; then the customer, the agent's rating of them, their karma, (managers, closed tickets) the
    customer's rating of the agent and (`chosen`, a canned reply whose body is not kept on the company) the
    chosen reply in one BatchGetItem, the customer item with their newest tickets; the thread and the
    timeline in one Query (of the thread's partition, where the ticket keeps its timeline; a ticket opened
    before keeps it in the lifecycle table, a Query more). A company whose canned replies are not kept on
    its item yet has them read by a Query, a customer whose newest tickets are not kept on their item yet
    has them read from the index."""
    from chalicelib import canned
    from chalicelib.auth import company_of
    from chalicelib.karma.models import CustomerRating, Karma
    from chalicelib.karma.privacy import karma_view
    from chalicelib.karma.ratings import rating_key
    from chalicelib.karma.routing import thresholds
    from chalicelib.tips.models import Rating

    company = company_of(principal, *COMPANY_PARTS)
    ticket = service.get(principal, ticket_id)
    customer_key = customers.customer_key(ticket.company_id, ticket.customer_id)
    wanted: list[tuple[Any, Any, Any]] = [
        (Customer, ticket.company_id, ticket.customer_id),
        (CustomerRating, customer_key, rating_key(ticket.ticket_id, principal.employee_id)),
        (Karma, ticket.company_id, ticket.customer_id),
    ]
    customers_rating_wanted = principal.is_manager and ticket.status == "closed"
    if customers_rating_wanted:  # in the same request: what the customer said
        wanted.append((Rating, ticket.company_id, ticket.ticket_id))
    # canned replies go in the reply box, which a closed ticket does not have
    offered = canned.choices(ticket.company_id, company) if ticket.status != "closed" else []
    choice = next((c for c in offered if c.canned_id == chosen), None) if chosen else None
    if choice is not None and choice.body is None:  # its body is not kept on the company: read by key
        wanted.append((canned.CannedReply, ticket.company_id, choice.canned_id))
    customer, rating, stored_karma, *more = get_many(wanted)
    customers_rating = more[:1] if customers_rating_wanted else []
    chosen_body = ""
    if choice is not None:
        chosen_body = choice.body if choice.body is not None else (more[-1].body if more and more[-1] else "")
    thread, timeline = lifecycle.thread_and_timeline(ticket)  # one Query (a ticket opened before: two)
    karma = (
        karma_view(ticket.company_id, ticket.customer_id, now, thresholds(company), stored_karma) if customer else None
    )
    kept_newest = customers.recent(customer) if customer is not None else None
    newest: Iterable[Any] = (
        kept_newest
        if kept_newest is not None  # kept on the customer item; a customer from before: the index
        else Ticket.by_customer.query(
            customer_key, scan_index_forward=False, limit=6, attributes_to_get=OTHER_TICKET_ATTRIBUTES
        )
    )
    others = [t for t in newest if t.ticket_id != ticket.ticket_id][:5]
    given = customers_rating[0] if customers_rating else None
    if given is not None and given.voided_at is not None:  # a voided rating no longer counts
        given = None
    return TicketPage(
        ticket,
        customer,
        company,
        thread,
        timeline,
        staff_of(company),
        karma,
        others,
        rating is not None,
        given,
        offered,
        chosen_body,
    )


def transfer_targets(page: TicketPage, principal: Principal) -> dict[str, Any]:
    """Agents who receive tickets now (not the current assignee) and the queues a ticket may go to."""
    agents = sorted(
        (
            e
            for e in page.employees.values()
            if e.active and e.status == "online" and e.employee_id != page.ticket.assignee_id
        ),
        key=lambda e: e.name.lower(),
    )
    departments = sorted({d for e in page.employees.values() if e.active for d in e.departments or []})
    queues = [(tier, department) for tier in (1, 2) for department in [None, *departments]]
    return {"agents": agents, "queues": queues}
