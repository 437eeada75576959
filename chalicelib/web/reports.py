# ruff: noqa: RUF001 (ranges are written with en dashes, as people read them)
"""The manager's reports as pages: a period picker, charts drawn on the server (chalicelib/web/charts.py) with
the figures as tables beside them, and a CSV download. The figures are the JSON API's (chalicelib/reports)."""

from __future__ import annotations

import functools
import operator
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from chalice import Response

from chalicelib.errors import NotFound
from chalicelib.http.responses import CSV
from chalicelib.http.route import CURSOR, PERIOD, Call, Page
from chalicelib.i18n import N_, format_number, translator
from chalicelib.web import manager_page
from chalicelib.web.chrome import staff_page

QUERY = {**PERIOD, "cursor": CURSOR}
TITLES: dict[str, str] = {
    "tickets": N_("Tickets and backlog"),
    "first-replies": N_("First replies and SLA"),
    "resolutions": N_("Resolution time"),
    "ratings": N_("Customers' ratings"),
    "tips": N_("Tips"),
    "karma": N_("Karma mix of incoming customers"),
}
SUMMARIES: dict[str, str] = {
    "tickets": N_("Tickets opened and closed per day, and how many were open at the end of each day."),
    "first-replies": N_("How long customers waited for the first reply (in open hours), and SLA misses per agent."),
    "resolutions": N_("How long tickets took from opening to resolution (in open hours), per agent."),
    "ratings": N_("Customers' stars for each agent and over time, with their comments."),
    "tips": N_("To whom, how much and for what customers tip; the rating message from close to payment."),
    "karma": N_("How many incoming customers were difficult, calm or literate (counts only)."),
}
FIRST_REPLY_LABELS = (N_("under 15 min"), N_("15–60 min"), N_("1–4 h"), N_("4–8 h"), N_("8–24 h"), N_("over 24 h"))
RESOLUTION_LABELS = (N_("under 1 h"), N_("1–4 h"), N_("4–24 h"), N_("1–3 days"), N_("3–7 days"), N_("over 7 days"))
WEEKLY_AFTER = 92  # a longer period's chart and table over time are per week: a year is 53 rows, not 366
FUNNEL_LABELS = {
    "closed": N_("Closed"),
    "emailed": N_("Rating message sent"),
    "opened": N_("Opened"),
    "rated": N_("Rated"),
    "tip_clicked": N_("Tip clicked"),
    "tip_paid": N_("Tip paid"),
}


@functools.lru_cache(maxsize=4096, typed=True)  # typed: 2 and 2.0 may be written differently
def number(value: float, locale: str) -> str:
    """A figure as the locale writes it (`1,234` / `1 234`, `3.5` / `3,5`), each once: the charts write the
    same few counts many times (each bar's title, the axis ticks), and Babel resolves the locale's pattern
    again for each."""
    return format_number(value, locale)


@functools.lru_cache(maxsize=1024)
def money(amount: str, currency: str, locale: str) -> str:
    """An amount in major units with its currency, as the locale writes it, each once."""
    from chalicelib.i18n import format_money

    return format_money(amount, currency, locale)


def first_weekday(locale: str) -> int:
    """The day a week starts on where the reader's locale formats dates (0 Monday .. 6 Sunday; Babel's
    `first_week_day`: Monday for English as we write it, en_GB, and for Russian)."""
    from chalicelib.i18n import formatting_locale, locale_of

    return _first_weekday(formatting_locale(locale_of(locale)))


@functools.cache
def _first_weekday(babel_locale: str) -> int:
    from babel import Locale

    return int(Locale.parse(babel_locale).first_week_day)


def _label(t: Any, labels: dict[str, str], key: str) -> str:
    return str(t.gettext(labels[key]))


@functools.lru_cache(maxsize=4096, typed=True)
def duration(seconds: float | None, locale: str) -> str:
    """12 min, 3.5 h, 2.1 days: a waiting time as a manager reads it."""
    t = translator(locale)
    if seconds is None:
        return "–"
    if seconds < 3600:
        return t.gettext("%(count)s min", count=number(round(seconds / 60), locale))
    if seconds < 86400:
        return t.gettext("%(count)s h", count=number(round(seconds / 3600, 1), locale))
    return t.gettext("%(count)s days", count=number(round(seconds / 86400, 1), locale))


