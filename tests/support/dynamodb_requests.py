"""Count the DynamoDB requests made while a block runs (by operation, and by operation and table), or
keep each one with its parameters."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from tests.support.aws_calls import Call, wrapping_api_calls


@contextmanager
def _watching(seen: Callable[[str, dict[str, Any]], None]) -> Iterator[None]:
    """`seen(operation, parameters)` for each DynamoDB request made while the block runs."""

    def watched(call: Call, client: Any, operation: str, params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name == "dynamodb":
            seen(operation, params)
        return call(client, operation, params)

    with wrapping_api_calls(watched):
        yield


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
