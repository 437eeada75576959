"""A company's badge rules and level formulas: read in one GetItem, changed by managers."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import PutError
from typing_extensions import TypedDict  # pydantic reads TypedDicts from here on 3.11

from chalicelib.auth import Principal
from chalicelib.badges.formula import Formula
from chalicelib.badges.levels import LevelsUpdate, compile_levels, default_levels
from chalicelib.badges.models import BadgeConfig
from chalicelib.badges.rules import DEFAULT_KEYS, BadgePatch, NewBadge, Rule, RuleOut, effective_rules
from chalicelib.clock import utcnow
from chalicelib.db.base import is_condition_failure
from chalicelib.errors import Conflict, NotFound

MAX_CUSTOM_BADGES = 30


@dataclass(frozen=True)
class Settings:
    rules: list[Rule]
    levels: list[dict[str, str]]

    @property
    def enabled(self) -> list[Rule]:
        return [rule for rule in self.rules if rule.enabled]

    @property
    def negative_keys(self) -> frozenset[str]:
        return frozenset(rule.key for rule in self.rules if not rule.positive)

    def compiled_levels(self) -> list[tuple[str, Formula]]:
        return compile_levels(self.levels)


def blank(company_id: str) -> BadgeConfig:
    """The config of a company that changed nothing yet (unsaved): the defaults."""
    return BadgeConfig(company_id, overrides={}, custom=[], levels=None, version=0)


def _read(company_id: str) -> BadgeConfig:
    try:
        return BadgeConfig.get(company_id, consistent_read=True)
    except BadgeConfig.DoesNotExist:
        return blank(company_id)


def settings_of(config: BadgeConfig) -> Settings:
    return Settings(
        effective_rules(dict(config.overrides or {}), list(config.custom or [])),
        list(config.levels) if config.levels else default_levels(),
    )


def load(company_id: str) -> Settings:
    return settings_of(_read(company_id))


def _change(company_id: str, edit: Callable[[BadgeConfig], None]) -> Settings:
    """Read, edit, write conditionally on the version read; a concurrent edit answers 409."""
    config = _read(company_id)
    version = int(config.version or 0)
    config.overrides = copy.deepcopy(config.overrides or {})
    config.custom = copy.deepcopy(config.custom or [])
    edit(config)
    config.version = version + 1
    config.updated_at = utcnow()
    condition = BadgeConfig.version == version if version else BadgeConfig.company_id.does_not_exist()
    try:
        config.save(condition=condition)
    except PutError as error:
        if is_condition_failure(error):
            raise Conflict("The badge settings were changed at the same moment; try again.") from None
        raise
    return settings_of(config)


def patch_badge(principal: Principal, patch: BadgePatch) -> Rule:
    def edit(config: BadgeConfig) -> None:
        custom_keys = {data["key"] for data in config.custom}
        if patch.key not in DEFAULT_KEYS and patch.key not in custom_keys:
            raise NotFound("Badge")
        changes = patch.model_dump(exclude_unset=True, exclude={"key"})
        config.overrides[patch.key] = {**config.overrides.get(patch.key, {}), **changes}

    settings = _change(principal.company_id, edit)
    return next(rule for rule in settings.rules if rule.key == patch.key)


def add_badge(principal: Principal, badge: NewBadge) -> Rule:
    def edit(config: BadgeConfig) -> None:
        if any(data["key"] == badge.key for data in config.custom):
            raise Conflict("The company already has a badge with this key.", "badge-exists")
        if len(config.custom) >= MAX_CUSTOM_BADGES:
            raise Conflict(f"A company may have at most {MAX_CUSTOM_BADGES} badges of its own.", "too-many-badges")
        config.custom.append(badge.rule_data())

    settings = _change(principal.company_id, edit)
    return next(rule for rule in settings.rules if rule.key == badge.key)


def set_levels(principal: Principal, update: LevelsUpdate) -> Settings:
    """Replace the level formulas; the settings as saved."""
    levels = update.as_data()
    compile_levels(levels)  # a bad formula is refused here, before anything is written

    def edit(config: BadgeConfig) -> None:
        config.levels = levels

    return _change(principal.company_id, edit)


class RulesOut(TypedDict):
    badges: list[RuleOut]


class LevelsOut(TypedDict):
    levels: list[dict[str, Any]]
    variables: list[str]
    aliases: dict[str, str]
    derived: list[str]


def rules_view(settings: Settings) -> RulesOut:
    return {"badges": [rule.view() for rule in settings.rules]}


def levels_view(settings: Settings) -> LevelsOut:
    from chalicelib.badges.levels import ALIASES, DERIVED, VARIABLES

    return {
        "levels": [{"level": number, **level} for number, level in enumerate(settings.levels, start=1)],
        "variables": sorted(VARIABLES),
        "aliases": ALIASES,
        "derived": list(DERIVED),
    }