def _duration_rows(rows: list[tuple[str, float | None]], locale: str) -> tuple[list[tuple[str, float, str]], Any]:
    """Rows of waiting times for a bar chart, in the unit their largest reads best in (min, h or days), and
    the axis's label function in that unit."""
    t = translator(locale)
    largest = max([seconds or 0 for _, seconds in rows] + [0])
    if largest < 2 * 3600:
        divisor, unit = 60, "%(count)s min"
    elif largest < 2 * 86400:
        divisor, unit = 3600, "%(count)s h"
    else:
        divisor, unit = 86400, "%(count)s days"

    @functools.cache
    def axis(value: float) -> str:
        return t.gettext(unit, count=number(round(value, 1), locale))

    shown = [(name, (seconds or 0) / divisor, duration(seconds, locale)) for name, seconds in rows]
    return shown, axis


def _presets(today: date) -> list[tuple[str, date, date]]:
    first_of_month = today.replace(day=1)
    last_month_end = first_of_month - timedelta(days=1)
    return [
        (N_("Last 7 days"), today - timedelta(days=6), today),
        (N_("Last 30 days"), today - timedelta(days=29), today),
        (N_("This month"), first_of_month, today),
        (N_("Last month"), last_month_end.replace(day=1), last_month_end),
    ]


@manager_page(
    "GET",
    "/manage/reports",
    summary="The manager's reports",
)
def index(call: Call) -> Page:
    from chalicelib.reports.service import REPORTS

    reports = [{"key": key, "title": TITLES[key], "summary": SUMMARIES[key]} for key in REPORTS]
    return staff_page(call, "web/reports.html", {"title": N_("Reports"), "reports": reports}, current="reports")


@manager_page(
    "GET",
    "/manage/reports/{report}",
    summary="One report: charts, tables and a period picker",
    query=PERIOD,
    company=("staff",),  # agents' names
)
def show(call: Call, report: str) -> Page:
    """The figures from the period's counters; the ratings' comments and the tips' list come on their own
    (`listing`, loaded into the page), so each request reads one partition after the session."""
    from chalicelib.auth import company_of
    from chalicelib.clock import local_day, utcnow
    from chalicelib.reports import service
    from chalicelib.web import charts

    if report not in service.REPORTS:
        raise NotFound("Report")
    span = service.period(call.query, call.who.timezone).span
    week_start = first_weekday(call.locale) if (span.last - span.first).days + 1 > WEEKLY_AFTER else None
    data = service.report(call.who, report, call.query, with_list=False, first_weekday=week_start)
    days = [date.fromisoformat(row["day"]) for row in data.get("days", [])]  # each row's first day
    weeks = None if week_start is None else span.week_bounds(week_start)
    medium = charts.date_labels(call.locale, "medium")
    period = {"from": data["from"], "to": data["to"]}
    today = local_day(utcnow(), call.who.timezone)
    presets = [{"label": label, "query": f"from={first}&to={last}"} for label, first, last in _presets(today)]
    context: dict[str, Any] = {
        "title": TITLES[report],
        "report": report,
        "reports": [{"key": key, "title": TITLES[key]} for key in service.REPORTS],
        "data": data,
        "period": period,
        "presets": presets,
        "csv_query": f"from={span.first}&to={span.last}",  # ISO days: nothing to quote
        "weekly": weeks is not None,
        "drawn": _charts(report, data, days, call.locale, weekly=weeks is not None),
        "day_rows": _day_rows(report, data, days, call.locale)
        if weeks is None
        else _week_rows(report, data, weeks, call.locale),
        "duration": lambda seconds: duration(seconds, call.locale),
        "count": lambda value: number(value, call.locale),  # as `|number` writes it, each count once
        "money": lambda amount, currency: money(amount, currency, call.locale),  # as `|money` writes it
        "period_shown": (medium(span.first), medium(span.last)),  # as `|date` writes them
        "first_reply_labels": FIRST_REPLY_LABELS,
        "resolution_labels": RESOLUTION_LABELS,
        "funnel_labels": FUNNEL_LABELS,
        "timezone": call.who.timezone,
        "currency": str(company_of(call.who, "staff").currency),
    }
    return staff_page(call, f"web/report_{report.replace('-', '_')}.html", context, current="reports")


DAY_TABLES: dict[str, tuple[str, ...]] = {  # the reports with a per-day table, and its figures
    "tickets": ("opened", "closed", "reopened", "backlog"),
    "karma": ("difficult", "calm", "neutral", "literate"),
}


def _day_rows(report: str, data: dict[str, Any], days: list[date], locale: str) -> list[tuple[Any, ...]]:
    """The per-day table's rows: the ISO day, the day as the `date` filter writes it (`30 Nov 2026`), then
    the figures (whole numbers). A year is hundreds of rows: the filter would resolve the locale's pattern
    again for each, and the template's attribute look-ups and escaping would cost more than the figures."""
    from chalicelib.web.charts import date_labels

    if report not in DAY_TABLES:
        return []
    medium = date_labels(locale, "medium")
    figures = operator.itemgetter(*DAY_TABLES[report])
    return [(row["day"], medium(day), *figures(row)) for row, day in zip(data["days"], days, strict=True)]


