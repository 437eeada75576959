"""The reports' charts label days exactly as Babel would, however many days a report shows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from babel.dates import format_date, format_skeleton

from chalicelib import i18n
from chalicelib.web import charts

LEAP_AND_NEXT = [date(2028, 1, 1) + timedelta(days=n) for n in range(731)]  # a leap year and the next


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_every_day_of_two_years_is_labelled_as_babel_writes_it(locale: str) -> None:
    babel_locale = i18n.formatting_locale(locale)
    for day in LEAP_AND_NEXT:
        assert charts.day_label(day, locale) == format_skeleton("MMMd", day, locale=babel_locale)
        assert charts.date_labels(locale, "medium")(day) == format_date(day, "medium", locale=babel_locale)


@pytest.mark.parametrize("babel_locale", ["lt", "de", "ja", "ar", "fr_CA", "en_US", "zh_Hant"])
def test_languages_still_to_come_are_labelled_as_babel_writes_them_too(babel_locale: str) -> None:
    for day in LEAP_AND_NEXT[::3]:
        assert charts._date_labels(babel_locale, "short_day")(day) == format_skeleton("MMMd", day, locale=babel_locale)
        assert charts._date_labels(babel_locale, "medium")(day) == format_date(day, "medium", locale=babel_locale)


def test_the_medium_date_is_the_one_the_date_filter_writes() -> None:
    for locale in ("en", "ru"):
        for day in (date(2026, 11, 30), date(2024, 2, 29), date(1999, 1, 1)):
            assert charts.date_labels(locale, "medium")(day) == i18n.format_date(day, locale)
    assert charts.day_label(date(2026, 11, 30), "ru") == "30 нояб."
    assert charts.day_label(date(2026, 11, 30), "en") == "30 Nov"


@pytest.mark.parametrize(
    ("pattern", "babel_locale"), [("EEE, d MMM y", "en_GB"), ("QQQ y", "ru"), ("dd.MM.yy", "de"), ("LLLL y", "ru")]
)
def test_a_pattern_with_other_fields_than_day_month_and_year_is_still_written_as_babel_writes_it(
    pattern: str, babel_locale: str
) -> None:
    labels = charts.DateLabels(pattern, babel_locale)
    for day in LEAP_AND_NEXT[::7]:
        assert labels(day) == format_date(day, pattern, locale=babel_locale)


def test_the_days_kept_are_bounded_and_a_day_forgotten_is_labelled_again_the_same() -> None:
    labels = charts.DateLabels("d MMM y", "en_GB")
    days = [date(2000, 1, 1) + timedelta(days=n) for n in range(labels.KEPT + 10)]
    first = [labels(day) for day in days]
    assert len(labels.labels) <= labels.KEPT
    assert [labels(day) for day in days] == first
    assert first[0] == "1 Jan 2000"


def _week() -> list[date]:
    return [date(2026, 11, 23) + timedelta(days=n) for n in range(7)]


def test_a_days_chart_draws_a_bar_per_figure_day_by_day_and_none_for_a_zero() -> None:
    opened = charts.Series("Opened", [0, 2, 0, 1, 0, 0, 4], "#1d4ed8")
    closed = charts.Series("Closed", [1, 0, None, 1, 0, 0, 0], "#c2410c")
    chart = charts.days_chart("Tickets", _week(), [opened, closed], "en", lambda value: str(int(value)))
    assert [bar.title for bar in chart.bars] == [
        "23 Nov: Closed 1",
        "24 Nov: Opened 2",
        "26 Nov: Opened 1",
        "26 Nov: Closed 1",
        "29 Nov: Opened 4",
    ]
    assert chart.bars[1] == charts.Bar("84.0", "93.0", "18.2", "83.0", "#1d4ed8", "24 Nov: Opened 2")
    assert [(tick.label, round(tick.at, 1)) for tick in chart.x_ticks][:2] == [("23 Nov", 56.7), ("25 Nov", 147.6)]
    assert [tick.label for tick in chart.y_ticks] == ["0", "1", "2", "3", "4"]


def test_stacked_bars_sit_on_each_other_and_a_line_has_a_dot_with_its_figure_on_each_day_it_has_one() -> None:
    calm = charts.Series("Calm", [1, 0, 2, 0, 0, 0, 0], "#15803d")
    difficult = charts.Series("Difficult", [1, 0, 0, 0, 0, 0, 3], "#b91c1c")
    backlog = charts.Series("Backlog", [2, None, 3, 3, 1, 0, 2], "#4b5563", "line")
    number = str
    stacked = charts.days_chart("Mix", _week(), [calm, difficult], "ru", number, stacked=True)
    first, second = stacked.bars[:2]
    assert (first.title, second.title) == ("23 нояб.: Calm 1.0", "23 нояб.: Difficult 1.0")
    assert abs(float(second.y) + float(second.height) - float(first.y)) < 0.15  # the second stands on the first
    assert first.x == second.x
    lined = charts.days_chart("Backlog", _week(), [backlog], "en", number)
    assert [title for _, _, title in lined.lines[0].dots] == [
        "23 Nov: Backlog 2.0",
        "25 Nov: Backlog 3.0",
        "26 Nov: Backlog 3.0",
        "27 Nov: Backlog 1.0",
        "28 Nov: Backlog 0.0",
        "29 Nov: Backlog 2.0",
    ]
    assert lined.lines[0].points == " ".join(f"{x},{y}" for x, y, _ in lined.lines[0].dots)
    assert not lined.bars


def test_a_count_is_written_as_the_readers_locale_writes_it_however_often_it_is_asked_for() -> None:
    from chalicelib.web.reports import number

    for _ in range(3):
        assert number(1234, "en") == i18n.format_number(1234, "en") == "1,234"
        assert number(1234, "ru") == i18n.format_number(1234, "ru") == "1\xa0234"
