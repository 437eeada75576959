"""Items a request read together with its credential, kept for the view's first read of each.

A route that works on one item its path names (a ticket, a canned reply) used to read it with a GetItem
right after authentication's BatchGetItem. Declared with `@route(reads=...)`, the item's key goes into
that BatchGetItem instead (chalicelib/auth `read_with`): one DynamoDB round trip less. The keys are built
with the company the credential names, so only the caller's own company's items can be read this way.

What is kept lives for one request (`scope()`, opened by the HTTP layer around each request), each item is
taken once (a second read of the same key, e.g. a retry after a conflict, goes to DynamoDB), and the
request's first DynamoDB write forgets whatever was not taken (chalicelib/db/client.py sends every write),
so a read after a write never gets what was read before it. Nothing heavy is imported here: the HTTP layer
opens the scope before any capability loads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from chalicelib.ids import MAX_LENGTH

Key = tuple[Any, Any, Any]  # (model, hash key, range key or None)
KeysFor = Callable[[str], Sequence[Key]]  # the keys to read with a credential, for the company it names
# Parts of the company item read only by the routes that use them (`@route(..., company=(...))`), with the
# credential: the staff directory and the routing loads grow with the staff, the settings are ten numbers
# few routes need, the canned replies only the ticket page offers. A part not read is None on the item, so
# code that reaches for it without declaring it fails.
COMPANY_PARTS = ("staff", "loads", "settings", "canned")

_kept: ContextVar[dict[tuple[str, str, str], Any] | None] = ContextVar("prefetched", default=None)
_ABSENT = object()


def path_item(model: Any, company_id: str, params: Mapping[str, str], parameter: str) -> list[Key]:
    """For `@route(reads=...)`: the key of the item the path's `parameter` names in the caller's company;
    none for an id no item of ours can have (the view refuses it without a read)."""
    value = params.get(parameter, "")
    return [(model, company_id, value)] if 0 < len(value) <= MAX_LENGTH else []


def key(table: str, hash_key: Any, range_key: Any = None) -> tuple[str, str, str]:
    return table, repr(hash_key), repr(range_key)


@contextmanager
def scope() -> Iterator[None]:
    """Keep what is read with the credential until the block (one request) ends."""
    token = _kept.set({})
    try:
        yield
    finally:
        _kept.reset(token)


def keep(table: str, hash_key: Any, range_key: Any, item: Any) -> None:
    """An item read (None: there is none), if a request scope is open."""
    kept = _kept.get()
    if kept is not None:
        kept[key(table, hash_key, range_key)] = item


def forget() -> None:
    """Drop whatever is kept (a write is about to change what was read)."""
    kept = _kept.get()
    if kept:
        kept.clear()


def take(table: str, hash_key: Any, range_key: Any = None) -> tuple[bool, Any]:
    """(True, the item or None) when it was read with the credential and not taken yet; (False, None)
    otherwise, and the caller reads it."""
    kept = _kept.get()
    if not kept:
        return False, None
    found = kept.pop(key(table, hash_key, range_key), _ABSENT)
    return (False, None) if found is _ABSENT else (True, found)
