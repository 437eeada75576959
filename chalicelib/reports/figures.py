"""The reports' figures, read from the counters of the days shown (one Query of the period's items; the
backlog's runs on to the all-time totals) and, for the lists (customers' comments, tips with what they
were for), a page of an index keyed by company and time, bounded by the period.

Every function here gives plain data: the JSON API returns it, the pages draw it, the CSV lists it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from typing_extensions import TypedDict  # pydantic reads TypedDicts from here on 3.11

from chalicelib.clock import iso
from chalicelib.db import keys, paging
from chalicelib.db.base import get_many
from chalicelib.reports.counting import COMPANY
from chalicelib.reports.models import FIRST_REPLY_BUCKETS, RESOLUTION_BUCKETS, ReportItem

FIRST_REPLY_KEYS = ("under_15m", "15m_1h", "1h_4h", "4h_8h", "8h_24h", "over_24h")
RESOLUTION_KEYS = ("under_1h", "1h_4h", "4h_24h", "1d_3d", "3d_7d", "over_7d")
FUNNEL = ("closed", "emailed", "opened", "rated", "tip_clicked", "tip_paid")
KARMA = ("difficult", "calm", "neutral", "literate")
assert len(FIRST_REPLY_KEYS) == len(FIRST_REPLY_BUCKETS) + 1 and len(RESOLUTION_KEYS) == len(RESOLUTION_BUCKETS) + 1


@dataclass(frozen=True)
class Span:
    """The days a report shows, in the company's calendar."""

    first: date
    last: date

    def days(self) -> list[date]:
        return list(map(date.fromordinal, range(self.first.toordinal(), self.last.toordinal() + 1)))

    def weeks(self, first_weekday: int) -> list[Span]:
        """The span cut into weeks that start on `first_weekday` (0 Monday .. 6 Sunday, as `date.weekday`);
        the first and the last week are cut at the span's bounds, so each week is labelled by its first day
        in the span."""
        return [Span(first, last) for first, last in self.week_bounds(first_weekday)]

    def week_bounds(self, first_weekday: int) -> list[tuple[date, date]]:
        """Each week's first and last day in the span (`weeks`, as plain pairs: a year is 53 of them)."""
        first, last = self.first.toordinal(), self.last.toordinal()
        start = first - self.week_offset(first_weekday)
        fromordinal = date.fromordinal
        return [
            (fromordinal(max(monday, first)), fromordinal(min(monday + 6, last)))
            for monday in range(start, last + 1, 7)
        ]

    def week_offset(self, first_weekday: int) -> int:
        """How many days of its week went before the span's first day: day d of the span is in week
        `((d - first).days + offset) // 7`."""
        return (self.first.weekday() - first_weekday) % 7


