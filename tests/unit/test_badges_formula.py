"""Level formulas: parsed by a tiny parser (no eval), evaluated over counters, refused clearly when bad."""

from __future__ import annotations

import pytest

from chalicelib.badges.formula import FormulaError, parse
from chalicelib.badges.levels import DEFAULT_LEVELS, VARIABLES, compile_levels, level_reached, variables
from chalicelib.errors import ValidationFailed

NAMES = {"answers", "chats", "rewards", "rebukes"}


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("answers >= 500 || chats >= 500", {"answers": 499, "chats": 500}, True),
        ("answers >= 500 || chats >= 500", {"answers": 499, "chats": 499}, False),
        ("answers >= 10 && rewards > 2", {"answers": 10, "rewards": 3}, True),
        ("answers >= 10 && rewards > 2", {"answers": 10, "rewards": 2}, False),
        ("(answers >= 1 || chats >= 1) && rebukes < rewards", {"chats": 1, "rebukes": 1, "rewards": 2}, True),
        ("answers >= 1 || chats >= 1 && rebukes < rewards", {"answers": 1, "rebukes": 5}, True),  # && binds tighter
        ("rewards == 0", {}, True),  # a counter never recorded is 0
        ("answers != 3.5", {"answers": 3.5}, False),
        ("  ((answers<=2))  ", {"answers": 2}, True),
    ],
)
def test_a_formula_evaluates_comparisons_and_or_and_parentheses(text: str, values: dict, expected: bool) -> None:
    assert parse(text, NAMES).holds(values) is expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the formula is empty at position 1"),
        ("answer >= 5", "unknown counter 'answer'"),
        ("answers >= ", "expected a counter name or a number, but the formula ended at position 12"),
        ("answers 5", "expected a comparison"),
        ("(answers >= 5", "a '(' is not closed at position 1"),
        ("answers >= 5)", "unexpected ')' at position 13"),
        ("answers >= 5 & chats >= 1", "unexpected character '&' at position 14"),
        ("__import__('os').system('x') >= 1", 'unexpected character "\'" at position 12'),
        ("__import__ >= 1", "unknown counter '__import__'"),
        ("answers.real >= 1", "unexpected character '.'"),
        ("answers >= 1e9", "unexpected 'e9' at position 13"),
        ("-1 <= answers", "unexpected character '-'"),
        ("(" * 11 + "answers >= 1" + ")" * 11, "nest deeper than 10"),
        ("answers >= 1 || " * 30 + "answers >= 1", "longer than 300 characters"),
    ],
)
def test_a_bad_formula_is_refused_with_what_and_where(text: str, message: str) -> None:
    with pytest.raises(FormulaError) as caught:
        parse(text, NAMES)
    assert message in str(caught.value)


def test_the_default_levels_all_parse_and_climb_with_the_counters() -> None:
    compiled = compile_levels([{"name": n, "formula": f} for n, f in DEFAULT_LEVELS])
    assert len(compiled) == 12
    nobody = variables({}, {}, frozenset())
    assert level_reached(compiled, nobody) == 1
    assert level_reached(compiled, variables({"replies": 60}, {}, frozenset())) == 3
    king = variables({"replies": 20000, "rewards": 500, "online_seconds": 2000 * 3600}, {}, frozenset())
    assert level_reached(compiled, king) == 12


def test_compiling_levels_names_the_bad_formula_as_a_field_error() -> None:
    levels = [{"name": n, "formula": f} for n, f in DEFAULT_LEVELS]
    levels[3] = {"name": "Problem solver", "formula": "resolved >= 50 &&"}
    with pytest.raises(ValidationFailed) as caught:
        compile_levels(levels)
    [error] = caught.value.errors
    assert error["field"] == "levels.3.formula" and error["code"] == "formula"
    assert "but the formula ended" in error["message"]


def test_formulas_may_use_every_recorded_counter_and_the_friendly_names() -> None:
    for name in (
        "answers",
        "chats",
        "calls",
        "resolved",
        "rewards",
        "rebukes",
        "online_hours",
        "badges",
        "transferred_tickets",
        "longest_call",
        "tip_amount",
    ):
        assert name in VARIABLES
        parse(f"{name} >= 1", VARIABLES)
