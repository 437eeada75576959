"""Every DynamoDB request the app makes, attributed to the invocation that made it (a route or a
Lambda function), with the request units DynamoDB would bill for it.

moto returns no ConsumedCapacity, so units are computed from item sizes by DynamoDB's rules: reads
per 4 KB (half for eventually consistent reads; a Query sums the sizes of the items it returns),
writes per 1 KB of the larger of the item before and after (an UpdateItem's item is read back,
uncounted, to size it), transactions twice, and each write once more for every index the item is in.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

READS = {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}
ITEM_WRITES = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheck"}


def value_size(value: dict[str, Any]) -> int:
    """Bytes of one attribute value in DynamoDB's wire form, by DynamoDB's item-size rules."""
    ((kind, data),) = value.items()
    if kind == "S":
        return len(str(data).encode())
    if kind == "N":
        digits = str(Decimal(str(data)).normalize()).lstrip("-").replace(".", "")
        return math.ceil(len(digits.lstrip("0") or "0") / 2) + 1
    if kind == "B":
        return len(data) if isinstance(data, bytes | bytearray) else math.ceil(len(str(data)) * 3 / 4)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "BS"):
        return sum(value_size({kind[0]: member}) for member in data)
    if kind == "NS":
        return sum(value_size({"N": member}) for member in data)
    if kind == "L":
        return 3 + sum(1 + value_size(member) for member in data)
    if kind == "M":
        return 3 + sum(1 + len(name.encode()) + value_size(member) for name, member in data.items())
    return 0


def item_size(item: dict[str, Any] | None) -> int:
    return sum(len(name.encode()) + value_size(value) for name, value in (item or {}).items())


def read_units(size: int, consistent: bool) -> float:
    units = max(1, math.ceil(size / 4096))
    return float(units) if consistent else units / 2


def write_units(size: int) -> int:
    return max(1, math.ceil(size / 1024))


@dataclass
class Invocation:
    """One HTTP request or one Lambda invocation of a stream or scheduled function."""

    label: str
    kind: str  # "route" | "stream" | "schedule"
    calls: Counter[str] = field(default_factory=Counter)
    read_units: float = 0.0
    write_units: float = 0.0
    seconds: float = 0.0
    database_seconds: float = 0.0
    log_bytes: int = 0

    @property
    def requests(self) -> int:
        return sum(self.calls.values())


class CallLog:
    """Install once per process; wrap each invocation in `invocation(label, kind)`."""

    def __init__(self) -> None:
        self.invocations: list[Invocation] = []
        self._local = threading.local()
        self._lock = threading.Lock()
        self._indexes: dict[str, list[str]] = {}  # table name -> each GSI's hash key attribute
        self._client: Any = None

    def install(self) -> CallLog:
        from chalicelib.db.catalog import ALL_MODELS
        from tests.support.aws_calls import wrap_api_calls

        for model in ALL_MODELS:
            schema = model._get_schema()
            self._indexes[model.Meta.table_name] = [
                next(k["AttributeName"] for k in index["key_schema"] if k["KeyType"] == "HASH")
                for index in schema.get("global_secondary_indexes", [])
            ]
        log = self

        def counted(original: Any, client: Any, operation: str, params: dict[str, Any]) -> Any:
            current: Invocation | None = getattr(log._local, "current", None)
            if (
                current is None
                or getattr(log._local, "sizing", False)
                or client.meta.service_model.service_name != "dynamodb"
            ):
                return original(client, operation, params)
            started = time.perf_counter()
            try:
                result = original(client, operation, params)
            finally:
                current.database_seconds += time.perf_counter() - started
                current.calls[operation] += 1
            log._units(client, current, operation, params, result)
            return result

        wrap_api_calls(counted)
        return self

    @contextmanager
    def invocation(self, label: str, kind: str) -> Iterator[Invocation]:
        current = Invocation(label, kind)
        self._local.current = current
        started = time.perf_counter()
        try:
            yield current
        finally:
            current.seconds = time.perf_counter() - started
            self._local.current = None
            with self._lock:
                self.invocations.append(current)

    # ------------------------------------------------------------------ request units

    def _read_back(self, client: Any, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        self._local.sizing = True
        try:
            found: dict[str, Any] | None = client.get_item(TableName=table, Key=key).get("Item")
            return found
        finally:
            self._local.sizing = False

    def _write(self, client: Any, table: str, action: str, body: dict[str, Any], factor: int) -> float:
        item = body.get("Item")
        if item is None and action in ("Update", "UpdateItem"):
            item = self._read_back(client, table, body["Key"])
        if action in ("ConditionCheck",):
            return factor * read_units(item_size(item), True)
        units = factor * write_units(item_size(item))
        indexed = sum(1 for key in self._indexes.get(table, []) if item and key in item)
        return float(units + factor * indexed * write_units(item_size(item)))

    def _units(
        self, client: Any, current: Invocation, operation: str, params: dict[str, Any], result: dict[str, Any]
    ) -> None:
        consistent = bool(params.get("ConsistentRead"))
        if operation == "GetItem":
            current.read_units += read_units(item_size(result.get("Item")), consistent)
        elif operation in ("Query", "Scan"):
            total = sum(item_size(i) for i in result.get("Items", []))
            current.read_units += read_units(total, consistent)
        elif operation == "BatchGetItem":
            for table, items in result.get("Responses", {}).items():
                strong = bool(params["RequestItems"][table].get("ConsistentRead"))
                current.read_units += sum(read_units(item_size(i), strong) for i in items)
        elif operation == "TransactGetItems":
            current.read_units += sum(2 * read_units(item_size(r.get("Item")), True) for r in result["Responses"])
        elif operation in ("PutItem", "UpdateItem", "DeleteItem"):
            current.write_units += self._write(client, params["TableName"], operation, params, 1)
        elif operation == "TransactWriteItems":
            for entry in params["TransactItems"]:
                ((action, body),) = entry.items()
                current.write_units += self._write(client, body["TableName"], action, body, 2)
        elif operation == "BatchWriteItem":
            for table, requests in params["RequestItems"].items():
                for request in requests:
                    body = request.get("PutRequest") or {}
                    current.write_units += self._write(client, table, "Put", body, 1) if body else 1