@dataclass
class Counters:
    """The counters read for a period: the company's per day, the agents' per day, the tips per currency."""

    span: Span
    company: dict[date, ReportItem] = field(default_factory=dict)
    agents: dict[str, dict[date, ReportItem]] = field(default_factory=lambda: defaultdict(dict))
    tips: dict[tuple[str, str], dict[date, ReportItem]] = field(default_factory=lambda: defaultdict(dict))
    backlog_before: int = 0  # open tickets when the period began (with_backlog only)
    # The rows of the figures over time: each day (None), or each week starting on this day (`by_week`;
    # 0 Monday .. 6 Sunday). A week's figures come from its days' summed counters, so its averages are
    # recomputed from summed totals and counts, and a running figure (the backlog) is the one at its end.
    week_start: int | None = None

    def by_week(self, first_weekday: int) -> Counters:
        """The same counters, their figures over time given per week (starting on `first_weekday`)."""
        return replace(self, week_start=first_weekday)

    def rows(self) -> list[date]:
        """The first day of each row of the figures over time: every day of the period, or each week's."""
        if self.week_start is None:
            return self.span.days()
        return [first for first, _ in self.span.week_bounds(self.week_start)]

    def row_index(self) -> Callable[[date], int]:
        """The row (its position in `rows`) a day of the period is counted in."""
        first = self.span.first
        if self.week_start is None:
            return lambda day: (day - first).days
        offset = self.span.week_offset(self.week_start)
        return lambda day: ((day - first).days + offset) // 7

    def company_total(self, name: str) -> int:
        return self.company_totals((name,))[name]

    def company_totals(self, names: tuple[str, ...]) -> dict[str, int]:
        """The period's totals of the company's named figures, in one pass over its days."""
        return dict(zip(names, _sums((item.values(names) for item in self.company.values()), len(names)), strict=True))

    def company_days(self, names: tuple[str, ...]) -> Iterator[tuple[date, tuple[int, ...]]]:
        """Each day (or week: `by_week`) of the period with the company's figures of that day (summed over
        the week), in the order of `names` (zeros on a day without an item: most days of a long period have
        none)."""
        zeros = (0,) * len(names)
        if self.week_start is None:
            for day in self.span.days():
                item = self.company.get(day)
                yield day, (zeros if item is None else item.values(names))
            return
        rows = self.rows()
        index = self.row_index()
        summed: dict[int, list[int]] = {}
        for day, item in self.company.items():  # only the days with an item, each added to its week
            values = item.values(names)
            row = summed.get(n := index(day))
            if row is None:
                summed[n] = list(values)
            else:
                for i, value in enumerate(values):
                    row[i] += value
        for n, first in enumerate(rows):
            row = summed.get(n)
            yield first, (zeros if row is None else tuple(row))

    def agent_totals(self, names: tuple[str, ...]) -> dict[str, dict[str, int]]:
        return {
            employee_id: dict(
                zip(names, _sums((item.values(names) for item in days.values()), len(names)), strict=True)
            )
            for employee_id, days in self.agents.items()
        }


def _sums(rows: Iterable[tuple[int, ...]], width: int) -> list[int]:
    """Column sums of rows of `width` figures (zeros when there is no row)."""
    return [sum(column) for column in zip(*rows, strict=True)] or [0] * width


def read(company_id: str, span: Span, *, with_backlog: bool = False) -> Counters:
    """The period's counters: one Query (paged by DynamoDB past 1 MB). With the backlog, the same Query runs
    on to the all-time totals item sorted after every day: the backlog when the period began is the open
    tickets now less what opened and closed since (for a period ending today, no day beyond it is read)."""
    counters = Counters(span)
    since = 0  # opened less closed from the period's first day to today
    totals = None
    low = keys.report_day(span.first, "")
    high = keys.report_totals() if with_backlog else keys.report_day(span.last, "~")
    for item in ReportItem.query(company_id, ReportItem.item.between(low, high)):
        if item.item == keys.report_totals():
            totals = item
            continue
        _, day_text, scope = item.item.split(keys.SEPARATOR, 2)
        day = date.fromisoformat(day_text)
        if scope == COMPANY:
            since += item.value("opened") - item.value("closed")
        if day > span.last:
            continue
        if scope == COMPANY:
            counters.company[day] = item
        elif scope.startswith("a#"):
            counters.agents[scope[2:]][day] = item
        elif scope.startswith("t#"):
            currency, employee_id = scope[2:].split(keys.SEPARATOR, 1)
            counters.tips[(currency, employee_id)][day] = item
    if totals is not None:
        counters.backlog_before = totals.value("opened") - totals.value("closed") - since
    return counters


def _average(total: int, count: int) -> int | None:
    return round(total / count) if count else None


def _stars_average(points: int, count: int) -> float | None:
    return round(points / count, 2) if count else None


def _money(minor: int) -> str:
    return f"{minor / 100:.2f}"


def _names_sorted(rows: list[dict[str, Any]], names: Mapping[str, str]) -> list[dict[str, Any]]:
    for row in rows:
        row["name"] = names.get(row["employee_id"], row["employee_id"])
    return sorted(rows, key=lambda row: (str(row["name"]).lower(), row["employee_id"]))


# ---------------------------------------------------------------- tickets


class ReportTicketDayOut(TypedDict):
    day: str
    opened: int
    closed: int
    reopened: int
    backlog: int  # tickets open at the end of the day


