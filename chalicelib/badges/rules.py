"""Badges as data: the 15 defaults, and what a manager may change or add for their company.

A rule names an activity metric (any counter, extreme or distinct-ticket set that
`chalicelib.activity` records per agent per day), a window, an aggregate and which end is best:

- window: `7d` (the 7 full days ending on the evaluated day), `yesterday` (the evaluated day), or
  `yesterday_vs_day_before` (the figure of the evaluated day minus the figure of the day before).
- aggregate: `sum` of the metric over the window, `max` (highest single day), `ratio` (sum of the
  metric / sum of `per`, e.g. seconds per handled ticket), or `random_online` (Four-leaf clover:
  one agent drawn at random among those online, the same one on every rerun for that day).
- minimum activity: the sum of `min_metric` over the window (for yesterday_vs_day_before: on
  each of the two days) must be at least `min_value`; nobody wins a badge for doing nothing.
  `min_metric` defaults to `per` for ratios and to the metric itself otherwise.

Ties (documented rule, applied in order): the agent with more activity (`min_metric` summed over
the window) wins; if still tied, the agent currently holding the badge keeps it; if still tied,
a draw keyed on company, day and badge decides, so a rerun gives the same winner.

Anti-gaming: transfers, tags and resolutions count distinct tickets per agent per day (the
`*_tickets` sets), so moving one ticket back and forth counts once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any, Literal, cast

from pydantic import Field, model_validator
from typing_extensions import TypedDict  # pydantic reads TypedDicts from here on 3.11

from chalicelib.activity import COUNTERS, DISTINCT, EXTREMES
from chalicelib.validation import Integer, Name, PatchBody, RequestBody, Slug

Window = Literal["7d", "yesterday", "yesterday_vs_day_before"]
Aggregate = Literal["sum", "max", "ratio", "random_online"]
Best = Literal["max", "min"]
METRICS: tuple[str, ...] = COUNTERS + EXTREMES + DISTINCT
WINDOW_DAYS: dict[str, int] = {"7d": 7, "yesterday": 1, "yesterday_vs_day_before": 2}


class RuleOut(TypedDict):
    key: str
    name: str
    description: str
    metric: str
    window: str
    aggregate: str
    best: str
    positive: bool
    unit: str
    per: str | None
    min_metric: str | None
    min_value: float
    points: int
    enabled: bool
    custom: bool


@dataclass(frozen=True)
class Rule:
    key: str
    name: str
    description: str
    metric: str
    window: str
    aggregate: str
    best: str
    positive: bool
    unit: str = "count"  # how the figure reads: count | seconds | characters | messages
    per: str | None = None
    min_metric: str | None = None
    min_value: float = 1
    points: int = 10
    enabled: bool = True
    custom: bool = False

    @property
    def activity_metric(self) -> str:
        return self.min_metric or self.per or self.metric

    def view(self) -> RuleOut:
        data = asdict(self)  # every field of Rule is a field of RuleOut (a unit test holds them together)
        data["min_metric"] = self.activity_metric
        return cast(RuleOut, data)


def _rule(
    key: str,
    name: str,
    description: str,
    metric: str,
    window: str,
    aggregate: str = "sum",
    best: str = "max",
    positive: bool = True,
    **extra: Any,
) -> Rule:
    points = 10 if positive else -5
    return Rule(key, name, description, metric, window, aggregate, best, positive, **{"points": points, **extra})


DEFAULT_RULES: tuple[Rule, ...] = (
    _rule(
        "traffic_controller", "Traffic controller", "Most tickets transferred in 7 days", "transferred_tickets", "7d"
    ),
    _rule(
        "siesta",
        "Siesta",
        "Longest total break time in 7 days",
        "break_seconds",
        "7d",
        positive=False,
        unit="seconds",
        min_value=60,
    ),
    _rule(
        "rebel_without_a_cause",
        "Rebel without a cause",
        "Most negative customer ratings in 7 days",
        "negative_ratings",
        "7d",
        positive=False,
    ),
    _rule(
        "inspector",
        "Inspector",
        "Longest average ticket open time yesterday, compared with the day before (the biggest increase)",
        "handling_seconds",
        "yesterday_vs_day_before",
        "ratio",
        per="handled",
        unit="seconds",
    ),
    _rule(
        "speedy_gonzales",
        "Speedy Gonzales",
        "Fastest average first reply to chats yesterday",
        "chat_first_response_seconds",
        "yesterday",
        "ratio",
        "min",
        per="chat_first_responses",
        unit="seconds",
    ),
    _rule("rewarded", "Rewarded", "Most rewards (positive ratings and tips) received in 7 days", "rewards", "7d"),
    _rule("coffee", "Coffee", "Most breaks taken in 7 days", "breaks", "7d", positive=False),
    _rule(
        "novelist",
        "Novelist",
        "Longest single reply written yesterday",
        "longest_reply",
        "yesterday",
        "max",
        unit="characters",
    ),
    _rule("tagger", "Tagger", "Most tickets tagged in 7 days", "tagged_tickets", "7d"),
    _rule(
        "four_leaf_clover",
        "Four-leaf clover",
        "Given at random to one agent who was online yesterday",
        "online_seconds",
        "yesterday",
        "random_online",
        unit="seconds",
        points=5,
    ),
    _rule(
        "express",
        "Express",
        "Shortest average ticket open time yesterday",
        "handling_seconds",
        "yesterday",
        "ratio",
        "min",
        per="handled",
        unit="seconds",
    ),
    _rule(
        "hardworking",
        "Hardworking",
        "Most time online in 7 days (take a break!)",
        "online_seconds",
        "7d",
        unit="seconds",
        min_value=60,
    ),
    _rule(
        "chatty",
        "Chatty",
        "The chat with the most messages yesterday",
        "chat_max_messages",
        "yesterday",
        "max",
        unit="messages",
    ),
    _rule("cleaner", "Cleaner", "Most tickets resolved in 7 days", "resolved_tickets", "7d"),
    _rule("talker", "Talker", "Longest call yesterday", "longest_call", "yesterday", "max", unit="seconds"),
)
DEFAULT_KEYS = frozenset(rule.key for rule in DEFAULT_RULES)
# What an override may change: rename, disable, re-window, re-threshold, re-point.
OVERRIDABLE = ("name", "enabled", "window", "min_value", "points")


def effective_rules(overrides: dict[str, dict[str, Any]], custom: list[dict[str, Any]]) -> list[Rule]:
    """The company's rules: the defaults with its overrides applied, then its own badges (overridden too)."""
    rules = list(DEFAULT_RULES) + [Rule(**{**data, "custom": True}) for data in custom]
    result = []
    for rule in rules:
        changes = {k: v for k, v in overrides.get(rule.key, {}).items() if k in OVERRIDABLE}
        result.append(replace(rule, **changes) if changes else rule)
    return result


