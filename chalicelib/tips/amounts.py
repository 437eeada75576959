"""The tip amounts a customer is offered, per currency (whole units), before "another amount".

RUB follows the survey in the product's seeds: a fair tip is "up to 70 roubles" for 48% of respondents,
"up to 150" for 35% and "more than 150" for 8%, so 70, 150 and 300 cover each group with one button.
Other currencies get amounts of about the same weight where they are paid; a currency without defaults
offers only "another amount" until a manager sets some. A company's own amounts replace the defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_AMOUNTS = 5
MAX_AMOUNT = 1_000_000

DEFAULTS: dict[str, tuple[int, ...]] = {
    "RUB": (70, 150, 300),
    "EUR": (2, 5, 10),
    "USD": (2, 5, 10),
    "GBP": (2, 5, 10),
    "CHF": (2, 5, 10),
    "CAD": (3, 5, 10),
    "AUD": (3, 5, 10),
    "PLN": (10, 20, 50),
    "CZK": (50, 100, 200),
    "SEK": (20, 50, 100),
    "NOK": (20, 50, 100),
    "DKK": (20, 50, 100),
    "UAH": (50, 100, 200),
    "BYN": (5, 10, 20),
    "KZT": (500, 1000, 2000),
    "TRY": (50, 100, 200),
    "JPY": (300, 500, 1000),
    "INR": (100, 200, 500),
}


def defaults(currency: str) -> tuple[int, ...]:
    return DEFAULTS.get(currency.upper(), ())


def for_currency(stored: Mapping[str, Any] | None, currency: str) -> tuple[int, ...]:
    """The amounts offered in `currency`: the company's own when it set some, else the defaults."""
    own = (stored or {}).get(currency.upper())
    if own:
        return tuple(int(amount) for amount in own)
    return defaults(currency)


def normalised(amounts: list[int]) -> list[int]:
    """Distinct, ascending."""
    return sorted(set(amounts))
