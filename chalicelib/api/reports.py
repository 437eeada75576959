"""The manager's reports as JSON (the console's pages draw the same figures): tickets, first replies and the
SLA, resolutions, customers' ratings with their comments, tips and their funnel, the karma mix."""

from __future__ import annotations

from typing import Any

from chalicelib.http.route import PAGED, PERIOD, Call, route
from chalicelib.reports import figures

TAG = "Reports"


def _report(call: Call, name: str) -> Any:
    from chalicelib.reports import service

    return service.report(call.who, name, call.query)


@route("GET", "/reports/tickets", summary="Tickets opened and closed per day, and the backlog", tag=TAG,
       role="manager", query=PERIOD)  # fmt: skip
def tickets(call: Call) -> figures.ReportTicketsOut:
    return _report(call, "tickets")


@route("GET", "/reports/first-replies", summary="First-reply times (open time), SLA misses and breaches, per agent",
       tag=TAG, role="manager", query=PERIOD, company=("staff",))  # fmt: skip
def first_replies(call: Call) -> figures.ReportFirstRepliesOut:
    return _report(call, "first-replies")


@route("GET", "/reports/resolutions", summary="Resolution times (open time) per agent", tag=TAG, role="manager",
       query=PERIOD, company=("staff",))  # fmt: skip
def resolutions(call: Call) -> figures.ReportResolutionsOut:
    return _report(call, "resolutions")


@route("GET", "/reports/ratings", summary="Customers' ratings of agents, per agent and day, with their comments",
       tag=TAG, role="manager", query={**PERIOD, **PAGED}, company=("staff",))  # fmt: skip
def ratings(call: Call) -> figures.ReportRatingsOut:
    return _report(call, "ratings")


@route("GET", "/reports/tips", summary="Tips: to whom, how much, for what; the rating message's funnel", tag=TAG,
       role="manager", query={**PERIOD, **PAGED}, company=("staff",))  # fmt: skip
def tips(call: Call) -> figures.ReportTipsOut:
    return _report(call, "tips")


@route("GET", "/reports/karma", summary="The karma mix of incoming customers (counts only)", tag=TAG,
       role="manager", query=PERIOD)  # fmt: skip
def karma(call: Call) -> figures.ReportKarmaOut:
    return _report(call, "karma")
