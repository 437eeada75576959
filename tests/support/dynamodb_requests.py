"""Count the DynamoDB requests made while a block runs (by operation, and by operation and table)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.client import BaseClient


@contextmanager
def dynamodb_requests() -> Iterator[Counter[str]]:
    """Keys: the operation ("GetItem"), and the operation with its table ("UpdateItem agent_days-...")."""
    seen: Counter[str] = Counter()
    original = BaseClient._make_api_call

    def counting(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name == "dynamodb":
            seen[operation] += 1
            if "TableName" in params:
                seen[f"{operation} {params['TableName']}"] += 1
        return original(client, operation, params)

    BaseClient._make_api_call = counting  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]
