"""Dates, times, numbers, money and plural forms as English and Russian readers expect them, in the
reader's time zone (Babel's CLDR data), and gettext plural forms from the committed catalogs."""

# ruff: noqa: RUF001 (Russian text is meant to be Cyrillic)

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from chalicelib import i18n

VILNIUS = "Europe/Vilnius"
NOW = datetime(2026, 11, 30, 12, 5, tzinfo=UTC)


def test_a_moment_is_shown_as_a_medium_date_and_a_short_time_in_the_readers_time_zone() -> None:
    assert i18n.format_datetime(NOW, "en", VILNIUS) == "30 Nov 2026, 14:05"
    assert i18n.format_datetime(NOW, "ru", VILNIUS) == "30 нояб. 2026\u202fг., 14:05"
    assert i18n.format_datetime("2026-11-30T12:05:00Z", "en", "America/New_York") == "30 Nov 2026, 07:05"
    assert i18n.format_datetime(NOW.replace(tzinfo=None), "en") == "30 Nov 2026, 12:05"  # naive is UTC


def test_the_day_shown_is_the_day_in_the_time_zone_not_in_utc() -> None:
    late = datetime(2026, 11, 29, 22, 30, tzinfo=UTC)
    assert i18n.format_date(late, "en", VILNIUS) == "30 Nov 2026"
    assert i18n.format_date(late, "en", "UTC") == "29 Nov 2026"
    assert i18n.format_date(late, "ru", VILNIUS) == "30 нояб. 2026\u202fг."
    assert i18n.format_date("2026-11-29", "ru") == i18n.format_date(date(2026, 11, 29), "ru") == "29 нояб. 2026\u202fг."


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_times_follow_daylight_saving_in_spring_and_autumn(locale: str) -> None:
    # Vilnius moves from UTC+2 to UTC+3 at 01:00 UTC on 29 March 2026 and back at 01:00 UTC on 25 October
    assert i18n.format_time("2026-03-29T00:30:00Z", locale, VILNIUS) == "02:30"
    assert i18n.format_time("2026-03-29T01:30:00Z", locale, VILNIUS) == "04:30"
    before, after = datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert i18n.format_time(before, locale, VILNIUS) == i18n.format_time(after, locale, VILNIUS) == "03:30"
    assert i18n.format_datetime("2026-07-01T09:00:00Z", locale, VILNIUS).endswith("12:00")
    assert i18n.format_datetime("2026-12-01T09:00:00Z", locale, VILNIUS).endswith("11:00")


def test_relative_times_read_naturally_in_both_languages() -> None:
    assert i18n.format_relative(NOW - timedelta(hours=3), "en", now=NOW) == "3 hours ago"
    assert i18n.format_relative(NOW - timedelta(hours=3), "ru", now=NOW) == "3 часа назад"
    assert i18n.format_relative(NOW - timedelta(hours=5), "ru", now=NOW) == "5 часов назад"
    assert i18n.format_relative(NOW - timedelta(minutes=21), "ru", now=NOW) == "21 минуту назад"
    assert i18n.format_relative(NOW + timedelta(days=2), "en", now=NOW) == "in 2 days"
    assert i18n.format_relative(NOW + timedelta(days=2), "ru", now=NOW) == "через 2 дня"
    assert i18n.format_relative(NOW + timedelta(milliseconds=300), "en", now=NOW) == "1 second ago"


def test_numbers_use_the_locales_separators() -> None:
    assert i18n.format_number(1234567.5, "en") == "1,234,567.5"
    assert i18n.format_number("1234567.5", "ru") == "1\xa0234\xa0567,5"
    assert i18n.format_number(4.25, "ru") == "4,25"


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "shown"),
    [
        ("12.50", "EUR", "en", "€12.50"),
        (Decimal("12.5"), "EUR", "ru", "12,50\xa0€"),
        (1234.5, "RUB", "ru", "1\xa0234,50\xa0₽"),
        ("1234.50", "RUB", "en", "RUB1,234.50"),
        (150, "USD", "en", "US$150.00"),
    ],
)
def test_money_is_shown_with_its_currency_as_the_reader_writes_it(
    amount: i18n.formatting.Amount, currency: str, locale: str, shown: str
) -> None:
    assert i18n.format_money(amount, currency, locale) == shown


@pytest.mark.parametrize(
    ("n", "english", "russian"),
    [
        (1, "1 ticket found", "Найдено: 1 обращение"),
        (2, "2 tickets found", "Найдено: 2 обращения"),
        (5, "5 tickets found", "Найдено: 5 обращений"),
        (11, "11 tickets found", "Найдено: 11 обращений"),
        (21, "21 tickets found", "Найдено: 21 обращение"),
        (22, "22 tickets found", "Найдено: 22 обращения"),
    ],
)
def test_counts_take_each_languages_plural_form(n: int, english: str, russian: str) -> None:
    found = ("%(count)s ticket found", "%(count)s tickets found")
    assert i18n.translator("en").ngettext(*found, n, count=n) == english
    assert i18n.translator("ru").ngettext(*found, n, count=n) == russian


def test_python_code_translates_with_named_placeholders_and_contexts() -> None:
    ru = i18n.translator("ru")
    assert ru.gettext("Rate %(name)s", name="Ada") == "Оценить: Ada"
    assert ru.pgettext("message author", "Support") == "Поддержка"
    assert ru.npgettext("no such context", "%(num)s star", "%(num)s stars", 5) == "5 stars"  # falls back to English
    assert ru.gettext("No such message") == "No such message"
    assert ru.lookup("Send") == "Отправить" and ru.lookup("No such message") is None
    assert i18n.translator("en").lookup("No such message") == "No such message"
    assert i18n.N_("Closed") == "Closed"  # the marker translates nothing by itself