class ReportTicketTotalsOut(TypedDict):
    opened: int
    closed: int
    closed_auto: int
    reopened: int
    backlog_start: int
    backlog_end: int


ReportTicketsOut = TypedDict(
    "ReportTicketsOut", {"from": str, "to": str, "days": list[ReportTicketDayOut], "totals": ReportTicketTotalsOut}
)


def tickets(counters: Counters) -> ReportTicketsOut:
    rows: list[ReportTicketDayOut] = []
    backlog = counters.backlog_before
    for day, (opened, closed, reopened) in counters.company_days(("opened", "closed", "reopened")):
        backlog += opened - closed
        rows.append(
            {"day": day.isoformat(), "opened": opened, "closed": closed, "reopened": reopened, "backlog": backlog}
        )
    return {
        "from": counters.span.first.isoformat(),
        "to": counters.span.last.isoformat(),
        "days": rows,
        "totals": {
            **counters.company_totals(("opened", "closed", "closed_auto", "reopened")),  # type: ignore[typeddict-item]
            "backlog_start": counters.backlog_before,
            "backlog_end": backlog,
        },
    }


# ---------------------------------------------------------------- first replies and the SLA


class ReportBucketOut(TypedDict):
    bucket: str
    count: int


class ReportFirstReplyAgentOut(TypedDict):
    employee_id: str
    name: str
    first_replies: int
    average_seconds: int | None
    within_target: int
    target_missed: int
    breached: int


class ReportFirstReplyDayOut(TypedDict):
    day: str
    first_replies: int
    average_seconds: int | None
    target_missed: int
    breached: int


ReportFirstRepliesOut = TypedDict(
    "ReportFirstRepliesOut",
    {
        "from": str,
        "to": str,
        "first_replies": int,
        "average_seconds": int | None,
        "target_missed": int,
        "breached": int,
        "breached_unassigned": int,  # breached while nobody had the ticket
        "buckets": list[ReportBucketOut],
        "agents": list[ReportFirstReplyAgentOut],
        "days": list[ReportFirstReplyDayOut],
    },
)

_FIRST = ("first_replies", "first_reply_seconds", "sla_target_missed", "sla_breached")
_FIRST_BUCKETS = tuple(f"first_reply_{n}" for n in range(len(FIRST_REPLY_KEYS)))


def first_replies(counters: Counters, names: Mapping[str, str]) -> ReportFirstRepliesOut:
    agents = []
    assigned_breaches = 0
    for employee_id, total in counters.agent_totals(_FIRST).items():
        if not any(total.values()):
            continue
        assigned_breaches += total["sla_breached"]
        agents.append(
            {
                "employee_id": employee_id,
                "first_replies": total["first_replies"],
                "average_seconds": _average(total["first_reply_seconds"], total["first_replies"]),
                "within_target": total["first_replies"] - total["sla_target_missed"],
                "target_missed": total["sla_target_missed"],
                "breached": total["sla_breached"],
            }
        )
    days: list[ReportFirstReplyDayOut] = []
    for day, (count, seconds, missed, breached) in counters.company_days(_FIRST):
        days.append(
            {
                "day": day.isoformat(),
                "first_replies": count,
                "average_seconds": _average(seconds, count),
                "target_missed": missed,
                "breached": breached,
            }
        )
    total = counters.company_totals(_FIRST + _FIRST_BUCKETS)
    count, breached = total["first_replies"], total["sla_breached"]
    return {
        "from": counters.span.first.isoformat(),
        "to": counters.span.last.isoformat(),
        "first_replies": count,
        "average_seconds": _average(total["first_reply_seconds"], count),
        "target_missed": total["sla_target_missed"],
        "breached": breached,
        "breached_unassigned": breached - assigned_breaches,
        "buckets": [{"bucket": key, "count": total[f"first_reply_{n}"]} for n, key in enumerate(FIRST_REPLY_KEYS)],
        "agents": _names_sorted(agents, names),  # type: ignore[typeddict-item]
        "days": days,
    }


