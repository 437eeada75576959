"""A seeded, reproducible simulation of a support shift: karma routing against plain FIFO.

It runs the app's own routing decisions, not a re-implementation: the customers' karma comes from
`chalicelib.karma.scores` (recency-weighted, neutral prior) over a generated rating history, the
intake from `chalicelib.karma.policy.route_intake` and every take-next from `policy.take_order`,
with the same `Waiting`/`Load` inputs the app builds from DynamoDB. Only time, queues and agents are
simulated here.

The shift: tier-1 and tier-2 agents on duty, tickets arriving at random from a customer base of known
literacy and temperament. A technical question (from a literate customer) taken by the first line
gets a first reply, then is escalated to the second line; difficult customers take longer to serve.
FIFO mode routes every ticket with no karma (tier 1, FIFO); karma mode gives each ticket its
customer's karma.

    python -m tools.routing_sim --seed 7 --tickets 450 --tier1 6 --tier2 3

Measures: (a) each agent's share of difficult tickets (max and mean over the first line, and over
all agents), (b) time to first reply for literate customers, (c) SLA breaches (first reply later than
the SLA target).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.karma import policy
from chalicelib.karma.scores import Point, Scores, scores_at, sums_of

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
STEP_MINUTES = 0.25
FIRST_REPLY_MINUTES = 1.0  # an agent replies this long after taking a ticket
ESCALATION_MINUTES = 8.0  # the first line's time on a technical question before escalating it


@dataclass(frozen=True)
class Config:
    seed: int = 7
    tickets: int = 450
    tier1: int = 6
    tier2: int = 3
    customers: int = 300
    shift_minutes: float = 480.0
    sla_target_minutes: float = 30.0
    literate: float = 0.2  # share of customers who are technically literate
    difficult: float = 0.2
    calm: float = 0.3
    strong_agents: int = 2  # first-line agents whom customers rate strongly
    service_minutes: float = 4.5  # first line, mean
    technical_minutes: float = 10.0  # second line, mean
    difficult_factor: float = 1.6
    calm_factor: float = 0.8


@dataclass
class Customer:
    customer_id: str
    literate: bool
    temperament: str  # difficult | neutral | calm
    scores: Scores | None = None


@dataclass
class SimTicket:
    ticket_id: str
    customer: Customer
    created_at: datetime
    sla_target_at: datetime
    tier: int
    reason: str
    routing_class: str | None
    first_reply_at: datetime | None = None
    escalated: bool = False
    taken_by: list[str] = field(default_factory=list)


@dataclass
class Agent:
    employee_id: str
    tier: int
    strong: bool
    free_at: datetime = START
    taken: int = 0
    difficult: int = 0

    def load(self) -> policy.Load:
        ratings, points = (10, 48) if self.strong else (10, 38)
        return policy.Load(self.employee_id, self.taken, self.difficult, ratings, points)


def _customers(config: Config, rng: random.Random, thresholds: policy.Thresholds) -> list[Customer]:
    found = []
    for n in range(config.customers):
        roll = rng.random()
        temperament = (
            "difficult" if roll < config.difficult else "calm" if roll < config.difficult + config.calm else "neutral"
        )
        customer = Customer(f"cu{n}", rng.random() < config.literate, temperament)
        history = []
        for _ in range(rng.choice([0, 2, 3, 4, 5, 6, 8])):  # agents' past ratings of this customer
            literacy = rng.choice([4, 5, 5]) if customer.literate else rng.choice([1, 2, 3, 3])
            mood = {"difficult": [1, 1, 2, 2, 3], "neutral": [2, 3, 3, 4], "calm": [4, 5, 5, 3]}[temperament]
            rated_at = START - timedelta(days=rng.uniform(1, 90))
            history.append(Point(literacy, rng.choice(mood), rated_at))
        if history:
            customer.scores = scores_at(sums_of(history, thresholds.half_life_days), START)
        found.append(customer)
    return found


def _service_minutes(config: Config, rng: random.Random, ticket: SimTicket, tier: int) -> float:
    if tier == 2:
        mean = config.technical_minutes
    elif ticket.customer.literate:
        return FIRST_REPLY_MINUTES + ESCALATION_MINUTES
    else:
        mean = config.service_minutes
    mean *= {"difficult": config.difficult_factor, "calm": config.calm_factor}.get(ticket.customer.temperament, 1.0)
    return FIRST_REPLY_MINUTES + rng.expovariate(1 / mean)


def run(config: Config, mode: str) -> dict[str, Any]:
    """One shift in `mode` ("fifo" or "karma"); the same seed gives the same customers and arrivals."""
    rng = random.Random(config.seed)
    thresholds = policy.Thresholds()
    customers = _customers(config, rng, thresholds)
    arrivals = sorted(rng.uniform(0, config.shift_minutes) for _ in range(config.tickets))
    callers = [rng.choice(customers) for _ in arrivals]
    agents = [Agent(f"t1-{n}", 1, n < config.strong_agents) for n in range(config.tier1)]
    agents += [Agent(f"t2-{n}", 2, False) for n in range(config.tier2)]
    work = random.Random(config.seed + 1)  # service times: same stream in both modes
    sla = timedelta(minutes=config.sla_target_minutes)

    queues: dict[int, list[SimTicket]] = {1: [], 2: []}
    tickets: list[SimTicket] = []
    upcoming = list(zip(arrivals, callers, strict=True))
    now, step = START, timedelta(minutes=STEP_MINUTES)
    while upcoming or queues[1] or queues[2] or any(a.free_at > now for a in agents):
        while upcoming and START + timedelta(minutes=upcoming[0][0]) <= now:
            minute, customer = upcoming.pop(0)
            created = START + timedelta(minutes=minute)
            scores = customer.scores if mode == "karma" else None
            route = policy.route_intake(scores, None, None, thresholds, lambda _department: config.tier2 > 0)
            ticket = SimTicket(
                f"tk{len(tickets):05d}", customer, created, created + sla, route.tier, route.reason, route.routing_class
            )
            tickets.append(ticket)
            queues[route.tier].append(ticket)
        for agent in sorted((a for a in agents if a.free_at <= now), key=lambda a: (a.free_at, a.employee_id)):
            peers = [a.load() for a in agents if a.tier == agent.tier]
            candidates = [
                policy.Waiting(t, t.ticket_id, t.created_at, t.sla_target_at, t.routing_class)
                for t in queues[agent.tier]
            ]
            if agent.tier == 1:  # the first line helps with urgent tickets that skipped it
                candidates += [
                    policy.Waiting(t, t.ticket_id, t.created_at, t.sla_target_at, t.routing_class, False)
                    for t in queues[2]
                    if t.reason == policy.SKIP_FIRST_LINE
                ]
            ordered = policy.take_order(candidates, agent.load(), peers, now)
            if not ordered:
                continue
            ticket = ordered[0].item
            queues[ticket.tier].remove(ticket)
            agent.taken += 1
            agent.difficult += ticket.routing_class == policy.DIFFICULT if mode == "karma" else 0
            ticket.taken_by.append(agent.employee_id)
            if ticket.first_reply_at is None:
                ticket.first_reply_at = now + timedelta(minutes=FIRST_REPLY_MINUTES)
            minutes = _service_minutes(config, work, ticket, agent.tier)
            agent.free_at = now + timedelta(minutes=minutes)
            if agent.tier == 1 and ticket.customer.literate and not ticket.escalated:
                ticket.escalated, ticket.tier = True, 2  # the second line solves it
                queues[2].append(ticket)
        now += step
    return _measure(tickets, agents, mode)


def _measure(tickets: list[SimTicket], agents: list[Agent], mode: str) -> dict[str, Any]:
    thresholds = policy.Thresholds()

    def known_difficult(ticket: SimTicket) -> bool:  # what the desk's karma says (the same in both modes)
        return policy.temperament_class(ticket.customer.scores, thresholds) == policy.DIFFICULT

    def truly_difficult(ticket: SimTicket) -> bool:  # the customer's nature, known to karma or not
        return ticket.customer.temperament == "difficult"

    def waited(ticket: SimTicket) -> float:
        assert ticket.first_reply_at is not None
        return (ticket.first_reply_at - ticket.created_at).total_seconds() / 60

    literate = [waited(t) for t in tickets if t.customer.literate]
    return {
        "mode": mode,
        "tickets": len(tickets),
        "difficult_share_first_line": _spread(_shares(tickets, agents, known_difficult, "t1-")),
        "difficult_share_all_agents": _spread(_shares(tickets, agents, known_difficult, "")),
        "truly_difficult_share_first_line": _spread(_shares(tickets, agents, truly_difficult, "t1-")),
        "literate_first_reply_minutes": {
            "mean": round(statistics.mean(literate), 2),
            "p90": round(statistics.quantiles(literate, n=10)[-1], 2),
        },
        "all_first_reply_minutes": {"mean": round(statistics.mean(waited(t) for t in tickets), 2)},
        "sla_breaches": sum(1 for t in tickets if t.first_reply_at is not None and t.first_reply_at > t.sla_target_at),
        "skipped_first_line": sum(1 for t in tickets if t.reason == policy.SKIP_FIRST_LINE),
    }


def _shares(tickets: list[SimTicket], agents: list[Agent], difficult: Any, prefix: str) -> list[float]:
    """Each agent's share of difficult tickets among the tickets they took."""
    taken = {a.employee_id: 0 for a in agents if a.employee_id.startswith(prefix)}
    hard = dict(taken)
    for ticket in tickets:
        for agent_id in ticket.taken_by:
            if agent_id in taken:
                taken[agent_id] += 1
                hard[agent_id] += bool(difficult(ticket))
    return [hard[a] / taken[a] for a in taken if taken[a]]


def _spread(shares: list[float]) -> dict[str, float]:
    mean = statistics.mean(shares)
    return {"max": round(max(shares), 3), "mean": round(mean, 3), "max_over_mean": round(max(shares) / mean, 3)}


def compare(config: Config) -> dict[str, Any]:
    return {"config": config.__dict__, "fifo": run(config, "fifo"), "karma": run(config, "karma")}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for name, value in Config().__dict__.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)
    args = parser.parse_args(argv)
    print(json.dumps(compare(Config(**vars(args))), indent=2))


if __name__ == "__main__":
    main()