def _week_rows(report: str, data: dict[str, Any], weeks: list[tuple[date, date]], locale: str) -> list[tuple[Any, ...]]:
    """The per-week table's rows: the week's first and last ISO day in the period, its label (`Week of 3 Nov
    2026`), its days as a range (`3 Nov 2026` to `9 Nov 2026`, with an en dash), then the figures."""
    if report not in DAY_TABLES:
        return []
    figures = operator.itemgetter(*DAY_TABLES[report])
    return [
        (row["day"], *_week_label(locale, first, last), *figures(row))
        for row, (first, last) in zip(data["days"], weeks, strict=True)
    ]


@functools.lru_cache(maxsize=4096)
def _week_label(locale: str, first: date, last: date) -> tuple[str, str, str]:
    """A week's last ISO day, its label and its days as the table writes them, escaped (locale data only, no
    figures: a container keeps a few years of weeks, as charts.DateLabels keeps days)."""
    from markupsafe import escape

    from chalicelib.web.charts import date_labels

    medium = date_labels(locale, "medium")
    label = translator(locale).gettext("Week of %(day)s", day=medium(first))
    days = medium(first) if first == last else f"{medium(first)} – {medium(last)}"
    return last.isoformat(), str(escape(label)), str(escape(days))


@functools.lru_cache(maxsize=4096)
def _week_title(locale: str, first: date) -> str:
    """`Week of 3 Nov`: a week in its chart's tooltips (locale data only)."""
    from chalicelib.web.charts import date_labels

    return translator(locale).gettext("Week of %(day)s", day=date_labels(locale, "short_day")(first))


LIST_TITLES = {"ratings": N_("What customers wrote"), "tips": N_("For what")}


@manager_page(
    "GET",
    "/manage/reports/{report}/list",
    summary="The ratings report's comments or the tips report's tips, a page at a time (the report page loads it)",
    query=QUERY,
    company=("staff",),  # agents' names
)
def listing(call: Call, report: str) -> Page:
    from chalicelib.reports import service

    if report not in LIST_TITLES:
        raise NotFound("Report")
    found = service.listing(call.who, report, call.query)
    when = service.period(call.query, call.who.timezone).span
    period = {"from": when.first.isoformat(), "to": when.last.isoformat()}
    context: dict[str, Any] = {
        "title": LIST_TITLES[report],
        "report": report,
        "report_title": TITLES[report],
        "rows": found.items,
        "period": period,
        "period_query": urlencode(period),
        "more_query": urlencode({**period, "cursor": found.next_cursor}) if found.next_cursor else None,
        "timezone": call.who.timezone,
    }
    if call.request.headers.get("hx-request") == "true":  # loaded into the report's page
        return Page("web/report_list_fragment.html", context)
    return staff_page(call, "web/report_list.html", context, current="reports")


