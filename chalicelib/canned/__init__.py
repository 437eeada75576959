"""Canned replies: per-company snippets managers write and agents insert into a reply.

The agent's ticket page offers them from the company item, read with the session (its `canned` part: canned
id -> title, and the body while the bodies kept total at most BODIES_KEPT_BYTES), so it makes no Query for
them. The company item is read with every request (DynamoDB bills a read by the whole item, whatever the
projection), so the part stays small: every title (at most MAX_PER_COMPANY of TITLE_LENGTH), and bodies,
first come first kept, while they fit; a body not kept is read by key when the agent chooses its reply.
Each create, change and delete writes the part in the same transaction as the reply, conditioned on the
kept-bytes count it read (a concurrent writer makes it read the company again and retry). A company from
before the part has none: the page falls back to the Query, and the company's next canned write builds the
part from that Query.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import StringConstraints, model_validator
from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model
from typing_extensions import TypedDict  # pydantic reads TypedDicts from here on 3.11

from chalicelib.auth import Principal, company_of
from chalicelib.clock import iso, utcnow
from chalicelib.db import prefetch
from chalicelib.db.base import cancellation_codes, plain_map, read_one, table_meta, transaction
from chalicelib.db.models import Company
from chalicelib.errors import Conflict, NotFound
from chalicelib.ids import MAX_LENGTH, new_id
from chalicelib.validation import RequestBody

MAX_PER_COMPANY = 200
TITLE_LENGTH = 80
BODY_LENGTH = 5000
# The bodies kept on the company item, in UTF-8 bytes: a typical set of short replies (a few dozen of a few
# lines) fits whole, while the item every request reads grows by a few KB at most.
BODIES_KEPT_BYTES = 8 * 1024
WRITE_ATTEMPTS = 3  # a write that lost the kept-bytes race reads the company again and retries
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_LENGTH)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=BODY_LENGTH)]


class CannedReply(Model):
    Meta = table_meta("canned_replies")

    company_id = UnicodeAttribute(hash_key=True)
    canned_id = UnicodeAttribute(range_key=True)
    title = UnicodeAttribute()
    body = UnicodeAttribute()
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()


class CannedReplyOut(TypedDict):
    canned_id: str
    title: str
    body: str
    updated_at: str | None


class NewCannedReply(RequestBody):
    title: Title
    body: Body


class CannedReplyPatch(RequestBody):
    title: Title | None = None
    body: Body | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> CannedReplyPatch:
        if self.title is None and self.body is None:
            raise ValueError("give a title and/or a body")
        return self


@dataclass(frozen=True)
class Choice:
    """A canned reply as the ticket page offers it."""

    canned_id: str
    title: str
    body: str | None  # None: not kept on the company item (read by key when chosen)


def by_title(replies: list[Any]) -> list[Any]:
    return sorted(replies, key=lambda c: (c.title.lower(), c.canned_id))


def kept(company: Company) -> list[Choice] | None:
    """The replies kept on the company item (read with its `canned` part), by title; None for a company
    whose replies are not kept there yet."""
    entries = _entries(company)
    if entries is None:
        return None
    return by_title([Choice(canned_id, str(e["title"]), e.get("body")) for canned_id, e in entries.items()])


def choices(company_id: str, company: Company) -> list[Choice]:
    """What the ticket page offers: the replies kept on the company item, else (a company from before)
    the Query of all of them."""
    found = kept(company)
    if found is not None:
        return found
    return [Choice(c.canned_id, c.title, c.body) for c in list_all(company_id)]


def _entries(company: Company) -> dict[str, dict[str, Any]] | None:
    if company.canned is None:
        return None
    return {canned_id: dict(entry) for canned_id, entry in plain_map(company.canned).items()}


def _size(body: str) -> int:
    return len(body.encode())


def _entry(title: str, body: str, room: int) -> tuple[dict[str, Any], int]:
    """The part's entry for a reply, with its body when it fits in `room` bytes; the bytes it keeps."""
    if _size(body) <= room:
        return {"title": title, "body": body}, _size(body)
    return {"title": title}, 0


def _kept_bytes(entries: Mapping[str, Mapping[str, Any]]) -> int:
    return sum(_size(str(e["body"])) for e in entries.values() if "body" in e)


class _Part:
    """The company's `canned` part as a write found it: kept on the item, or built now from the Query
    (a company from before the part); the write's company update and its condition."""

    def __init__(self, company: Company) -> None:
        self.company_id = company.company_id
        found = _entries(company)
        self.built = found is None
        self.read_bytes = None if found is None else int(company.canned_kept_bytes or 0)
        if found is None:
            found = {}
            used = 0
            for reply in list_all(company.company_id):
                entry, size = _entry(reply.title, reply.body, BODIES_KEPT_BYTES - used)
                found[reply.canned_id] = entry
                used += size
        self.entries = found

    @property
    def used(self) -> int:
        return _kept_bytes(self.entries)

    def put(self, canned_id: str, title: str, body: str) -> None:
        self.entries.pop(canned_id, None)
        self.entries[canned_id] = _entry(title, body, BODIES_KEPT_BYTES - self.used)[0]

    def remove(self, canned_id: str) -> None:
        self.entries.pop(canned_id, None)

    def write(self, tx: Any, canned_id: str) -> None:
        """Add the company's update to `tx`: the whole part when it was built now (only if no other writer
        built it meanwhile), else the one entry, only if the kept bytes are still those read."""
        condition: Any
        if self.built:
            actions: list[Any] = [Company.canned.set(self.entries)]
            condition = Company.canned_kept_bytes.does_not_exist()
        else:
            entry = self.entries.get(canned_id)
            path = Company.canned[canned_id]
            actions = [path.set(entry) if entry is not None else path.remove()]
            condition = Company.canned_kept_bytes == self.read_bytes
        actions.append(Company.canned_kept_bytes.set(self.used))
        tx.update(Company(self.company_id), actions=actions, condition=condition & Company.company_id.exists())


