"""Binding PynamoDB models to the stage's tables.

PynamoDB reads `Meta` when a model class is defined, so the table name, region and endpoint are
taken from settings at import time; on Lambda and in the local stack the environment is set before.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pynamodb.connection import Connection
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.db import client, loading, prefetch
from chalicelib.settings import get_settings

client.install()  # before PynamoDB makes its first client
loading.install()

_M = TypeVar("_M", bound=Model)


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


BATCH_GET_LIMIT = 100  # keys per BatchGetItem (DynamoDB's limit)


@functools.cache
def _key_attributes(model: type[Model]) -> tuple[Any, ...]:
    """The model's hash key attribute, then its range key attribute if it has one."""
    found = [model._hash_key_attribute(), model._range_key_attribute()]
    return tuple(attribute for attribute in found if attribute is not None)


def get_many(
    keys: list[tuple[type[Model], Any, Any]],
    consistent_read: bool = False,
    attributes: Mapping[type[Model], Sequence[str]] | None = None,
) -> list[Any]:
    """Several items of several tables in one BatchGetItem: `(Model, hash_key, range_key or None)`
    each; returns the models in the same order, None where an item does not exist. `attributes`: for
    a model, only these attributes are read (its keys always are). More than 100 keys take one
    request per 100. An item the request already read with its credential (chalicelib/db/prefetch.py)
    is taken from there, whole and strongly consistent, instead of being read again."""
    taken: dict[int, Any] = {}
    for position, (model, hash_key, range_key) in enumerate(keys):
        kept, item = prefetch.take(model.Meta.table_name, hash_key, range_key)
        if kept:
            taken[position] = item
    if taken:
        rest = iter(get_many([k for n, k in enumerate(keys) if n not in taken], consistent_read, attributes))
        return [taken[n] if n in taken else next(rest) for n in range(len(keys))]
    if not keys:
        return []
    if len(keys) > BATCH_GET_LIMIT:
        return [
            found
            for start in range(0, len(keys), BATCH_GET_LIMIT)
            for found in get_many(keys[start : start + BATCH_GET_LIMIT], consistent_read, attributes)
        ]
    names: dict[str, list[str]] = {}
    wanted: list[tuple[str, dict[str, Any]]] = []
    for model, hash_key, range_key in keys:
        table = model.Meta.table_name
        key_attributes = _key_attributes(model)
        names[table] = [attribute.attr_name for attribute in key_attributes]
        values = (hash_key, range_key)
        key = {a.attr_name: {a.attr_type: a.serialize(v)} for a, v in zip(key_attributes, values, strict=False)}
        wanted.append((table, key))
    request: dict[str, Any] = {}
    for table, key in wanted:
        entry = request.setdefault(table, {"Keys": [], "ConsistentRead": consistent_read})
        if key not in entry["Keys"]:
            entry["Keys"].append(key)
    for model, names_read in (attributes or {}).items():
        entry = request.get(model.Meta.table_name)
        if entry is not None:
            read = dict.fromkeys([*names[model.Meta.table_name], *names_read])
            entry["ProjectionExpression"] = ", ".join(f"#a{n}" for n in range(len(read)))
            entry["ExpressionAttributeNames"] = {f"#a{n}": name for n, name in enumerate(read)}
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for _attempt in range(5):  # DynamoDB may leave keys unprocessed under load: ask again for those
        answer = connection().client.batch_get_item(RequestItems=request)
        for table, items in answer.get("Responses", {}).items():
            for item in items:
                found[(table, repr([item[name] for name in names[table]]))] = item
        request = answer.get("UnprocessedKeys") or {}
        if not request:
            break
    else:
        raise RuntimeError("BatchGetItem left keys unprocessed after retries")
    results: list[Any] = []
    for (model, _hash, _range), (table, key) in zip(keys, wanted, strict=True):
        raw = found.get((table, repr([key[name] for name in names[table]])))
        results.append(model.from_raw_data(raw) if raw is not None else None)
    return results


def read_one(model: type[_M], hash_key: Any, range_key: Any = None) -> _M | None:
    """One item by key, strongly consistent: the one read with the request's credential if the route
    declared it (chalicelib/db/prefetch.py; once), else a GetItem. None when there is none."""
    kept, item = prefetch.take(model.Meta.table_name, hash_key, range_key)
    if kept:
        return item
    try:
        return model.get(hash_key, range_key, consistent_read=True)
    except model.DoesNotExist:
        return None


def plain_map(value: Any) -> dict[str, Any]:
    """A raw map attribute's value as a dict ({} when unset): as read, PynamoDB gives a MapAttribute, as
    set by our code it is already a dict."""
    if not value:
        return {}
    return dict(value.as_dict()) if hasattr(value, "as_dict") else dict(value)


def transaction() -> TransactWrite:
    return TransactWrite(connection=connection())


def cancellation_codes(error: TransactWriteError) -> list[str | None]:
    """The per-item reasons DynamoDB gave for cancelling a transaction."""
    return [reason.code if reason else None for reason in (error.cancellation_reasons or [])]


def is_condition_failure(error: Exception) -> bool:
    if isinstance(error, TransactWriteError):
        return "ConditionalCheckFailed" in cancellation_codes(error)
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"
