"""Binding PynamoDB models to the stage's tables.

PynamoDB reads `Meta` when a model class is defined, so the table name, region and endpoint are
taken from settings at import time; on Lambda and in the local stack the environment is set before.
"""

from __future__ import annotations

import functools
from typing import Any

from pynamodb.connection import Connection
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.settings import get_settings


def table_meta(short_name: str, **extra: Any) -> Any:
    """A `Meta` class for the stage's table `short_name` (on-demand billing)."""
    settings = get_settings()
    attrs: dict[str, Any] = {
        "table_name": settings.table_name(short_name),
        "region": settings.region,
        "billing_mode": PAY_PER_REQUEST_BILLING_MODE,
        "connect_timeout_seconds": 2,
        "read_timeout_seconds": 5,
        "max_retry_attempts": 3,
        "short_name": short_name,
    }
    if settings.dynamodb_endpoint:
        attrs["host"] = settings.dynamodb_endpoint
    attrs.update(extra)
    return type("Meta", (), attrs)


def index_meta(name: str, projection: Any) -> Any:
    return type("Meta", (), {"index_name": name, "projection": projection})


@functools.cache
def connection() -> Connection:
    """A low-level connection for transactions (cached per process; the cache may vanish)."""
    settings = get_settings()
    return Connection(region=settings.region, host=settings.dynamodb_endpoint)


def transaction() -> TransactWrite:
    return TransactWrite(connection=connection())


def cancellation_codes(error: TransactWriteError) -> list[str | None]:
    """The per-item reasons DynamoDB gave for cancelling a transaction."""
    return [reason.code if reason else None for reason in (error.cancellation_reasons or [])]


def is_condition_failure(error: Exception) -> bool:
    if isinstance(error, TransactWriteError):
        return "ConditionalCheckFailed" in cancellation_codes(error)
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"
