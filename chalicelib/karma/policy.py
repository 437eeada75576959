"""Routing decisions with karma (pure: no I/O). The app (chalicelib.karma.routing) and the routing
simulation (tools/routing_sim.py) call these same functions.

Intake: where a ticket waits and why (`route_intake`). Take-next: in which order an agent is offered
the waiting tickets (`take_order`). FIFO stays the default; karma only reorders, and a ticket that has
waited half of its SLA target is taken first, oldest first, whatever its karma: nothing starves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from chalicelib.karma.scores import Scores

DIFFICULT = "difficult"
CALM = "calm"

FIFO = "fifo"
SKIP_FIRST_LINE = "skip_first_line"
BALANCE_DIFFICULT = "balance_difficult"
CALM_FOR_STRONG = "calm_for_strong"
REASONS = (FIFO, SKIP_FIRST_LINE, BALANCE_DIFFICULT, CALM_FOR_STRONG)

URGENT_FRACTION = 0.5  # of the SLA target: from then on a ticket is taken strictly FIFO
SHARE_TOLERANCE = 0.02  # an agent within this of the pooled difficult share is "at the mean"
STRONG_MIN_RATINGS = 3  # customers' ratings of the agent in the window
STRONG_MIN_AVERAGE = 4.5  # stars


@dataclass(frozen=True)
class Thresholds:
    """The company's karma settings."""

    half_life_days: float = 90
    literate_min: float = 3.5
    literate_min_ratings: int = 3
    difficult_max: float = 2.4
    calm_min: float = 3.6
    temperament_min_ratings: int = 2


def is_literate(scores: Scores | None, t: Thresholds) -> bool:
    return scores is not None and scores.ratings >= t.literate_min_ratings and scores.literacy >= t.literate_min


def temperament_class(scores: Scores | None, t: Thresholds) -> str | None:
    if scores is None or scores.ratings < t.temperament_min_ratings:
        return None
    if scores.temperament <= t.difficult_max:
        return DIFFICULT
    if scores.temperament >= t.calm_min:
        return CALM
    return None


@dataclass(frozen=True)
class IntakeRoute:
    tier: int
    department: str | None
    reason: str
    routing_class: str | None  # difficult | calm | None: how take-next treats the ticket


def route_intake(
    scores: Scores | None,
    department: str | None,
    wants_skip: bool | None,
    t: Thresholds,
    second_line_on_duty: Callable[[str | None], bool],
) -> IntakeRoute:
    """Tier, department and reason for a new ticket.

    A literate customer (enough ratings, high literacy) skips the first line unless they declined
    (`wants_skip` False), provided someone on the second line serves that queue now (asked lazily,
    only for such customers). Otherwise tier 1, and the reason says how take-next will treat it."""
    routing_class = temperament_class(scores, t)
    if wants_skip is not False and is_literate(scores, t) and second_line_on_duty(department):
        return IntakeRoute(2, department, SKIP_FIRST_LINE, routing_class)
    reason = {DIFFICULT: BALANCE_DIFFICULT, CALM: CALM_FOR_STRONG}.get(routing_class or "", FIFO)
    return IntakeRoute(1, department, reason, routing_class)


@dataclass(frozen=True)
class Load:
    """An on-duty agent's recent work: tickets taken, difficult ones among them, customers' ratings."""

    employee_id: str
    taken: float = 0
    difficult: float = 0
    ratings: float = 0
    rating_points: float = 0

    @property
    def difficult_share(self) -> float:
        return self.difficult / self.taken if self.taken else 0.0

    @property
    def strong(self) -> bool:
        return self.ratings >= STRONG_MIN_RATINGS and self.rating_points / self.ratings >= STRONG_MIN_AVERAGE


Item = TypeVar("Item")


@dataclass(frozen=True)
class Waiting(Generic[Item]):
    """A waiting ticket as take-next sees it; `served` is False for a queue the agent only helps out
    (another tier's), from which only urgent tickets are taken."""

    item: Item
    ticket_id: str
    created_at: datetime
    sla_target_at: datetime
    routing_class: str | None
    served: bool = True


def is_urgent(ticket: Waiting[Item], now: datetime) -> bool:
    return now >= ticket.created_at + (ticket.sla_target_at - ticket.created_at) * URGENT_FRACTION


def needs_loads(candidates: Sequence[Waiting[Item]]) -> bool:
    """Whether the order depends on agents' loads at all (else it is FIFO and nothing more is read)."""
    return any(c.routing_class for c in candidates)


def take_order(
    candidates: Sequence[Waiting[Item]], me: Load | None, peers: Sequence[Load], now: datetime
) -> list[Waiting[Item]]:
    """The order in which to try claiming the candidates for agent `me`.

    0. urgent tickets (waited half their SLA target), oldest first, from any queue the agent may help;
    1. tickets the agent should get first: difficult ones if their difficult share is below the pooled
       share of their peers (the agents on duty serving the same tier), calm ones if customers rate them
       strongly;
    2. the rest, FIFO;
    3. difficult tickets while the agent's difficult share is above the pooled share.
    Non-urgent tickets from queues the agent only helps out are left out."""
    pooled = _pooled_share(peers, me)

    def bucket(ticket: Waiting[Item]) -> int:
        if is_urgent(ticket, now):
            return 0
        if me is None or ticket.routing_class is None:
            return 2
        if ticket.routing_class == DIFFICULT:
            share = me.difficult_share
            if share < pooled - SHARE_TOLERANCE:
                return 1
            return 3 if share > pooled + SHARE_TOLERANCE else 2
        if ticket.routing_class == CALM and me.strong:
            return 1
        return 2

    eligible = [c for c in candidates if c.served or is_urgent(c, now)]
    return sorted(eligible, key=lambda c: (bucket(c), c.created_at, c.ticket_id))


def _pooled_share(peers: Sequence[Load], me: Load | None) -> float:
    everyone = {p.employee_id: p for p in peers}
    if me is not None:
        everyone[me.employee_id] = me
    taken = sum(p.taken for p in everyone.values())
    return sum(p.difficult for p in everyone.values()) / taken if taken else 0.0