# ---------------------------------------------------------------- what managers send


class BadgePatch(PatchBody):
    """Change one badge of the company (a default or one of its own), named by `key`."""

    REQUIRED_ALONGSIDE = ("key",)

    key: Slug
    name: Name | None = None
    enabled: bool | None = None
    window: Window | None = None
    min_value: float | None = Field(default=None, ge=0, le=1e9)
    points: Integer | None = Field(default=None, ge=-1000, le=1000)


class NewBadge(RequestBody):
    """A badge of the company's own, of the same shape as the defaults, over any recorded metric."""

    key: Slug
    name: Name
    description: str = Field(default="", max_length=300)
    metric: str = Field(max_length=40)
    window: Window = "7d"
    aggregate: Literal["sum", "max", "ratio"] = "sum"
    best: Best = "max"
    positive: bool = True
    unit: Literal["count", "seconds", "characters", "messages"] = "count"
    per: str | None = Field(default=None, max_length=40)
    min_metric: str | None = Field(default=None, max_length=40)
    min_value: float = Field(default=1, ge=0, le=1e9)
    points: Integer = Field(default=10, ge=-1000, le=1000)

    @model_validator(mode="after")
    def _consistent(self) -> NewBadge:
        known = ", ".join(METRICS)
        for field_name in ("metric", "per", "min_metric"):
            value = getattr(self, field_name)
            if value is not None and value not in METRICS:
                raise ValueError(f"{field_name} must be a recorded metric: {known}")
        if self.aggregate == "ratio":
            if self.per is None or self.per not in COUNTERS:
                raise ValueError("a ratio needs per: the counter to divide by")
        elif self.per is not None:
            raise ValueError("per is only for the ratio aggregate")
        if self.key in DEFAULT_KEYS:
            raise ValueError("key is taken by a default badge; change that one with PATCH /badges/rules")
        return self

    def rule_data(self) -> dict[str, Any]:
        data = self.model_dump()
        data.setdefault("enabled", True)
        return data
