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
