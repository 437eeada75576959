"""Level formulas: a tiny, safe language, parsed once and evaluated over an agent's counters.

Grammar (no `eval`, no attribute access, no calls; only what is written here):

    formula    := or
    or         := and ( "||" and )*
    and        := primary ( "&&" primary )*
    primary    := "(" or ")" | comparison
    comparison := operand ( ">=" | "<=" | ">" | "<" | "==" | "!=" ) operand
    operand    := name | number

Names are counters an agent's totals carry (see `levels.VARIABLES`); numbers are non-negative
decimals. A formula is at most 300 characters and nests at most 10 parentheses deep.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

MAX_LENGTH = 300
MAX_DEPTH = 10

_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d+)?)|(?P<name>[a-z_][a-z0-9_]*)|(?P<op>>=|<=|==|!=|>|<|&&|\|\||\(|\)))"
)
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}


class FormulaError(ValueError):
    """A formula that cannot be used; the message says what and where (1-based character position)."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} at position {position}")
        self.position = position


@dataclass(frozen=True)
class _Token:
    kind: str  # number | name | op | end
    text: str
    position: int


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    at = 0
    while at < len(text):
        if text[at:].strip() == "":
            break
        match = _TOKEN.match(text, at)
        if not match:
            position = at + (len(text[at:]) - len(text[at:].lstrip())) + 1
            raise FormulaError(f"unexpected character {text[position - 1]!r}", position)
        kind = match.lastgroup or "op"
        start = match.start(kind) + 1
        tokens.append(_Token(kind, match.group(kind), start))
        at = match.end()
    tokens.append(_Token("end", "", len(text) + 1))
    return tokens


# A parsed formula is a small tree of tuples, evaluated by `_evaluate`:
#   ("or", [nodes]) | ("and", [nodes]) | ("cmp", op, left, right) with operands ("num", x) | ("var", name)
Node = tuple


class _Parser:
    def __init__(self, text: str, names: Collection[str]) -> None:
        self.tokens = _tokens(text)
        self.at = 0
        self.names = names
        self.depth = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def parse(self) -> Node:
        if self.current.kind == "end":
            raise FormulaError("the formula is empty", 1)
        node = self.or_()
        if self.current.kind != "end":
            raise FormulaError(f"unexpected {self.current.text!r}", self.current.position)
        return node

    def or_(self) -> Node:
        parts = [self.and_()]
        while self.current.text == "||":
            self.take()
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else ("or", parts)

    def and_(self) -> Node:
        parts = [self.primary()]
        while self.current.text == "&&":
            self.take()
            parts.append(self.primary())
        return parts[0] if len(parts) == 1 else ("and", parts)

    def primary(self) -> Node:
        if self.current.text == "(":
            opened = self.take()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise FormulaError(f"parentheses nest deeper than {MAX_DEPTH}", opened.position)
            node = self.or_()
            if self.current.text != ")":
                raise FormulaError("a '(' is not closed", opened.position)
            self.take()
            self.depth -= 1
            return node
        left = self.operand()
        if self.current.text not in _COMPARE:
            raise FormulaError(
                "expected a comparison (>=, <=, >, <, ==, !=)"
                + ("" if self.current.kind != "end" else ", but the formula ended"),
                self.current.position,
            )
        op = self.take().text
        right = self.operand()
        return ("cmp", op, left, right)

    def operand(self) -> Node:
        token = self.take()
        if token.kind == "number":
            return ("num", float(token.text))
        if token.kind == "name":
            if token.text not in self.names:
                raise FormulaError(
                    f"unknown counter {token.text!r} (known: {', '.join(sorted(self.names))})", token.position
                )
            return ("var", token.text)
        if token.kind == "end":
            raise FormulaError("expected a counter name or a number, but the formula ended", token.position)
        raise FormulaError(f"expected a counter name or a number, not {token.text!r}", token.position)


@dataclass(frozen=True)
class Formula:
    text: str
    tree: Node

    def holds(self, values: Mapping[str, float]) -> bool:
        return _evaluate(self.tree, values)


def parse(text: str, names: Collection[str]) -> Formula:
    """Parse `text` over the allowed counter `names`; raises FormulaError saying what is wrong and where."""
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"the formula is longer than {MAX_LENGTH} characters", MAX_LENGTH + 1)
    return Formula(text, _Parser(text, names).parse())


def _value(node: Node, values: Mapping[str, float]) -> float:
    return float(node[1]) if node[0] == "num" else float(values.get(node[1], 0))


def _evaluate(node: Node, values: Mapping[str, float]) -> bool:
    kind = node[0]
    if kind == "or":
        return any(_evaluate(part, values) for part in node[1])
    if kind == "and":
        return all(_evaluate(part, values) for part in node[1])
    return _COMPARE[node[1]](_value(node[2], values), _value(node[3], values))
