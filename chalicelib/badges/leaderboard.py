"""The leaderboard: each agent's current badges, badges won over time, points and level.

Agents of a company see each other's badges (held now and won over time); points, level, figures
and totals are shown to managers for everyone and to an agent for themselves only.
Reads: the company's badge holders (one Query), then its config and the standings of its active
employees (one BatchGetItem); who the employees are comes from the company's staff directory, read
with the caller's credential.
"""

from __future__ import annotations

from typing import Any

from typing_extensions import TypedDict  # pydantic reads TypedDicts from here on 3.11

from chalicelib.auth import Principal, company_of
from chalicelib.badges.config import blank, settings_of
from chalicelib.badges.models import HOLDER, BadgeConfig, BadgeRecord, Standing
from chalicelib.db.base import get_many
from chalicelib.employees import staff
from chalicelib.pages import render


def _badge(holder: BadgeRecord, rules: dict[str, Any], with_figure: bool) -> dict[str, Any]:
    rule = rules.get(str(holder.badge))
    data: dict[str, Any] = {
        "key": holder.badge,
        "name": rule.name if rule else holder.name,
        "positive": bool(holder.positive),
        "since": holder.since,
        "last_won": holder.day,
    }
    if with_figure:
        data["figure"] = float(holder.figure or 0)
        data["unit"] = rule.unit if rule else "count"
    return data


class LeaderboardOut(TypedDict):
    """Agents see each other's badges; points, levels, totals and figures only for themselves (managers: all)."""

    agents: list[dict[str, Any]]
    badges: list[dict[str, Any]]
    viewer: dict[str, str]


def leaderboard(principal: Principal) -> LeaderboardOut:
    company_id = principal.company_id
    employees = {e: v for e, v in staff.entries(company_of(principal, "staff")).items() if v.get("active")}
    held = list(BadgeRecord.query(company_id, BadgeRecord.record.startswith(HOLDER)))
    config, *found = get_many(
        [(BadgeConfig, company_id, None), *((Standing, company_id, e) for e in sorted(employees))],
        consistent_read=True,
    )
    settings = settings_of(config or blank(company_id))
    standings = {s.employee_id: s for s in found if s is not None}
    rules = {rule.key: rule for rule in settings.rules}
    holders = [h for h in held if h.employee_id in employees and h.badge in rules and rules[str(h.badge)].enabled]
    level_names = [level["name"] for level in settings.levels]
    rows = []
    for employee_id, employee in employees.items():
        standing = standings.get(employee_id)
        if employee["role"] != "agent" and standing is None:
            continue  # managers appear once they have activity
        sees_all = principal.is_manager or employee_id == principal.employee_id
        won = {k: int(v) for k, v in dict(standing.badges_won if standing else {}).items() if k in rules}
        row: dict[str, Any] = {
            "employee_id": employee_id,
            "name": employee["name"],
            "current_badges": sorted(
                (_badge(h, rules, sees_all) for h in holders if h.employee_id == employee_id),
                key=lambda b: (not b["positive"], b["name"]),
            ),
            "badges_won": won,
            "positive_badges_won": sum(n for k, n in won.items() if rules[k].positive),
        }
        if sees_all:
            level = min(int(standing.level or 1), len(level_names)) if standing else 1
            row.update(
                points=int(standing.points or 0) if standing else 0,
                level=level,
                level_name=level_names[level - 1],
                totals={k: float(v) for k, v in dict(standing.totals if standing else {}).items()},
            )
        rows.append(row)
    rows.sort(key=lambda r: (-r["positive_badges_won"], r["name"].lower(), r["employee_id"]))
    if principal.is_manager:
        rows.sort(key=lambda r: (-r["points"], -r["positive_badges_won"], r["name"].lower()))
    return {
        "agents": rows,
        "badges": [
            {"key": r.key, "name": r.name, "description": r.description, "positive": r.positive}
            for r in settings.enabled
        ],
        "viewer": {"employee_id": principal.employee_id, "role": principal.role},
    }


def page(principal: Principal) -> str:
    data = leaderboard(principal)
    return render(
        "badges/leaderboard.html", locale="en", title="Leaderboard", data=data, is_manager=principal.is_manager
    )
