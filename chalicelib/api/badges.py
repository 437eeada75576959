"""Routes of the badges capability: rules, levels, a manual run of the job, the leaderboard (JSON, HTML)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from chalice import Blueprint, Response

from chalicelib.api.http import Call, html_response, route
from chalicelib.badges import config, job, leaderboard
from chalicelib.badges.levels import LevelsUpdate
from chalicelib.badges.rules import BadgePatch, NewBadge
from chalicelib.validation import RequestBody

bp = Blueprint(__name__)
TAG = "Badges"


class BadgeRun(RequestBody):
    date: dt.date


@route(bp, "/badges/rules", "GET", summary="The company's badges (defaults with its changes, and its own)", tag=TAG)
def list_rules(call: Call) -> dict[str, Any]:
    return config.rules_view(config.load(call.who.company_id))


@route(
    bp,
    "/badges/rules",
    "PATCH",
    summary="Rename, disable, re-window or re-threshold a badge",
    tag=TAG,
    auth="manager",
    body=BadgePatch,
)
def patch_rule(call: Call) -> dict[str, Any]:
    return config.patch_badge(call.who, call.body).view()


@route(
    bp,
    "/badges/rules",
    "POST",
    summary="Add a badge of the company's own over a recorded metric",
    tag=TAG,
    auth="manager",
    body=NewBadge,
    status=201,
)
def add_rule(call: Call) -> dict[str, Any]:
    return config.add_badge(call.who, call.body).view()


@route(bp, "/badges/levels", "GET", summary="The 12 levels and their formulas", tag=TAG)
def get_levels(call: Call) -> dict[str, Any]:
    return config.levels_view(config.load(call.who.company_id))


@route(
    bp,
    "/badges/levels",
    "PUT",
    summary="Replace the 12 level formulas (checked before saving)",
    tag=TAG,
    auth="manager",
    body=LevelsUpdate,
)
def put_levels(call: Call) -> dict[str, Any]:
    config.set_levels(call.who, call.body)
    return config.levels_view(config.load(call.who.company_id))


@route(
    bp,
    "/badges/runs",
    "POST",
    summary="Award the badges of one finished day now (idempotent)",
    tag=TAG,
    auth="manager",
    body=BadgeRun,
)
def run_badges(call: Call) -> dict[str, Any]:
    return job.run_manual(call.who, call.body.date)


@route(bp, "/leaderboard", "GET", summary="Badges, points and levels of the company's agents", tag=TAG)
def get_leaderboard(call: Call) -> dict[str, Any]:
    return leaderboard.leaderboard(call.who)


# Declared with a charset so that, like every bearer-token route, its auth errors stay problem+json.
@route(
    bp,
    "/leaderboard/page",
    "GET",
    summary="The leaderboard as a page (HTML)",
    tag=TAG,
    produces="text/html; charset=utf-8",
)
def leaderboard_page(call: Call) -> Response:
    return html_response(leaderboard.page(call.who))
