from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor

from tests.functional.concurrent_agents import take_next_at
from tests.functional.conftest import Company

AGENTS = 6


def test_agents_asking_at_the_same_moment_never_get_the_same_ticket(company: Company) -> None:
    tokens = [company.add_agent(f"Agent{i}").token or "" for i in range(AGENTS)]
    opened = {company.open_ticket(f"Problem number {i}", email=f"c{i}@example.com")["ticket_id"] for i in range(4)}
    start_at = time.time() + 4.0
    with ProcessPoolExecutor(AGENTS, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(take_next_at, [start_at] * AGENTS, tokens))
    handed_out = [ticket for status, ticket in results if status == 200]
    assert sorted(status for status, _ in results) == [200] * 4 + [204] * 2
    assert len(handed_out) == len(set(handed_out)) == 4
    assert set(handed_out) == opened
    owners = {company.manager.call("GET", f"/tickets/{t}")[1]["assignee_id"] for t in handed_out}
    assert len(owners) == 4
