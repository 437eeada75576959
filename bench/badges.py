"""Benchmark of the badge job (not a test; figures, not pass/fail).

    .venv/bin/python bench/badges.py [--agents 1000] [--small-agents 100] [--events 10000,100000] [--json out.json]

Against the local stack's moto server on loopback, it measures:

1. the job for one company-day with `--agents` agents who all worked every day of the 7-day window:
   wall time, and DynamoDB requests by operation (counted with a botocore hook on every API call);
2. the DynamoDB reads the job makes for a company of `--small-agents` (and of `--agents`) agents with
   10k vs 100k activity events in the window: reads must not grow with events, only with agents x days.

Events are generated (replies, transfers, tags, resolutions, breaks, calls, chats, ratings, online
time, with ticket ids drawn from a pool that grows with the event count, so the distinct-ticket sets
grow too) and folded into the per-agent per-day items exactly as `chalicelib.activity` records them
(counters added, extremes kept at their maximum, ticket ids added to sets). They are written with
BatchWriteItem, because the job never reads events, only those items; writing 100k events one
UpdateItem at a time would only slow the setup down.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import socket
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

READ_OPERATIONS = {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment(moto_url: str) -> None:
    """As on Lambda for the local stage, pointed at the bench's own moto server; set before imports."""
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
            "STAGE": "local",
            "TABLE_PREFIX": "bench-badges",
            "DYNAMODB_ENDPOINT": moto_url,
            "SES_ENDPOINT": moto_url,
            "APP_SECRET": "bench-secret",
        }
    )


class RequestCounter:
    """Counts DynamoDB requests by operation (and items returned by reads) for every botocore client."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.items_read = 0
        self.bytes_read = 0
        self.active = False

    def install(self) -> None:
        from tests.support.aws_calls import wrap_api_calls

        counter = self

        def counted(original: Any, client: Any, operation: str, params: dict[str, Any]) -> Any:
            result = original(client, operation, params)
            if counter.active and client.meta.service_model.service_name == "dynamodb":
                counter.calls[operation] += 1
                if operation in READ_OPERATIONS:
                    items = result.get("Items", []) + ([result["Item"]] if "Item" in result else [])
                    counter.items_read += len(items)
                    counter.bytes_read += len(json.dumps(items, default=str))
            return result

        wrap_api_calls(counted)

    @contextmanager
    def measuring(self) -> Iterator[RequestCounter]:
        self.calls.clear()
        self.items_read = 0
        self.bytes_read = 0
        self.active = True
        try:
            yield self
        finally:
            self.active = False

    @property
    def reads(self) -> int:
        return sum(n for op, n in self.calls.items() if op in READ_OPERATIONS)

    @property
    def writes(self) -> int:
        return sum(n for op, n in self.calls.items() if op not in READ_OPERATIONS)


def _fold(item: dict[str, Any], kind: str, rng: random.Random, ticket_pool: int) -> None:
    """One event, folded into an agent-day item the way the product's recording functions fold it."""

    def add(name: str, amount: float = 1) -> None:
        item.setdefault("counters", Counter())[name] += amount

    def extreme(name: str, value: float) -> None:
        extremes = item.setdefault("extremes", {})
        extremes[name] = max(extremes.get(name, 0), value)

    def ticket(name: str) -> None:
        item.setdefault("sets", {}).setdefault(name, set()).add(f"tkt_{rng.randrange(ticket_pool):032x}")

    if kind == "reply":
        length = rng.randint(20, 2000)
        add("replies")
        add("reply_chars", length)
        extreme("longest_reply", length)
    elif kind == "transfer":
        add("transfers")
        ticket("transferred_tickets")
    elif kind == "tag":
        add("tags_added")
        ticket("tagged_tickets")
    elif kind == "resolve":
        add("resolutions")
        add("handled")
        add("handling_seconds", rng.randint(60, 20000))
        ticket("resolved_tickets")
        if rng.random() < 0.3:
            add("chats_handled")
            extreme("chat_max_messages", rng.randint(2, 60))
    elif kind == "break":
        add("breaks")
        add("break_seconds", rng.randint(60, 1800))
    elif kind == "call":
        seconds = rng.randint(30, 3600)
        add("calls")
        add("call_seconds", seconds)
        extreme("longest_call", seconds)
    elif kind == "chat":
        add("chat_first_responses")
        add("chat_first_response_seconds", rng.randint(5, 600))
    elif kind == "rating":
        stars = rng.randint(1, 5)
        add("ratings")
        add("rating_points", stars)
        if stars >= 4:
            add("positive_ratings")
            add("rewards")
        elif stars <= 2:
            add("negative_ratings")
    else:  # online time booked
        add("online_seconds", rng.randint(600, 4 * 3600))


KINDS = ("reply",) * 5 + ("transfer", "tag", "resolve", "resolve", "break", "call", "chat", "rating", "online")