@manager_page(
    "GET",
    "/manage/reports/{report}/csv",
    summary="One report's table as CSV",
    produces=CSV,
    query=PERIOD,
    company=("staff",),  # agents' names
)
def download(call: Call, report: str) -> Response:
    from chalicelib.reports import service

    if report not in service.REPORTS:
        raise NotFound("Report")
    body = service.to_csv(service.csv_rows(call.who, report, call.query))
    data = service.period(call.query, call.who.timezone).span
    name = f"{report}-{data.first.isoformat()}-{data.last.isoformat()}.csv"
    return Response(
        body=body,
        status_code=200,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


# ---------------------------------------------------------------- charts


def _charts(report: str, data: dict[str, Any], days: list[date], locale: str, weekly: bool = False) -> list[Any]:
    """The report's charts; with `weekly`, the chart over time has a bar (or a point) per week, `days` being
    each week's first day in the period, and its titles and tooltips say so."""
    from chalicelib.web import charts

    t = translator(locale)
    titles = [_week_title(locale, day) for day in days] if weekly else None

    def count(value: float) -> str:
        return number(int(value), locale)

    blue, orange, green, purple, red, grey = charts.PALETTE
    if report == "tickets":
        rows = data["days"]
        return [
            charts.days_chart(
                t.gettext("Tickets per week and backlog") if weekly else t.gettext("Tickets per day and backlog"),
                days,
                [
                    charts.Series(t.gettext("Opened"), [r["opened"] for r in rows], blue),
                    charts.Series(t.gettext("Closed"), [r["closed"] for r in rows], orange),
                    charts.Series(
                        t.gettext("Backlog at the end of the week")
                        if weekly
                        else t.gettext("Backlog at the end of the day"),
                        [r["backlog"] for r in rows],
                        grey,
                        "line",
                    ),
                ],
                locale,
                count,
                titles=titles,
            )
        ]
    if report == "first-replies":
        buckets = [
            (t.gettext(label), b["count"], count(b["count"]))
            for label, b in zip(FIRST_REPLY_LABELS, data["buckets"], strict=True)
        ]
        agents, axis = _duration_rows([(a["name"], a["average_seconds"]) for a in data["agents"]], locale)
        rows = data["days"]
        return [
            charts.bars_chart(t.gettext("First replies by waiting time"), buckets, blue, count),
            charts.bars_chart(t.gettext("Average first-reply time per agent"), agents, green, axis, whole=False),
            charts.days_chart(
                t.gettext("SLA per week") if weekly else t.gettext("SLA per day"),
                days,
                [
                    charts.Series(t.gettext("Target missed"), [r["target_missed"] for r in rows], orange),
                    charts.Series(t.gettext("Limit breached"), [r["breached"] for r in rows], red),
                ],
                locale,
                count,
                titles=titles,
            ),
        ]
    if report == "resolutions":
        buckets = [
            (t.gettext(label), b["count"], count(b["count"]))
            for label, b in zip(RESOLUTION_LABELS, data["buckets"], strict=True)
        ]
        agents, axis = _duration_rows([(a["name"], a["average_seconds"]) for a in data["agents"]], locale)
        return [
            charts.bars_chart(t.gettext("Average resolution time per agent"), agents, green, axis, whole=False),
            charts.bars_chart(t.gettext("Resolutions by time taken"), buckets, blue, count),
            charts.days_chart(
                t.gettext("Resolutions per week") if weekly else t.gettext("Resolutions per day"),
                days,
                [charts.Series(t.gettext("Resolved"), [r["resolutions"] for r in data["days"]], blue)],
                locale,
                count,
                titles=titles,
            ),
        ]
    if report == "ratings":
        stars = [
            (
                t.ngettext("%(count)s star", "%(count)s stars", s["stars"], count=s["stars"]),
                s["count"],
                count(s["count"]),
            )
            for s in data["stars"]
        ]
        agents = [(a["name"], a["average"] or 0, number(a["average"] or 0, locale)) for a in data["agents"]]

        @functools.cache
        def stars_number(value: float) -> str:
            return number(round(value, 2), locale)

        return [
            charts.bars_chart(t.gettext("Average stars per agent"), agents, purple, stars_number, top=5),
            charts.days_chart(
                t.gettext("Average stars per week") if weekly else t.gettext("Average stars per day"),
                days,
                [charts.Series(t.gettext("Average stars"), [r["average"] for r in data["days"]], purple, "line")],
                locale,
                stars_number,
                top=5,
                titles=titles,
            ),
            charts.bars_chart(t.gettext("Ratings by stars"), stars, blue, count),
        ]
    if report == "tips":
        currency = sorted(data["amount"])[0] if data["amount"] else None
        agents = [(a["name"], a["tips"], count(a["tips"])) for a in data["agents"]]
        funnel = [(_label(t, FUNNEL_LABELS, s["step"]), s["count"], count(s["count"])) for s in data["funnel"]]
        per_day = [charts.Series(t.gettext("Tips"), [r["tips"] for r in data["days"]], green)]
        drawn = [
            charts.bars_chart(t.gettext("Tips per employee"), agents, green, count),
            charts.days_chart(
                t.gettext("Tips per week") if weekly else t.gettext("Tips per day"),
                days,
                per_day,
                locale,
                count,
                titles=titles,
            ),
            charts.bars_chart(t.gettext("From close to tip"), funnel, blue, count),
        ]
        if currency:
            amounts = [
                (
                    a["name"],
                    float(a["amount"].get(currency, 0)),
                    money(a["amount"].get(currency, "0"), currency, locale),
                )
                for a in data["agents"]
            ]
            drawn.insert(
                1,
                charts.bars_chart(
                    t.gettext("Amount per employee (%(currency)s)", currency=currency),
                    amounts,
                    purple,
                    lambda value: number(value, locale),
                    whole=False,
                ),
            )
        return drawn
    rows = data["days"]
    return [
        charts.days_chart(
            t.gettext("Incoming customers per week") if weekly else t.gettext("Incoming customers per day"),
            days,
            [
                charts.Series(t.gettext("Difficult"), [r["difficult"] for r in rows], red),
                charts.Series(t.gettext("Calm"), [r["calm"] for r in rows], green),
                charts.Series(t.gettext("Neither"), [r["neutral"] for r in rows], grey),
            ],
            locale,
            count,
            stacked=True,
            titles=titles,
        )
    ]
