"""The DynamoDB requests an interactive route may make, and the routes excepted with the reason; read by the
request-budget test and the bench smoke test, so the two never disagree."""

from __future__ import annotations

BUDGET = 3
# Routes allowed more than BUDGET requests, and why: work that grows with the data asked for, on
# purpose, and runs rarely (the issue excepts the badge run and exports).
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("POST", "/badges/runs"): "the badge run: every agent's day, standings and holders (bench/badges.py)",
    ("POST", "/customers/export"): "a data-protection export: everything stored about one customer",
    ("POST", "/customers/erase"): "a data-protection erasure: every ticket, message and rating of one customer",
    ("POST", "/manage/customers/export"): "the console's form for the same export",
    ("POST", "/manage/customers/erase"): "the console's form for the same erasure",
}
