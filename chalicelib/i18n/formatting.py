"""Dates, times, numbers and money as a reader of a locale expects them, on Babel's CLDR data.

Times are stored in UTC; each helper shows them in the IANA time zone it is given (the company's,
the reader's). A naive datetime is taken as UTC, a string as ISO 8601 (the API's form). Babel is
imported on first use.
"""

# ruff: noqa: RUF002 (the examples in Russian are meant to be Cyrillic)

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from chalicelib.clock import parse_iso, utcnow
from chalicelib.i18n.locales import formatting_locale, locale_of

Moment = datetime | str
Amount = Decimal | int | float | str


def _moment(value: Moment, timezone: str) -> datetime:
    moment = parse_iso(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(timezone))


def _day(value: date | Moment, timezone: str) -> date:
    if isinstance(value, datetime):
        return _moment(value, timezone).date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value) if len(value) == 10 else _moment(value, timezone).date()


def _babel_locale(locale: str) -> str:
    return formatting_locale(locale_of(locale))


def format_date(value: date | Moment, locale: str, timezone: str = "UTC", format: str = "medium") -> str:
    """`30 Nov 2026` / `30 нояб. 2026 г.`; a datetime's date is the one in `timezone`; an ISO date
    (`2026-11-30`) is that day."""
    from babel.dates import format_date as babel_format_date

    return babel_format_date(_day(value, timezone), format, locale=_babel_locale(locale))


def format_time(value: Moment, locale: str, timezone: str = "UTC", format: str = "short") -> str:
    """`14:05` in `timezone`."""
    from babel.dates import format_time as babel_format_time

    moment = _moment(value, timezone)
    return babel_format_time(moment, format, tzinfo=moment.tzinfo, locale=_babel_locale(locale))


def format_datetime(value: Moment, locale: str, timezone: str = "UTC") -> str:
    """`30 Nov 2026, 14:05` / `30 нояб. 2026 г., 14:05`: the medium date and the short time, joined
    as the locale joins them."""
    from babel.dates import get_datetime_format

    pattern = str(get_datetime_format("medium", locale=_babel_locale(locale)))
    moment = _moment(value, timezone)
    joined = pattern.replace("'", "").replace("{1}", format_date(moment, locale, timezone))
    return joined.replace("{0}", format_time(moment, locale, timezone))


def format_timezone(timezone: str, locale: str, at: Moment | None = None) -> str:
    """A time zone as a reader names it, with its offset at `at` (now by default): `Vilnius (GMT+02:00)` /
    `Вильнюс (GMT+02:00)`; `UTC` as itself."""
    from babel.dates import get_timezone_gmt, get_timezone_location

    if timezone in ("UTC", "Etc/UTC"):
        return "UTC"
    moment = _moment(at or utcnow(), timezone)
    city = get_timezone_location(moment.tzinfo, locale=_babel_locale(locale), return_city=True)
    return f"{city} ({get_timezone_gmt(moment, locale=_babel_locale(locale))})"


def format_relative(value: Moment, locale: str, now: datetime | None = None) -> str:
    """`3 hours ago` / `3 часа назад` (or `in 3 hours`), against `now` (the current time by default).
    Moments within a second of `now` are just past (never "in 0 seconds")."""
    from babel.dates import format_timedelta

    delta = _moment(value, "UTC") - (now or utcnow())
    if abs(delta) < timedelta(seconds=1):
        delta = timedelta(seconds=-1)
    return format_timedelta(delta, add_direction=True, locale=_babel_locale(locale))


def format_number(value: Amount, locale: str) -> str:
    """`1,234.5` / `1 234,5`."""
    from babel.numbers import format_decimal

    return format_decimal(Decimal(value) if isinstance(value, str) else value, locale=_babel_locale(locale))


def format_money(amount: Amount, currency: str, locale: str) -> str:
    """`€12.50` / `12,50 €`, `1 234,50 ₽`: the amount in major units with the currency's symbol and digits."""
    from babel.numbers import format_currency

    value = Decimal(amount) if isinstance(amount, str) else amount
    return format_currency(value, currency, locale=_babel_locale(locale))
