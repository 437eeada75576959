"""Twelve levels, each a formula a manager may edit over an agent's lifetime totals. A level once
reached is never lost: the stored level only ever goes up, whatever the formulas say later."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field, field_validator

from chalicelib.activity import COUNTERS, DISTINCT, EXTREMES
from chalicelib.badges.formula import Formula, FormulaError, parse
from chalicelib.errors import ValidationFailed
from chalicelib.validation import Name, RequestBody

LEVEL_COUNT = 12
# Friendly names for the recorded counters (both spellings work in formulas).
ALIASES: dict[str, str] = {
    "answers": "replies",
    "chats": "chats_handled",
    "resolved": "resolutions",
    "rebukes": "negative_ratings",
    "tickets": "handled",
}
# Derived: not recorded as such, computed from the totals.
DERIVED = ("online_hours", "break_hours", "badges", "negative_badges", "days_active")
VARIABLES: frozenset[str] = frozenset(COUNTERS + EXTREMES + DISTINCT + tuple(ALIASES) + DERIVED)

DEFAULT_LEVELS: tuple[tuple[str, str], ...] = (
    ("Novice", "answers >= 0"),
    ("Apprentice", "answers >= 10 || chats >= 10"),
    ("Helper", "answers >= 50 || chats >= 50"),
    ("Problem solver", "resolved >= 50 && answers >= 100"),
    ("Specialist", "answers >= 250 || chats >= 250"),
    ("Senior specialist", "answers >= 500 || chats >= 500"),
    ("Expert", "(answers >= 1000 || chats >= 1000) && rewards >= 10"),
    ("Mentor", "answers >= 2000 && rewards >= 25"),
    ("Master", "answers >= 4000 && rewards >= 50 && online_hours >= 500"),
    ("Guru", "answers >= 7000 && rewards >= 100"),
    ("Legend", "answers >= 10000 && rewards >= 200 && rebukes < rewards"),
    ("King of customer service", "answers >= 20000 && rewards >= 500 && online_hours >= 2000"),
)


def variables(totals: Mapping[str, float], badges_won: Mapping[str, int], negative: frozenset[str]) -> dict[str, float]:
    """The values a formula sees for one agent."""
    values: dict[str, float] = {name: float(totals.get(name, 0)) for name in COUNTERS + EXTREMES + DISTINCT}
    for alias, name in ALIASES.items():
        values[alias] = values[name]
    values["online_hours"] = values["online_seconds"] / 3600
    values["break_hours"] = values["break_seconds"] / 3600
    values["badges"] = float(sum(n for key, n in badges_won.items() if key not in negative))
    values["negative_badges"] = float(sum(n for key, n in badges_won.items() if key in negative))
    values["days_active"] = float(totals.get("days_active", 0))
    return values


def compile_levels(levels: list[dict[str, str]]) -> list[tuple[str, Formula]]:
    """Parse every formula; a bad one raises ValidationFailed naming the level and what is wrong."""
    errors = []
    compiled = []
    for index, level in enumerate(levels):
        try:
            compiled.append((level["name"], parse(level["formula"], VARIABLES)))
        except FormulaError as error:
            errors.append({"field": f"levels.{index}.formula", "message": str(error), "code": "formula"})
    if errors:
        raise ValidationFailed("A level formula is not valid.", errors)
    return compiled


def default_levels() -> list[dict[str, str]]:
    return [{"name": name, "formula": formula} for name, formula in DEFAULT_LEVELS]


def level_reached(compiled: list[tuple[str, Formula]], values: Mapping[str, float]) -> int:
    """The highest level (1-based) whose formula holds; level 1 is everyone's floor."""
    reached = 1
    for number, (_name, formula) in enumerate(compiled, start=1):
        if formula.holds(values):
            reached = number
    return reached


class Level(RequestBody):
    name: Name
    formula: str = Field(min_length=1, max_length=300)


class LevelsUpdate(RequestBody):
    levels: list[Level] = Field(min_length=LEVEL_COUNT, max_length=LEVEL_COUNT)

    @field_validator("levels")
    @classmethod
    def _distinct_names(cls, value: list[Level]) -> list[Level]:
        if len({level.name.lower() for level in value}) != len(value):
            raise ValueError("level names must differ")
        return value

    def as_data(self) -> list[dict[str, Any]]:
        return [level.model_dump() for level in self.levels]
