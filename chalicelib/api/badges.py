"""Routes of the badges capability: rules, levels, a manual run of the job, the leaderboard (JSON, HTML)."""

from __future__ import annotations

import datetime as dt

from chalicelib.badges import config, job, leaderboard
from chalicelib.badges.config import LevelsOut, RulesOut
from chalicelib.badges.job import RunOut
from chalicelib.badges.leaderboard import LeaderboardOut
from chalicelib.badges.levels import LevelsUpdate
from chalicelib.badges.rules import BadgePatch, NewBadge, RuleOut
from chalicelib.http.route import Call, route
from chalicelib.validation import RequestBody

TAG = "Badges"


class BadgeRun(RequestBody):
    date: dt.date


@route("GET", "/badges/rules", summary="The company's badges (defaults with its changes, and its own)", tag=TAG)
def list_rules(call: Call) -> RulesOut:
    return config.rules_view(config.load(call.who.company_id))


@route(
    "PATCH",
    "/badges/rules",
    summary="Rename, disable, re-window or re-threshold a badge",
    tag=TAG,
    role="manager",
    body=BadgePatch,
)
def patch_rule(call: Call) -> RuleOut:
    return config.patch_badge(call.who, call.body).view()


@route(
    "POST",
    "/badges/rules",
    summary="Add a badge of the company's own over a recorded metric",
    tag=TAG,
    role="manager",
    body=NewBadge,
    status=201,
)
def add_rule(call: Call) -> RuleOut:
    return config.add_badge(call.who, call.body).view()


@route("GET", "/badges/levels", summary="The 12 levels and their formulas", tag=TAG)
def get_levels(call: Call) -> LevelsOut:
    return config.levels_view(config.load(call.who.company_id))


@route(
    "PUT",
    "/badges/levels",
    summary="Replace the 12 level formulas (checked before saving)",
    tag=TAG,
    role="manager",
    body=LevelsUpdate,
)
def put_levels(call: Call) -> LevelsOut:
    return config.levels_view(config.set_levels(call.who, call.body))


@route(
    "POST",
    "/badges/runs",
    summary="Award the badges of one finished day now (idempotent)",
    tag=TAG,
    role="manager",
    body=BadgeRun,
)
def run_badges(call: Call) -> RunOut:
    return job.run_manual(call.who, call.body.date)


@route("GET", "/leaderboard", summary="Badges, points and levels of the company's agents", tag=TAG, company=("staff",))
def get_leaderboard(call: Call) -> LeaderboardOut:
    return leaderboard.leaderboard(call.who)
