"""A long period's figures over time grouped by week: flows summed, the backlog at the week's end, averages
recomputed from the week's summed totals and counts, the first and last week cut at the period's bounds,
weeks starting on the reader's locale's first day of the week."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from babel import Locale

from chalicelib.db import paging
from chalicelib.reports import figures
from chalicelib.reports.models import COUNTERS, ReportItem
from chalicelib.web import charts
from chalicelib.web.reports import _first_weekday, first_weekday

YEAR = figures.Span(date(2028, 1, 5), date(2029, 1, 4))  # a Wednesday to a Thursday, 366 days
MONDAY, SUNDAY = 0, 6


def _item(rnd: random.Random, day: date, scope: str) -> ReportItem:
    values = {name: rnd.choice([0, 1, 2, 9, 3600, 7200]) for name in rnd.sample(COUNTERS, 30)}
    return ReportItem("co_1", f"D#{day.isoformat()}#{scope}", **values)


def _counters(span: figures.Span = YEAR) -> figures.Counters:
    rnd = random.Random(11)
    counters = figures.Counters(span, backlog_before=17)
    for n, day in enumerate(span.days()):
        if n % 4 == 0:
            continue  # a day without an item
        counters.company[day] = _item(rnd, day, "c")
        if rnd.random() < 0.5:
            counters.tips[("EUR", "emp_a")][day] = ReportItem(
                "co_1", f"D#{day}#t#EUR#emp_a", tips=rnd.randint(1, 3), tip_minor=rnd.randint(100, 900)
            )
        if rnd.random() < 0.3:
            counters.tips[("USD", "emp_b")][day] = ReportItem(
                "co_1", f"D#{day}#t#USD#emp_b", tips=1, tip_minor=rnd.randint(100, 900)
            )
    return counters


def _raw(counters: figures.Counters, week: figures.Span, name: str) -> int:
    """A counter summed over a week's days, attribute by attribute."""
    return sum(int(getattr(counters.company[day], name) or 0) for day in week.days() if day in counters.company)


def test_a_period_is_cut_into_weeks_from_the_first_weekday_with_partial_first_and_last_weeks() -> None:
    november = figures.Span(date(2026, 11, 4), date(2026, 11, 30))  # a Wednesday to a Monday
    assert [(w.first.day, w.last.day) for w in november.weeks(MONDAY)] == [
        (4, 8),
        (9, 15),
        (16, 22),
        (23, 29),
        (30, 30),
    ]
    assert [(w.first.day, w.last.day) for w in november.weeks(SUNDAY)] == [
        (4, 7),
        (8, 14),
        (15, 21),
        (22, 28),
        (29, 30),
    ]
    one_day = figures.Span(date(2026, 11, 4), date(2026, 11, 4))
    assert one_day.weeks(MONDAY) == [one_day]


@pytest.mark.parametrize("first_weekday", range(7))
def test_every_day_of_a_year_is_in_exactly_one_week_and_every_whole_week_starts_on_the_first_weekday(
    first_weekday: int,
) -> None:
    weeks = YEAR.weeks(first_weekday)
    assert [day for week in weeks for day in week.days()] == YEAR.days()
    assert weeks[0].first == YEAR.first and weeks[-1].last == YEAR.last
    assert all(1 <= len(week.days()) <= 7 for week in weeks)
    assert all(week.first.weekday() == first_weekday for week in weeks[1:])
    assert all((week.last + timedelta(days=1)).weekday() == first_weekday for week in weeks[:-1])
    assert len(weeks) in (53, 54)


def test_a_week_starts_on_the_day_babel_gives_for_the_readers_locale() -> None:
    for locale, babel_locale in (("en", "en_GB"), ("ru", "ru")):
        assert first_weekday(locale) == Locale.parse(babel_locale).first_week_day == MONDAY
    assert first_weekday("xx") == first_weekday("en")  # an unsupported locale reads as English
    assert _first_weekday("en_US") == SUNDAY and _first_weekday("ar_EG") == 5  # locales still to come


def test_weekly_tickets_sum_the_flows_and_take_the_backlog_at_the_end_of_each_week() -> None:
    counters = _counters()
    daily = figures.tickets(counters)
    weekly = figures.tickets(counters.by_week(MONDAY))
    weeks = YEAR.weeks(MONDAY)
    by_day = {row["day"]: row for row in daily["days"]}
    assert [row["day"] for row in weekly["days"]] == [week.first.isoformat() for week in weeks]
    for row, week in zip(weekly["days"], weeks, strict=True):
        for name in ("opened", "closed", "reopened"):
            assert row[name] == _raw(counters, week, name) == sum(by_day[d.isoformat()][name] for d in week.days())
        assert row["backlog"] == by_day[week.last.isoformat()]["backlog"]
    assert weekly["totals"] == daily["totals"]  # the period's totals do not depend on the rows
    assert len(daily["days"]) == 366