def seed_company(company_id: str, agents: int, events: int, day: date, seed: int = 7) -> dict[str, Any]:
    """Employees, and `events` events over the 7 days ending on `day`, folded into agent-day items."""
    from chalicelib.activity import AgentDay, day_key
    from chalicelib.db.models import Employee

    rng = random.Random(seed)
    now = datetime.now(UTC)
    employee_ids = [f"emp_{rng.getrandbits(128):032x}" for _ in range(agents)]
    with Employee.batch_write() as batch:
        for n, employee_id in enumerate(employee_ids):
            batch.save(
                Employee(
                    company_id,
                    employee_id,
                    name=f"Agent {n}",
                    email=f"a{n}@bench.test",
                    role="agent",
                    tier=1,
                    departments=[],
                    status="offline",
                    status_since=now,
                    active=True,
                    created_at=now,
                )
            )
    days = [day - timedelta(days=n) for n in range(7)]
    items: dict[tuple[date, str], dict[str, Any]] = {}
    for d in days:  # everyone worked every day: the largest item count the window can have
        for employee_id in employee_ids:
            items[(d, employee_id)] = {"counters": Counter({"online_seconds": 3600})}
    for _ in range(events):
        key = (rng.choice(days), rng.choice(employee_ids))
        _fold(items[key], rng.choice(KINDS), rng, ticket_pool=max(events // 4, 10))
    with AgentDay.batch_write() as batch:
        for (d, employee_id), folded in items.items():
            record = AgentDay(day_key(company_id, d), employee_id)
            for name, value in folded.get("counters", {}).items():
                setattr(record, name, value)
            for name, value in folded.get("extremes", {}).items():
                setattr(record, name, value)
            for name, value in folded.get("sets", {}).items():
                setattr(record, name, value)
            batch.save(record)
    sizes = [len(v) for f in items.values() for v in f.get("sets", {}).values()]
    return {
        "agent_days": len(items),
        "largest_ticket_set": max(sizes, default=0),
        "mean_ticket_set": round(statistics.fmean(sizes), 1) if sizes else 0,
    }


def measure(counter: RequestCounter, company_id: str, day: date) -> dict[str, Any]:
    from chalicelib.badges.job import run_day

    with counter.measuring():
        started = time.perf_counter()
        summary = run_day(company_id, day)
        seconds = time.perf_counter() - started
        first = {
            "seconds": round(seconds, 2),
            "reads": counter.reads,
            "writes": counter.writes,
            "items_read": counter.items_read,
            "kb_read": round(counter.bytes_read / 1024),
            "by_operation": dict(sorted(counter.calls.items())),
            "badges_awarded": len(summary["awards"]),
            "agents_counted": summary["agents_counted"],
        }
    with counter.measuring():
        started = time.perf_counter()
        run_day(company_id, day)
        first["rerun"] = {
            "seconds": round(time.perf_counter() - started, 3),
            "reads": counter.reads,
            "writes": counter.writes,
        }
    return first


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--small-agents", type=int, default=100)
    parser.add_argument("--events", default="10000,100000")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    event_counts = [int(n) for n in args.events.split(",")]

    port = _free_port()
    _environment(f"http://127.0.0.1:{port}")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request log lines
    from devstack.moto import MotoServer

    server = MotoServer("127.0.0.1", port).start()
    try:
        from chalicelib.db.catalog import create_missing_tables

        create_missing_tables()
        counter = RequestCounter()
        counter.install()
        day = date.today() - timedelta(days=1)
        results: dict[str, Any] = {"day": day.isoformat(), "runs": []}
        for agents in sorted({args.small_agents, args.agents}):
            for events in event_counts:
                company_id = f"co_bench_{agents}_{events}"
                setup = time.perf_counter()
                shape = seed_company(company_id, agents, events, day)
                shape["setup_seconds"] = round(time.perf_counter() - setup, 1)
                run = {"agents": agents, "events": events, **shape, **measure(counter, company_id, day)}
                results["runs"].append(run)
                print(
                    f"{agents:>5} agents {events:>7} events: {run['seconds']:>6} s, reads {run['reads']:>3} "
                    f"({run['items_read']} items, {run['kb_read']} KB), writes {run['writes']:>5}, rerun reads "
                    f"{run['rerun']['reads']} writes {run['rerun']['writes']}",
                    flush=True,
                )
        for agents in sorted({args.small_agents, args.agents}):
            runs = [r for r in results["runs"] if r["agents"] == agents]
            low, high = runs[0], runs[-1]
            results[f"read_ratio_{agents}_agents"] = round(high["reads"] / low["reads"], 3)
        print(markdown(results))
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
        return results
    finally:
        server.stop()


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"Badge job, one company-day ({results['day']}), moto on loopback",
        "",
        "| agents | events in window | agent-day items | job time (s) | reads | items read | KB read | writes | "
        "rerun reads | rerun writes |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results["runs"]:
        lines.append(
            f"| {r['agents']} | {r['events']} | {r['agent_days']} | {r['seconds']} | {r['reads']} | "
            f"{r['items_read']} | {r['kb_read']} | {r['writes']} | {r['rerun']['reads']} | "
            f"{r['rerun']['writes']} |"
        )
    lines.append("")
    for key, value in results.items():
        if key.startswith("read_ratio"):
            lines.append(f"- {key.replace('_', ' ')} (most events / fewest): {value}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
