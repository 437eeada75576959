"""The karma arithmetic (pure: no I/O, shared by the stream handler, routing and the routing simulation).

Each active rating weighs 0.5 ** (age / half-life); sums are kept relative to the newest rating
(`as_of`), so the stored numbers are a function of the set of active ratings alone: voiding a rating
restores exactly the sums from before it. Scores are read at a moment: the sums decay from `as_of`
to then, and a neutral prior of PRIOR_WEIGHT pseudo-ratings of 3 pulls them to the middle, so one
rating cannot flip a customer and old ratings fade back to neutral.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

NEUTRAL = 3.0
PRIOR_WEIGHT = 3.0
DEFAULT_HALF_LIFE_DAYS = 90
DAY_SECONDS = 86_400.0


@dataclass(frozen=True)
class Point:
    """One active rating, as the arithmetic needs it."""

    literacy: float
    temperament: float
    rated_at: datetime


@dataclass(frozen=True)
class Sums:
    ratings: int
    weight: float
    literacy_sum: float
    temperament_sum: float
    as_of: datetime | None
    half_life_days: float


@dataclass(frozen=True)
class Scores:
    literacy: float
    temperament: float
    ratings: int


def decay(seconds: float, half_life_days: float) -> float:
    return float(0.5 ** (max(seconds, 0.0) / (half_life_days * DAY_SECONDS)))


def sums_of(points: Iterable[Point], half_life_days: float = DEFAULT_HALF_LIFE_DAYS) -> Sums:
    found = list(points)
    if not found:
        return Sums(0, 0.0, 0.0, 0.0, None, half_life_days)
    as_of = max(p.rated_at for p in found)
    weight = literacy = temperament = 0.0
    for point in found:
        w = decay((as_of - point.rated_at).total_seconds(), half_life_days)
        weight += w
        literacy += w * point.literacy
        temperament += w * point.temperament
    return Sums(len(found), _round(weight), _round(literacy), _round(temperament), as_of, half_life_days)


def scores_at(sums: Sums, now: datetime) -> Scores:
    fade = decay((now - sums.as_of).total_seconds(), sums.half_life_days) if sums.as_of else 0.0
    weight = PRIOR_WEIGHT + fade * sums.weight
    literacy = (PRIOR_WEIGHT * NEUTRAL + fade * sums.literacy_sum) / weight
    temperament = (PRIOR_WEIGHT * NEUTRAL + fade * sums.temperament_sum) / weight
    return Scores(round(literacy, 3), round(temperament, 3), sums.ratings)


def _round(value: float) -> float:
    return round(value, 9)