# ---------------------------------------------------------------- resolutions


class ReportResolutionAgentOut(TypedDict):
    employee_id: str
    name: str
    resolutions: int
    average_seconds: int | None
    buckets: list[ReportBucketOut]


class ReportResolutionDayOut(TypedDict):
    day: str
    resolutions: int
    average_seconds: int | None


ReportResolutionsOut = TypedDict(
    "ReportResolutionsOut",
    {
        "from": str,
        "to": str,
        "resolutions": int,
        "average_seconds": int | None,
        "buckets": list[ReportBucketOut],
        "agents": list[ReportResolutionAgentOut],
        "days": list[ReportResolutionDayOut],
    },
)

_RESOLVED = ("resolutions", "resolution_seconds", *(f"resolution_{n}" for n in range(len(RESOLUTION_KEYS))))


def resolutions(counters: Counters, names: Mapping[str, str]) -> ReportResolutionsOut:
    agents = []
    for employee_id, total in counters.agent_totals(_RESOLVED).items():
        if not total["resolutions"]:
            continue
        agents.append(
            {
                "employee_id": employee_id,
                "resolutions": total["resolutions"],
                "average_seconds": _average(total["resolution_seconds"], total["resolutions"]),
                "buckets": [{"bucket": k, "count": total[f"resolution_{n}"]} for n, k in enumerate(RESOLUTION_KEYS)],
            }
        )
    total = counters.company_totals(_RESOLVED)
    count = total["resolutions"]
    days: list[ReportResolutionDayOut] = []
    for day, (resolved, seconds) in counters.company_days(("resolutions", "resolution_seconds")):
        days.append({"day": day.isoformat(), "resolutions": resolved, "average_seconds": _average(seconds, resolved)})
    return {
        "from": counters.span.first.isoformat(),
        "to": counters.span.last.isoformat(),
        "resolutions": count,
        "average_seconds": _average(total["resolution_seconds"], count),
        "buckets": [{"bucket": key, "count": total[f"resolution_{n}"]} for n, key in enumerate(RESOLUTION_KEYS)],
        "agents": _names_sorted(agents, names),  # type: ignore[typeddict-item]
        "days": days,
    }


# ---------------------------------------------------------------- customers' ratings of agents


class ReportStarsOut(TypedDict):
    stars: int
    count: int


class ReportRatingAgentOut(TypedDict):
    employee_id: str
    name: str
    ratings: int
    average: float | None
    stars: list[ReportStarsOut]


class ReportRatingDayOut(TypedDict):
    day: str
    ratings: int
    average: float | None


class ReportCommentOut(TypedDict):
    ticket_id: str
    subject: str | None
    employee_id: str
    name: str
    stars: int
    comment: str
    rated_at: str | None


ReportRatingsOut = TypedDict(
    "ReportRatingsOut",
    {
        "from": str,
        "to": str,
        "ratings": int,
        "average": float | None,
        "stars": list[ReportStarsOut],
        "agents": list[ReportRatingAgentOut],
        "days": list[ReportRatingDayOut],
        "comments": list[ReportCommentOut],
        "next_cursor": str | None,
    },
)

_RATED = ("ratings", "rating_points", *(f"stars_{n}" for n in range(1, 6)))


def ratings(
    counters: Counters, names: Mapping[str, str], comments: paging.PageOf[ReportCommentOut]
) -> ReportRatingsOut:
    agents = []
    for employee_id, total in counters.agent_totals(_RATED).items():
        if not total["ratings"]:
            continue
        agents.append(
            {
                "employee_id": employee_id,
                "ratings": total["ratings"],
                "average": _stars_average(total["rating_points"], total["ratings"]),
                "stars": [{"stars": n, "count": total[f"stars_{n}"]} for n in range(1, 6)],
            }
        )
    days: list[ReportRatingDayOut] = []
    for day, (count, points) in counters.company_days(("ratings", "rating_points")):
        days.append({"day": day.isoformat(), "ratings": count, "average": _stars_average(points, count)})
    total = counters.company_totals(_RATED)
    count = total["ratings"]
    return {
        "from": counters.span.first.isoformat(),
        "to": counters.span.last.isoformat(),
        "ratings": count,
        "average": _stars_average(total["rating_points"], count),
        "stars": [{"stars": n, "count": total[f"stars_{n}"]} for n in range(1, 6)],
        "agents": _names_sorted(agents, names),  # type: ignore[typeddict-item]
        "days": days,
        "comments": comments.items,
        "next_cursor": comments.next_cursor,
    }