def _company(principal: Principal, attempt: int) -> Company:
    """The caller's company with its canned part: the one read with the credential first, then (another
    writer changed the part meanwhile) read again."""
    if attempt == 0:
        return company_of(principal, "canned")
    from chalicelib import companies

    return companies.get(principal.company_id)


def _failed(error: TransactWriteError) -> tuple[bool, bool]:
    """(the reply's condition failed, the company's condition failed) of a cancelled transaction."""
    codes = cancellation_codes(error)
    if not codes:
        raise error
    failed = [code == "ConditionalCheckFailed" for code in codes]
    if not any(failed):
        raise error
    return failed[0], len(failed) > 1 and failed[1]


def _write_with_part(
    principal: Principal,
    canned_id: str,
    change: Callable[[_Part], None],
    write: Callable[[Any], None],
    on_gone: Callable[[], None] | None,
) -> None:
    """The reply's write (`write(tx)`) and the company's canned part as `change` leaves it, in one
    transaction; a writer that lost the kept-bytes race reads the company again and retries. When the
    reply's own condition fails: `on_gone()` (None: the error stands)."""
    for attempt in range(WRITE_ATTEMPTS):
        part = _Part(_company(principal, attempt))
        change(part)
        try:
            with transaction() as tx:
                write(tx)
                part.write(tx, canned_id)
        except TransactWriteError as error:
            gone, raced = _failed(error)
            if gone and on_gone is not None:
                on_gone()
                return
            if raced:
                continue
            raise
        return
    raise Conflict("The canned replies were changed meanwhile; try again.", "changed")


def list_all(company_id: str) -> list[CannedReply]:
    """The company's canned replies by title (one Query)."""
    return by_title(list(CannedReply.query(company_id, limit=MAX_PER_COMPANY)))


def get(company_id: str, canned_id: str) -> CannedReply:
    if not canned_id or len(canned_id) > MAX_LENGTH:
        raise NotFound("Canned reply")
    reply = read_one(CannedReply, company_id, canned_id)
    if reply is None:
        raise NotFound("Canned reply")
    return reply


def path_canned(company_id: str, params: Mapping[str, str]) -> list[tuple[Any, Any, Any]]:
    """The canned reply a route's path names, read with the credential (`@route(reads=path_canned)`)."""
    return prefetch.path_item(CannedReply, company_id, params, "canned_id")


def create(principal: Principal, request: NewCannedReply) -> CannedReply:
    principal.require_manager()
    now = utcnow()
    reply = CannedReply(
        principal.company_id,
        new_id("can"),
        title=request.title,
        body=request.body,
        created_by=principal.employee_id,
        created_at=now,
        updated_at=now,
    )

    def change(part: _Part) -> None:
        if len(part.entries) >= MAX_PER_COMPANY:
            raise Conflict(f"A company keeps at most {MAX_PER_COMPANY} canned replies.", "too-many")
        part.put(reply.canned_id, reply.title, reply.body)

    def write(tx: Any) -> None:
        tx.save(reply, condition=CannedReply.canned_id.does_not_exist())

    _write_with_part(principal, reply.canned_id, change, write, on_gone=None)
    return reply


def update(principal: Principal, canned_id: str, patch: CannedReplyPatch) -> CannedReply:
    principal.require_manager()
    reply = get(principal.company_id, canned_id)
    reply.updated_at = utcnow()
    actions: list[Any] = [CannedReply.updated_at.set(reply.updated_at)]
    if patch.title is not None:
        reply.title = patch.title
        actions.append(CannedReply.title.set(patch.title))
    if patch.body is not None:
        reply.body = patch.body
        actions.append(CannedReply.body.set(patch.body))

    def write(tx: Any) -> None:
        tx.update(reply, actions=actions, condition=CannedReply.canned_id.exists())

    def gone() -> None:
        raise NotFound("Canned reply") from None

    _write_with_part(principal, canned_id, lambda part: part.put(canned_id, reply.title, reply.body), write, gone)
    return reply


def delete(principal: Principal, canned_id: str) -> None:
    principal.require_manager()
    reply = get(principal.company_id, canned_id)

    def write(tx: Any) -> None:
        tx.delete(reply, condition=CannedReply.canned_id.exists())

    # deleted meanwhile, and its entry with it: done
    _write_with_part(principal, canned_id, lambda part: part.remove(canned_id), write, on_gone=lambda: None)


def view(reply: CannedReply) -> CannedReplyOut:
    return {
        "canned_id": reply.canned_id,
        "title": reply.title,
        "body": reply.body,
        "updated_at": iso(reply.updated_at),
    }
