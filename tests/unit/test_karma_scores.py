"""The karma arithmetic and the routing decisions, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.karma import policy
from chalicelib.karma.scores import Point, Scores, scores_at, sums_of

NOW = datetime(2026, 5, 1, tzinfo=UTC)


def test_a_rating_half_a_half_life_old_weighs_less_and_all_fade_back_to_neutral() -> None:
    fresh = scores_at(sums_of([Point(5, 1, NOW)], 90), NOW)
    old = scores_at(sums_of([Point(5, 1, NOW - timedelta(days=90))], 90), NOW)
    assert fresh == Scores(3.5, 2.5, 1)
    assert old.literacy == round((9 + 0.5 * 5) / 3.5, 3) and 3 < old.literacy < fresh.literacy
    assert scores_at(sums_of([Point(5, 1, NOW)], 90), NOW + timedelta(days=3650)).literacy == 3.0


def test_the_sums_depend_only_on_the_set_of_ratings() -> None:
    a, b = Point(4, 4, NOW - timedelta(days=3)), Point(1, 1, NOW)
    assert sums_of([a, b]) == sums_of([b, a])
    assert sums_of([a]) != sums_of([a, b])


def test_one_rating_cannot_make_a_customer_difficult_or_literate() -> None:
    t = policy.Thresholds()
    one = scores_at(sums_of([Point(5, 1, NOW)]), NOW)
    assert policy.temperament_class(one, t) is None and not policy.is_literate(one, t)
    two = scores_at(sums_of([Point(5, 1, NOW), Point(5, 1, NOW)]), NOW)
    assert policy.temperament_class(two, t) == policy.DIFFICULT


def waiting(
    name: str, minutes_ago: float, routing_class: str | None = None, served: bool = True
) -> policy.Waiting[str]:
    created = NOW - timedelta(minutes=minutes_ago)
    return policy.Waiting(name, name, created, created + timedelta(minutes=60), routing_class, served)


def test_take_order_is_fifo_without_karma_and_urgent_tickets_always_come_first() -> None:
    old, new = waiting("old", 10), waiting("new", 5)
    assert [w.item for w in policy.take_order([new, old], None, [], NOW)] == ["old", "new"]
    heavy = policy.Load("me", taken=10, difficult=5)
    light = policy.Load("peer", taken=10, difficult=0)
    hard, urgent_hard = waiting("hard", 20, policy.DIFFICULT), waiting("urgent", 31, policy.DIFFICULT)
    order = policy.take_order([hard, urgent_hard, new], heavy, [heavy, light], NOW)
    assert [w.item for w in order] == ["urgent", "new", "hard"]
    assert [w.item for w in policy.take_order([hard, new], light, [heavy, light], NOW)] == ["hard", "new"]


def test_tickets_of_queues_an_agent_only_helps_are_offered_only_when_urgent() -> None:
    helped, urgent = waiting("helped", 10, served=False), waiting("urgent", 40, served=False)
    assert [w.item for w in policy.take_order([helped, urgent], None, [], NOW)] == ["urgent"]


def test_a_literate_customer_skips_the_first_line_only_with_someone_on_the_second() -> None:
    t = policy.Thresholds()
    literate = Scores(4.2, 3.0, 5)
    assert policy.route_intake(literate, "net", None, t, lambda d: True) == policy.IntakeRoute(
        2, "net", policy.SKIP_FIRST_LINE, None
    )
    assert policy.route_intake(literate, None, None, t, lambda d: False).reason == policy.FIFO
    assert policy.route_intake(literate, None, False, t, lambda d: True).tier == 1
    asked: list[str | None] = []
    policy.route_intake(Scores(2.0, 3.0, 5), None, True, t, lambda d: bool(asked.append(d)))
    assert asked == []  # not eligible: nobody is even asked