def _subjects(company_id: str, items: list[Any]) -> dict[str, str]:
    """The subjects of a page's tickets: stored with the rating or tip when it was made; one BatchGetItem
    (at most 100) only for items written before subjects were stored."""
    from chalicelib.db.models import Ticket

    known = {item.ticket_id: item.subject for item in items if item.ticket_id and getattr(item, "subject", None)}
    wanted = sorted({item.ticket_id for item in items if item.ticket_id and item.ticket_id not in known})[:100]
    if not wanted:
        return known
    found = get_many([(Ticket, company_id, ticket_id) for ticket_id in wanted], attributes={Ticket: ["subject"]})
    return {**known, **{ticket.ticket_id: ticket.subject for ticket in found if ticket is not None}}


def comments(
    company_id: str,
    start: Any,
    end: Any,
    names: Mapping[str, str],
    limit: int,
    cursor: str | None,
    scope: str,
    only_commented: bool = True,
) -> paging.PageOf[ReportCommentOut]:
    """Customers' comments (or all ratings) of the period, newest first, a page at a time (voided ones left out)."""
    from chalicelib.tips.models import Rating

    def run(start_key: dict[str, Any] | None, page_size: int) -> Any:
        return Rating.by_company.query(
            company_id,
            Rating.rated_at.between(start, end),
            scan_index_forward=False,
            last_evaluated_key=start_key,
            page_size=page_size,
        )

    def keep(rating: Any) -> bool:
        return (bool(rating.comment) or not only_commented) and rating.voided_at is None and rating.rated_at < end

    found = paging.page(f"report-comments:{scope}", cursor, limit, run, keep)
    subjects = _subjects(company_id, found.items)
    rows: list[ReportCommentOut] = [
        {
            "ticket_id": rating.ticket_id,
            "subject": subjects.get(rating.ticket_id),
            "employee_id": rating.employee_id,
            "name": names.get(rating.employee_id, rating.employee_id),
            "stars": int(rating.stars),
            "comment": rating.comment or "",
            "rated_at": iso(rating.rated_at),
        }
        for rating in found.items
    ]
    return paging.PageOf(rows, found.next_cursor)


# ---------------------------------------------------------------- tips: to whom, how much, for what


class ReportTipAgentOut(TypedDict):
    employee_id: str
    name: str
    tips: int
    amount: dict[str, str]  # per currency, major units


class ReportTipDayOut(TypedDict):
    day: str
    tips: int
    amount: dict[str, str]


class ReportTipRowOut(TypedDict):
    tip_id: str
    paid_at: str | None
    employee_id: str
    name: str
    ticket_id: str | None
    subject: str | None
    amount: str
    currency: str
    refunded: bool


class ReportFunnelStepOut(TypedDict):
    step: str
    count: int


ReportTipsOut = TypedDict(
    "ReportTipsOut",
    {
        "from": str,
        "to": str,
        "tips": int,
        "amount": dict[str, str],
        "agents": list[ReportTipAgentOut],
        "days": list[ReportTipDayOut],
        "funnel": list[ReportFunnelStepOut],
        "list": list[ReportTipRowOut],
        "next_cursor": str | None,
    },
)


