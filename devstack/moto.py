"""moto's server on loopback, one request at a time.

moto's threaded server only locks request dispatch, not the backends, so two conditional writes
could both pass their checks. Real DynamoDB makes each request atomic; holding one lock per
request gives the local stack (and the tests) the same guarantee.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from devstack.servers import join_all, stop_servers, track_connections

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def light_transactions() -> None:
    """Make moto's TransactWriteItems keep a backup of only the items it writes.

    moto backs up every table a transaction touches with a deep copy: all its items and every stream
    record the table ever had, so each transaction costs more as a session's tables and streams grow
    (a month of demo data took minutes). The backup here is the items the transaction names and the
    length of each table's stream; a cancelled transaction puts those items back and drops the stream
    records it added, which is what DynamoDB shows after a cancelled transaction. Installed once."""
    from moto.dynamodb import models
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    backend = models.DynamoDBBackend
    if getattr(backend.transact_write_items, "light", False):
        return
    original = backend.transact_write_items

    class TablesUncopied:
        """moto's `copy` module inside its DynamoDB backend, copying anything but whole tables."""

        def __getattr__(self, name: str) -> Any:
            return getattr(copy, name)

        @staticmethod
        def deepcopy(value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    def keys_of(table: Table, operation: dict[str, Any]) -> tuple[Any, Any] | None:
        key = operation.get("Key") or operation.get("Item") or {}
        try:
            hash_value = DynamoType(key[table.hash_key_attr])
            range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        except (KeyError, TypeError, AttributeError):
            return None
        return hash_value, range_value

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved: list[tuple[Table, Any, Any, Any]] = []
        streams: dict[int, tuple[Any, int]] = {}
        for entry in transact_items[:100]:
            operation = next(iter(entry.values()), None) if isinstance(entry, dict) else None
            table = self.tables.get(operation.get("TableName")) if isinstance(operation, dict) else None
            found = keys_of(table, operation) if table is not None and isinstance(operation, dict) else None
            if table is None or found is None:
                continue
            hash_value, range_value = found
            if range_value is not None:
                current = table.items.get(hash_value, {}).get(range_value)
            else:
                current = table.items.get(hash_value)
            saved.append((table, hash_value, range_value, copy.deepcopy(current)))
            if table.stream_shard is not None:
                streams[id(table)] = (table.stream_shard, len(table.stream_shard.items))
        try:
            original(self, transact_items)
        except Exception:
            for table, hash_value, range_value, item in reversed(saved):
                if range_value is not None:
                    bucket = table.items[hash_value]
                    if item is None:
                        bucket.pop(range_value, None)
                    else:
                        bucket[range_value] = item
                elif item is None:
                    table.items.pop(hash_value, None)
                else:
                    table.items[hash_value] = item
            for shard, length in streams.values():
                del shard.items[length:]
            raise

    transact_write_items.light = True  # type: ignore[attr-defined]
    models.copy = TablesUncopied()  # type: ignore[assignment]
    backend.transact_write_items = transact_write_items  # type: ignore[method-assign]


class SerializedRequests:
    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with self._lock:
            return list(self._app(environ, start_response))


# Checks the fast JSON answers against moto's own serializer on every response (tests/devstack sets it).
VERIFY_FAST_JSON: dict[str, Any] = {"on": False, "differences": []}


def _epoch(value: Any) -> float:
    """Timestamps in DynamoDB's JSON protocol are epoch seconds (a stream record's ApproximateCreationDateTime)."""
    import calendar
    import datetime

    if isinstance(value, datetime.datetime):  # truncated to milliseconds, as moto (and the Smithy spec) write them
        seconds = calendar.timegm(value.timetuple())
        return seconds + (value.microsecond // 1000) / 1000.0 if value.microsecond else seconds
    raise TypeError(f"{type(value).__name__} is not JSON")


def fast_json_answers() -> None:
    """Answer DynamoDB and DynamoDB Streams calls with `json.dumps` of moto's result instead of its generic
    serializer, which walks each answer against the service's shapes and took about 40% of the local stack's
    DynamoDB time (an item at a time, for every stream record read). Those answers are already in DynamoDB's
    JSON wire shape; anything `json.dumps` cannot write (a timestamp) goes through moto's serializer as before.
    tests/devstack/test_moto_transactions.py compares both on a range of calls. Installed once."""
    import json

    from moto.core import responses

    original = responses.ActionResult.execute_result
    if getattr(original, "fast", False):
        return

    def execute_result(self: Any, context: Any) -> Any:
        service = context.service_model.service_name
        result = self.result
        if service not in ("dynamodb", "dynamodbstreams") or type(self) is not responses.ActionResult:
            return original(self, context)
        if not isinstance(result, dict):
            return original(self, context)
        try:
            body = json.dumps(result, separators=(",", ":"), default=_epoch)
        except (TypeError, ValueError):
            return original(self, context)
        fast = (200, {"Content-Type": "application/x-amz-json-1.0"}, body)
        if VERIFY_FAST_JSON["on"]:
            slow = original(self, context)
            if (slow[0], json.loads(slow[2] or "{}"), slow[1].get("Content-Type")) != (
                200,
                json.loads(body),
                fast[1]["Content-Type"],
            ):
                VERIFY_FAST_JSON["differences"].append((context.operation_model.name, slow, fast))
        return fast

    execute_result.fast = True  # type: ignore[attr-defined]
    responses.ActionResult.execute_result = execute_result  # type: ignore[method-assign]


class KeepAlive(WSGIRequestHandler):
    """HTTP/1.1: clients keep their connection instead of opening one (and the server a thread) per request."""

    protocol_version = "HTTP/1.1"


class MotoServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        light_transactions()
        fast_json_answers()
        app = SerializedRequests(DomainDispatcherApplication(create_backend_app))
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True, request_handler=KeepAlive)
        track_connections(self._server)
        self.url = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)

    def start(self) -> MotoServer:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> list[threading.Thread]:
        """Stop serving and close every connection; returns the threads still alive after `timeout`."""
        deadline = time.monotonic() + timeout
        if not self._thread.is_alive():  # never started: there is no serving loop to wait for
            self._server.server_close()
            return []
        handlers = stop_servers([self._server], deadline)
        return join_all([self._thread, *handlers], deadline)


def outbox() -> list[dict[str, Any]]:
    """Every message moto's SES accepted in this process, oldest first.

    Read from the SES backend itself: moto's `/moto-api/data.json` serialises every tracked model of
    every service (each DynamoDB item too), so it slows down as a session's tables grow.
    """
    from moto.ses.models import ses_backends

    messages: list[dict[str, Any]] = []
    for regions in list(ses_backends.values()):
        for backend in list(regions.values()):
            for sent in list(backend.sent_messages):
                destinations = sent.destinations
                if isinstance(destinations, dict):  # send_email: {"ToAddresses": [...], ...}
                    destinations = [address for group in destinations.values() for address in group]
                message = {"id": sent.id, "source": sent.source, "destinations": list(destinations)}
                for field in ("raw_data", "subject", "body"):
                    if hasattr(sent, field):
                        message[field] = getattr(sent, field)
                messages.append(message)
    return messages
