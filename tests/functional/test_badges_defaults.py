"""Each of the 15 default badges, from recorded activity through the manager's run route: the winner,
the figure that won it, the window (activity outside it does not count) and the minimum activity
(an agent below it does not win even with the "best" figure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest

from chalicelib.badges.evaluate import draw
from chalicelib.badges.rules import DEFAULT_KEYS
from chalicelib.keys import derive_key
from tests.functional.badges_helpers import run, seed, tomorrow_fixture, winners  # noqa: F401 (fixture)
from tests.functional.conftest import Company

# Seeds: agent -> day offset (0 = the evaluated day, -1 the day before, ...) -> what was recorded.
Seeds = dict[str, dict[int, dict[str, Any]]]


@dataclass
class Case:
    seeds: Seeds
    winner: str
    figure: float
    why: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def counters(**values: float) -> dict[str, Any]:
    return {"counters": values}


CASES: dict[str, Case] = {
    "traffic_controller": Case(
        {
            "Ada": {
                0: {"tickets": {"transferred_tickets": ["t1", "t2"]}},
                -3: {"tickets": {"transferred_tickets": ["t1"]}},
            },
            # one ticket moved back and forth five times counts once
            "Bob": {0: {"counters": {"transfers": 5}, "tickets": {"transferred_tickets": ["t1"] * 5}}},
            "Cy": {-7: {"tickets": {"transferred_tickets": [f"t{n}" for n in range(9)]}}},  # outside the 7 days
        },
        "Ada",
        3,
    ),
    "siesta": Case(
        {
            "Ada": {0: counters(break_seconds=600), -2: counters(break_seconds=600)},
            "Bob": {-6: counters(break_seconds=900)},
            "Cy": {0: counters(break_seconds=30, replies=50)},
        },  # under the one-minute minimum
        "Ada",
        1200,
    ),
    "rebel_without_a_cause": Case(
        {
            "Ada": {0: counters(negative_ratings=1)},
            "Bob": {-6: counters(negative_ratings=2)},
            "Cy": {-7: counters(negative_ratings=5)},
        },
        "Bob",
        2,
    ),
    "inspector": Case(
        {
            "Ada": {-1: counters(handled=1, handling_seconds=100), 0: counters(handled=2, handling_seconds=400)},
            "Bob": {-1: counters(handled=1, handling_seconds=100), 0: counters(handled=1, handling_seconds=300)},
            "Cy": {0: counters(handled=1, handling_seconds=5000)},
        },  # nothing handled the day before
        "Bob",
        200,
    ),
    "speedy_gonzales": Case(
        {
            "Ada": {0: counters(chat_first_responses=2, chat_first_response_seconds=60)},
            "Bob": {0: counters(chat_first_responses=1, chat_first_response_seconds=20)},
            "Cy": {0: counters(first_responses=1, first_response_seconds=1, replies=3)},  # no chat answered
            "Dee": {-1: counters(chat_first_responses=1, chat_first_response_seconds=2)},
        },  # not yesterday
        "Bob",
        20,
    ),
    "rewarded": Case(
        {
            "Ada": {0: counters(rewards=1), -4: counters(rewards=2)},
            "Bob": {0: counters(rewards=2)},
            "Cy": {-8: counters(rewards=9)},
        },
        "Ada",
        3,
    ),
    "coffee": Case(
        {
            "Ada": {0: counters(breaks=2)},
            "Bob": {0: counters(breaks=1), -5: counters(breaks=3)},
            "Cy": {0: counters(replies=40)},
        },
        "Bob",
        4,
    ),
    "novelist": Case(
        {
            "Ada": {0: {"extremes": {"longest_reply": 500}}},
            "Bob": {0: {"extremes": {"longest_reply": 300}}, -1: {"extremes": {"longest_reply": 900}}},
        },
        "Ada",
        500,
    ),
    "tagger": Case(
        {
            "Ada": {0: {"tickets": {"tagged_tickets": ["t1", "t2"]}}},
            "Bob": {0: {"counters": {"tags_added": 6}, "tickets": {"tagged_tickets": ["t1", "t1", "t1"]}}},
        },
        "Ada",
        2,
    ),
    "four_leaf_clover": Case(
        {
            "Ada": {0: counters(online_seconds=60)},
            "Bob": {0: counters(online_seconds=7200)},
            "Cy": {-1: counters(online_seconds=9000)},
            "Dee": {0: counters(replies=3)},
        },  # not online yesterday
        "<drawn>",
        1,
    ),
    "express": Case(
        {
            "Ada": {0: counters(handled=2, handling_seconds=600)},
            "Bob": {0: counters(handled=1, handling_seconds=100)},
            "Cy": {0: counters(replies=5)},
            "Dee": {-1: counters(handled=1, handling_seconds=1)},
        },
        "Bob",
        100,
    ),
    "hardworking": Case(
        {
            "Ada": {d: counters(online_seconds=3600) for d in range(-4, 1)},
            "Bob": {-7: counters(online_seconds=36000), 0: counters(online_seconds=3600)},
            "Cy": {0: counters(online_seconds=59)},
        },
        "Ada",
        5 * 3600,
    ),
    "chatty": Case(
        {
            "Ada": {0: {"extremes": {"chat_max_messages": 12}}},
            "Bob": {0: {"extremes": {"chat_max_messages": 30}}},
            "Cy": {-1: {"extremes": {"chat_max_messages": 99}}},
        },
        "Bob",
        30,
    ),
    "cleaner": Case(
        {
            "Ada": {0: {"tickets": {"resolved_tickets": ["t1", "t2"]}}, -6: {"tickets": {"resolved_tickets": ["t3"]}}},
            "Bob": {0: {"tickets": {"resolved_tickets": ["t4", "t4", "t4"]}}},
        },
        "Ada",
        3,
    ),
    "talker": Case(
        {
            "Ada": {0: {"extremes": {"longest_call": 300}}},
            "Bob": {0: {"extremes": {"longest_call": 200}}, -1: {"extremes": {"longest_call": 1200}}},
        },
        "Ada",
        300,
    ),
}


def test_every_default_badge_has_a_case() -> None:
    assert set(CASES) == DEFAULT_KEYS and len(DEFAULT_KEYS) == 15


def plant(company: Company, seeds: Seeds, day: date) -> None:
    for agent in seeds:
        if agent not in company.agent_ids:
            company.add_agent(agent, online=False)
    for agent, by_offset in seeds.items():
        for offset, recorded in by_offset.items():
            seed(
                company,
                agent,
                day + timedelta(days=offset),
                recorded.get("counters"),
                recorded.get("tickets"),
                recorded.get("extremes"),
            )


@pytest.mark.parametrize("badge", sorted(CASES))
def test_a_default_badge_goes_to_the_best_agent_in_its_window_above_the_minimum_activity(
    badge: str, company: Company, tomorrow: date
) -> None:
    case = CASES[badge]
    day = tomorrow
    plant(company, case.seeds, day)
    summary = run(company, day)
    won = winners(summary, company)
    expected = case.winner
    if badge == "four_leaf_clover":  # the highest keyed lot among the agents online that day
        key = derive_key("badges.lot")
        online = ["Ada", "Bob"]
        expected = max(
            online, key=lambda a: draw(key, company.company_id, day.isoformat(), badge, company.agent_ids[a])
        )
    assert won[badge] == (expected, case.figure), summary
    status, board = company.manager.call("GET", "/leaderboard")
    assert status == 200
    holder = next(r for r in board["agents"] if r["employee_id"] == company.agent_ids[expected])
    assert badge in [b["key"] for b in holder["current_badges"]]
    assert holder["badges_won"][badge] == 1


def test_nobody_wins_anything_for_a_day_without_activity(company: Company, tomorrow: date) -> None:
    company.add_agent("Ada", online=False)
    summary = run(company, tomorrow)
    assert summary["awards"] == {}
    assert sorted(summary["no_winner"]) == sorted(DEFAULT_KEYS)
