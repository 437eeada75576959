"""Cursor paging over DynamoDB Queries: each page reads a bounded number of items, whatever the filter.

The cursor is DynamoDB's key of the last item read, signed with a key for the list it belongs to (its
"scope", e.g. the company and the list's name), so a cursor from another company or list is refused
and a client can never hand DynamoDB a start key of its own making.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from chalicelib.errors import ValidationFailed
from chalicelib.keys import derive_key

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
READ_FACTOR = 4  # a filtered page reads at most limit x READ_FACTOR items


class KeyedResults(Protocol[T_co]):
    """PynamoDB's ResultIterator: items, and the key to resume after the last one yielded."""

    def __iter__(self) -> Iterator[T_co]: ...

    @property
    def last_evaluated_key(self) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class PageOf(Generic[T]):
    items: list[T]
    next_cursor: str | None


def _mac(scope: str, payload: bytes) -> str:
    digest = hmac.new(derive_key(f"cursor:{scope}"), payload, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def encode_cursor(scope: str, key: dict[str, Any]) -> str:
    payload = json.dumps(key, sort_keys=True, separators=(",", ":")).encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{_mac(scope, payload)}"


def decode_cursor(scope: str, cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    body, _, mac = cursor.partition(".")
    try:
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        key = json.loads(payload)
    except ValueError:
        key = None
    if not isinstance(key, dict) or not hmac.compare_digest(mac, _mac(scope, payload if key else b"")):
        raise ValidationFailed(
            "The cursor is not valid for this list.",
            [{"field": "query.cursor", "message": "is not a cursor this list gave", "code": "cursor"}],
        )
    return key


def page(
    scope: str,
    cursor: str | None,
    limit: int,
    run: Callable[[dict[str, Any] | None, int], KeyedResults[T]],
    keep: Callable[[T], bool] | None = None,
) -> PageOf[T]:
    """One page of `run(start_key, page_size)` (a Query); with `keep`, items are filtered here and the page
    stops after reading limit x READ_FACTOR items, possibly with fewer than `limit` kept and a cursor."""
    results = run(decode_cursor(scope, cursor), limit if keep is None else limit * READ_FACTOR)
    kept: list[T] = []
    for read, item in enumerate(results, start=1):
        if keep is None or keep(item):
            kept.append(item)
        if len(kept) >= limit or read >= limit * READ_FACTOR:
            break
    last = results.last_evaluated_key
    return PageOf(kept, encode_cursor(scope, last) if last else None)
