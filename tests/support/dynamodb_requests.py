"""Count the DynamoDB requests made while a block runs (by operation, and by operation and table), or
keep each one with its parameters."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from botocore.client import BaseClient


@contextmanager
def _watching(seen: Callable[[str, dict[str, Any]], None]) -> Iterator[None]:
    """`seen(operation, parameters)` for each DynamoDB request made while the block runs."""
    original = BaseClient._make_api_call

    def watched(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name == "dynamodb":
            seen(operation, params)
        return original(client, operation, params)

    BaseClient._make_api_call = watched  # type: ignore[method-assign]
    try:
        yield
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]


@contextmanager
def dynamodb_calls() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Every DynamoDB request made while the block runs: (operation, parameters), in order."""
    sent: list[tuple[str, dict[str, Any]]] = []
    with _watching(lambda operation, params: sent.append((operation, params))):
        yield sent


@contextmanager
def dynamodb_requests() -> Iterator[Counter[str]]:
    """Keys: the operation ("GetItem"), and the operation with its table ("UpdateItem agent_days-...")."""
    counted: Counter[str] = Counter()

    def count(operation: str, params: dict[str, Any]) -> None:
        counted[operation] += 1
        if "TableName" in params:
            counted[f"{operation} {params['TableName']}"] += 1

    with _watching(count):
        yield counted
