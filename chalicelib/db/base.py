"""Binding PynamoDB models to the stage's tables.

PynamoDB reads `Meta` when a model class is defined, so the table name, region and endpoint are
taken from settings at import time; on Lambda and in the local stack the environment is set before.
"""

from __future__ import annotations

from typing import Any

from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE

from chalicelib.settings import get_settings


def table_meta(short_name: str, **extra: Any) -> type:
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


def index_meta(name: str, projection: Any) -> type:
    return type("Meta", (), {"index_name": name, "projection": projection})
