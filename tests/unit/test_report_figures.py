"""The reports' sums over a period's counters: each figure read from the stored values once, the same
totals as adding up every counter attribute by attribute."""

from __future__ import annotations

import random
from datetime import date, timedelta

from chalicelib.reports import figures
from chalicelib.reports.models import COUNTERS, ReportItem

SPAN = figures.Span(date(2028, 1, 1), date(2028, 12, 31))


def _item(rnd: random.Random, day: date, scope: str) -> ReportItem:
    values = {name: rnd.choice([0, 1, 2, 9]) for name in rnd.sample(COUNTERS, 20)}
    return ReportItem("co_1", f"D#{day.isoformat()}#{scope}", **values)


def _counters() -> figures.Counters:
    rnd = random.Random(7)
    counters = figures.Counters(SPAN)
    for n, day in enumerate(SPAN.days()):
        if n % 5 == 0:
            continue  # a day without an item

        counters.company[day] = _item(rnd, day, "c")
        for agent in ("emp_a", "emp_b"):
            if rnd.random() < 0.6:
                counters.agents[agent][day] = _item(rnd, day, f"a#{agent}")
    return counters


def _slow_sum(items: list[ReportItem], name: str) -> int:
    return sum(int(getattr(item, name) or 0) for item in items)


def test_a_counter_not_stored_counts_as_zero() -> None:
    item = ReportItem("co_1", "D#2028-01-01#c", opened=3, closed=0)
    assert (item.value("opened"), item.value("closed"), item.value("reopened")) == (3, 0, 0)
    assert item.values(("reopened", "opened", "closed")) == (0, 3, 0)


def test_the_period_totals_are_the_sums_of_every_days_counters() -> None:
    counters = _counters()
    days = list(counters.company.values())
    assert counters.company_totals(COUNTERS) == {name: _slow_sum(days, name) for name in COUNTERS}
    assert counters.company_total("opened") == _slow_sum(days, "opened")
    per_agent = counters.agent_totals(("ratings", "rating_points"))
    for agent, agent_days in counters.agents.items():
        items = list(agent_days.values())
        assert per_agent[agent] == {
            "ratings": _slow_sum(items, "ratings"),
            "rating_points": _slow_sum(items, "rating_points"),
        }


def test_every_day_of_the_period_has_its_figures_and_a_day_without_an_item_has_zeros() -> None:
    counters = _counters()
    rows = list(counters.company_days(("opened", "closed")))
    assert [day for day, _ in rows] == SPAN.days()
    assert rows[0] == (date(2028, 1, 1), (0, 0))
    day = date(2028, 1, 2)
    assert rows[1] == (day, (counters.company[day].value("opened"), counters.company[day].value("closed")))


def test_an_empty_period_sums_to_zeros() -> None:
    counters = figures.Counters(figures.Span(date(2028, 1, 1), date(2028, 1, 1) + timedelta(days=6)))
    assert counters.company_totals(("opened", "closed")) == {"opened": 0, "closed": 0}
    assert counters.agent_totals(("ratings",)) == {}
    assert figures.tickets(counters)["totals"]["backlog_end"] == 0