def test_weekly_averages_are_recomputed_from_the_weeks_summed_totals_and_counts() -> None:
    counters = _counters()
    weeks = YEAR.weeks(SUNDAY)
    grouped = counters.by_week(SUNDAY)
    first = figures.first_replies(grouped, {})
    resolved = figures.resolutions(grouped, {})
    rated = figures.ratings(grouped, {}, paging.PageOf([], None))
    by_day = {row["day"]: row["average"] for row in figures.ratings(counters, {}, paging.PageOf([], None))["days"]}
    differs = 0
    for n, week in enumerate(weeks):
        count, seconds = _raw(counters, week, "first_replies"), _raw(counters, week, "first_reply_seconds")
        assert first["days"][n]["first_replies"] == count
        assert first["days"][n]["average_seconds"] == (round(seconds / count) if count else None)
        assert first["days"][n]["target_missed"] == _raw(counters, week, "sla_target_missed")
        assert first["days"][n]["breached"] == _raw(counters, week, "sla_breached")
        count, seconds = _raw(counters, week, "resolutions"), _raw(counters, week, "resolution_seconds")
        assert resolved["days"][n]["resolutions"] == count
        assert resolved["days"][n]["average_seconds"] == (round(seconds / count) if count else None)
        count, points = _raw(counters, week, "ratings"), _raw(counters, week, "rating_points")
        assert rated["days"][n]["ratings"] == count
        assert rated["days"][n]["average"] == (round(points / count, 2) if count else None)
        daily = [by_day[day.isoformat()] for day in week.days() if by_day[day.isoformat()] is not None]
        if daily and round(sum(daily) / len(daily), 2) != rated["days"][n]["average"]:
            differs += 1  # the average of daily averages would have been wrong here
    assert differs > 10
    assert first["average_seconds"] == figures.first_replies(counters, {})["average_seconds"]


def test_weekly_karma_and_tips_are_the_sums_of_their_days() -> None:
    counters = _counters()
    weeks = YEAR.weeks(MONDAY)
    karma = figures.karma(counters.by_week(MONDAY))
    for row, week in zip(karma["days"], weeks, strict=True):
        for kind in figures.KARMA:
            assert row[kind] == _raw(counters, week, f"karma_{kind}")  # type: ignore[literal-required]
    tips = figures.tips(counters.by_week(MONDAY), {}, paging.PageOf([], None))
    daily = figures.tips(counters, {}, paging.PageOf([], None))
    assert [row["day"] for row in tips["days"]] == [week.first.isoformat() for week in weeks]
    for row, week in zip(tips["days"], weeks, strict=True):
        in_week = [counters.tips[key].get(day) for key in counters.tips for day in week.days()]
        assert row["tips"] == sum(int(item.tips) for item in in_week if item is not None)
        for currency in ("EUR", "USD"):
            minor = sum(
                int(item.tip_minor)
                for (paid_in, _), tip_days in counters.tips.items()
                if paid_in == currency
                for day, item in tip_days.items()
                if week.first <= day <= week.last
            )
            assert row["amount"].get(currency) == (f"{minor / 100:.2f}" if minor else None)
    assert (tips["tips"], tips["amount"], tips["agents"]) == (daily["tips"], daily["amount"], daily["agents"])


def test_a_period_read_per_day_is_given_per_day() -> None:
    counters = _counters(figures.Span(date(2028, 3, 1), date(2028, 5, 31)))
    assert [row["day"] for row in figures.tickets(counters)["days"]] == [d.isoformat() for d in counters.span.days()]


def test_a_weeks_bars_and_dots_are_titled_by_the_week_and_its_axis_by_the_weeks_first_day() -> None:
    weeks = figures.Span(date(2026, 11, 4), date(2026, 11, 30)).weeks(MONDAY)
    firsts = [week.first for week in weeks]
    titles = [f"Week of {charts.day_label(day, 'en')}" for day in firsts]
    opened = charts.Series("Opened", [3, 0, 5, 1, 2], "#1d4ed8")
    backlog = charts.Series("Backlog", [4, 4, 6, 2, 1], "#4b5563", "line")
    chart = charts.days_chart("Tickets", firsts, [opened, backlog], "en", str, titles=titles)
    assert [bar.title for bar in chart.bars] == [
        "Week of 4 Nov: Opened 3.0",
        "Week of 16 Nov: Opened 5.0",
        "Week of 23 Nov: Opened 1.0",
        "Week of 30 Nov: Opened 2.0",
    ]
    assert chart.lines[0].dots[0][2] == "Week of 4 Nov: Backlog 4.0"
    assert [tick.label for tick in chart.x_ticks] == ["4 Nov", "9 Nov", "16 Nov", "23 Nov", "30 Nov"]
