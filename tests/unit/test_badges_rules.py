"""Badge rules as data and the winner rules, without a database: agent-day items built in memory."""

from __future__ import annotations

from datetime import date, timedelta

from chalicelib.activity import AgentDay
from chalicelib.badges.evaluate import draw, window_days, winner
from chalicelib.badges.rules import DEFAULT_RULES, METRICS, effective_rules

DAY = date(2026, 3, 10)
CLOVER = next(r for r in DEFAULT_RULES if r.key == "four_leaf_clover")
NOVELIST = next(r for r in DEFAULT_RULES if r.key == "novelist")


def item(employee_id: str, **values: float) -> AgentDay:
    return AgentDay(f"co_x#{DAY.isoformat()}", employee_id, **values)


def lot(employee_id: str, badge: str = "four_leaf_clover") -> str:
    return draw(b"k" * 32, "co_x", DAY.isoformat(), badge, employee_id)


def test_every_default_rule_reads_only_recorded_metrics_and_known_windows() -> None:
    for rule in DEFAULT_RULES:
        assert rule.metric in METRICS and rule.activity_metric in METRICS, rule.key
        assert rule.window in ("7d", "yesterday", "yesterday_vs_day_before")
        assert (rule.points > 0) == rule.positive


def test_windows_are_the_seven_days_ending_on_the_day_or_the_day_or_the_two_days() -> None:
    assert window_days("7d", DAY) == [DAY - timedelta(days=n) for n in range(6, -1, -1)]
    assert window_days("yesterday", DAY) == [DAY]
    assert window_days("yesterday_vs_day_before", DAY) == [DAY - timedelta(days=1), DAY]


def test_the_clover_goes_to_the_same_online_agent_whatever_the_order_and_whoever_else_was_online() -> None:
    online = {e: item(e, online_seconds=60) for e in ("emp_a", "emp_b", "emp_c", "emp_d")}
    days = {DAY: online}
    chosen = winner(CLOVER, days, DAY, list(online), None, lot).winner
    assert chosen is not None and chosen.employee_id == max(online, key=lot)
    assert winner(CLOVER, days, DAY, list(reversed(online)), None, lot).winner == chosen
    others = [e for e in online if e != chosen.employee_id]
    fewer = {DAY: {e: online[e] for e in [chosen.employee_id, others[0]]}}
    assert winner(CLOVER, fewer, DAY, list(online), None, lot).winner == chosen
    offline = {DAY: {e: item(e, replies=3) for e in online}}
    assert winner(CLOVER, offline, DAY, list(online), None, lot).winner is None


def test_a_tie_is_settled_by_activity_then_the_holder_then_the_lot() -> None:
    rule = effective_rules({"novelist": {"min_value": 1}}, [])[7]
    assert rule.key == "novelist"
    days = {DAY: {"emp_a": item("emp_a", longest_reply=400), "emp_b": item("emp_b", longest_reply=400)}}
    by_lot = winner(rule, days, DAY, ["emp_a", "emp_b"], None, lambda e: lot(e, "novelist"))
    assert by_lot.tie and by_lot.winner is not None
    assert by_lot.winner.employee_id == max(["emp_a", "emp_b"], key=lambda e: lot(e, "novelist"))
    loser = "emp_b" if by_lot.winner.employee_id == "emp_a" else "emp_a"
    assert winner(rule, days, DAY, ["emp_a", "emp_b"], loser, lot).winner.employee_id == loser  # type: ignore[union-attr]


def test_overrides_change_only_what_a_manager_may_change() -> None:
    rules = {
        r.key: r
        for r in effective_rules(
            {"coffee": {"enabled": False, "name": "Espresso", "metric": "replies", "positive": True}}, []
        )
    }
    coffee = rules["coffee"]
    assert (coffee.enabled, coffee.name, coffee.metric, coffee.positive) == (False, "Espresso", "breaks", False)