def tips(counters: Counters, names: Mapping[str, str], listed: paging.PageOf[ReportTipRowOut]) -> ReportTipsOut:
    per_agent: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    per_day: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))  # per row: a day or a week
    total: dict[str, int] = defaultdict(int)
    row_of = None if counters.week_start is None else counters.row_index()
    rows = counters.rows()
    for (currency, employee_id), tip_days in counters.tips.items():
        for day, item in tip_days.items():
            count, minor = item.values(("tips", "tip_minor"))
            per_agent[employee_id]["tips"] += count
            per_agent[employee_id][currency] += minor
            row = day if row_of is None else rows[row_of(day)]
            per_day[row]["tips"] += count
            per_day[row][currency] += minor
            total["tips"] += count
            total[currency] += minor

    def amounts(values: Mapping[str, int]) -> dict[str, str]:
        return {currency: _money(minor) for currency, minor in sorted(values.items()) if currency != "tips"}

    agents = [
        {"employee_id": employee_id, "tips": values["tips"], "amount": amounts(values)}
        for employee_id, values in per_agent.items()
        if values["tips"] or any(v for k, v in values.items() if k != "tips")
    ]
    days: list[ReportTipDayOut] = [
        {"day": day.isoformat(), "tips": per_day[day]["tips"], "amount": amounts(per_day[day])}
        if day in per_day
        else {"day": day.isoformat(), "tips": 0, "amount": {}}
        for day in rows
    ]
    steps = counters.company_totals(tuple(f"funnel_{step}" for step in FUNNEL))
    funnel: list[ReportFunnelStepOut] = [{"step": step, "count": steps[f"funnel_{step}"]} for step in FUNNEL]
    return {
        "from": counters.span.first.isoformat(),
        "to": counters.span.last.isoformat(),
        "tips": total["tips"],
        "amount": amounts(total),
        "agents": _names_sorted(agents, names),  # type: ignore[typeddict-item]
        "days": days,
        "funnel": funnel,
        "list": listed.items,
        "next_cursor": listed.next_cursor,
    }


def tip_list(
    company_id: str, start: Any, end: Any, names: Mapping[str, str], limit: int, cursor: str | None, scope: str
) -> paging.PageOf[ReportTipRowOut]:
    """The period's tips, newest first, with the subject of the ticket each was for."""
    from chalicelib.tips.models import Tip

    def run(start_key: dict[str, Any] | None, page_size: int) -> Any:
        return Tip.by_company.query(
            company_id,
            Tip.paid_at.between(start, end),
            scan_index_forward=False,
            last_evaluated_key=start_key,
            page_size=page_size,
        )

    found = paging.page(f"report-tips:{scope}", cursor, limit, run, lambda tip: tip.paid_at < end)
    subjects = _subjects(company_id, found.items)
    rows: list[ReportTipRowOut] = [
        {
            "tip_id": tip.tip_id,
            "paid_at": iso(tip.paid_at),
            "employee_id": tip.employee_id,
            "name": names.get(tip.employee_id, tip.employee_id),
            "ticket_id": tip.ticket_id,
            "subject": subjects.get(tip.ticket_id) if tip.ticket_id else None,
            "amount": _money(int(tip.amount_minor)),
            "currency": tip.currency,
            "refunded": tip.refunded_at is not None,
        }
        for tip in found.items
    ]
    return paging.PageOf(rows, found.next_cursor)


# ---------------------------------------------------------------- the karma mix of incoming customers


class ReportKarmaDayOut(TypedDict):
    day: str
    difficult: int
    calm: int
    neutral: int
    literate: int


ReportKarmaOut = TypedDict(
    "ReportKarmaOut", {"from": str, "to": str, "totals": dict[str, int], "days": list[ReportKarmaDayOut]}
)


_KARMA = tuple(f"karma_{kind}" for kind in KARMA)


def karma(counters: Counters) -> ReportKarmaOut:
    days: list[ReportKarmaDayOut] = [
        {"day": day.isoformat(), "difficult": difficult, "calm": calm, "neutral": neutral, "literate": literate}
        for day, (difficult, calm, neutral, literate) in counters.company_days(_KARMA)
    ]
    return {
        "from": counters.span.first.isoformat(),
        "to": counters.span.last.isoformat(),
        "totals": dict(zip(KARMA, counters.company_totals(_KARMA).values(), strict=True)),
        "days": days,
    }
