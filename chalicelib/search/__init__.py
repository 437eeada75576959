"""Finding tickets without a Scan: a per-company term index, and the customers' own index.

Each ticket puts a few terms in its company's partition: its reference (`r:`), status (`s:`), tags (`t:`)
and the words of its subject (`w:`). A term item's sort key is `<term>#<created>#<ticket id>`, so a term
and a word prefix are one Query each (newest last) and a search intersects them. A customer's e-mail
needs no term: the customer id is a keyed hash of the address and tickets are indexed by customer.

The index follows the tickets table's stream (the `on_ticket_change` lifecycle hooks): each change
writes the terms the ticket gained and deletes those it lost. Puts and deletes are idempotent, and
records of one ticket arrive in order, so a redelivered record leaves the same index. It trails the
ticket by a second or so; results are checked against the tickets read for the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

from chalicelib.db.base import table_meta

if TYPE_CHECKING:
    from chalicelib.db.models import Ticket

MAX_WORDS = 30
PER_TERM = 300  # newest matches read per term
SHOWN = 25
_WORD = re.compile(r"[\w]+", re.UNICODE)
_REF = re.compile(r"^#?(?:tkt_)?([0-9a-f]{6,32})$", re.IGNORECASE)
STATUSES = ("queued", "assigned", "resolved", "closed")


class SearchTerm(Model):
    Meta = table_meta("search_terms")

    company_id = UnicodeAttribute(hash_key=True)
    term_key = UnicodeAttribute(range_key=True)  # <term>#<created_at iso>#<ticket_id>
    ticket_id = UnicodeAttribute()


def reference(ticket_id: str) -> str:
    """The short reference people read and type: the first 8 hex digits of the id, upper case."""
    return ticket_id.removeprefix("tkt_")[:8].upper()


def words(text: str) -> list[str]:
    found: list[str] = []
    for word in _WORD.findall(text.lower()):
        word = word.strip("_")
        if len(word) >= 2 and word not in found:
            found.append(word[:40])
    return found[:MAX_WORDS]


def terms_of(ticket: Ticket) -> set[str]:
    terms = {f"r:{reference(ticket.ticket_id).lower()}", f"s:{ticket.status}"}
    terms |= {f"t:{tag}" for tag in ticket.tags or set()}
    terms |= {f"w:{word}" for word in words(ticket.subject)}
    return terms


def _key(term: str, ticket: Ticket) -> str:
    return f"{term}#{ticket.created_at.isoformat(timespec='microseconds')}#{ticket.ticket_id}"


def reindex(old: Ticket | None, new: Ticket) -> int:
    """Write the terms `new` gained over `old` and delete those it lost (one BatchWriteItem at most
    for a usual change); returns how many items changed."""
    before = terms_of(old) if old is not None else set()
    after = terms_of(new)
    gone, added = before - after, after - before
    if not gone and not added:
        return 0
    with SearchTerm.batch_write() as batch:
        for term in sorted(gone):
            batch.delete(SearchTerm(new.company_id, _key(term, old or new)))
        for term in sorted(added):
            batch.save(SearchTerm(new.company_id, _key(term, new), ticket_id=new.ticket_id))
    return len(gone) + len(added)


@dataclass
class Query:
    """What a person asked for, parsed from the search box and the filters."""

    text: str = ""
    words: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    status: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.words or self.emails or self.refs or self.tags or self.status)


def parse(text: str, status: str | None = None, tag: str | None = None) -> Query:
    query = Query(text=text[:200])
    for token in query.text.split():
        lowered = token.lower()
        if "@" in token and "." in token.rpartition("@")[2]:
            query.emails.append(lowered)
        elif lowered.startswith("tag:") and len(lowered) > 4:
            query.tags.append(lowered[4:40])
        elif lowered.startswith("status:") and lowered[7:] in STATUSES:
            query.status = lowered[7:]
        elif _REF.match(token) and any(c.isdigit() for c in token):
            query.refs.append(_REF.match(token).group(1).lower())  # type: ignore[union-attr]
        else:
            query.words += [w for w in words(token) if w not in query.words]
    if status in STATUSES:
        query.status = status
    if tag and tag.strip():
        query.tags.append(tag.strip().lower()[:40])
    return query


def _term_matches(company_id: str, prefix: str) -> dict[str, str]:
    """ticket id -> created (sortable) for every item whose term key starts with `prefix`."""
    found: dict[str, str] = {}
    for item in SearchTerm.query(company_id, SearchTerm.term_key.startswith(prefix), limit=PER_TERM):
        _term, created, ticket_id = item.term_key.rsplit("#", 2)
        found[ticket_id] = created
    return found


def search(company_id: str, query: Query) -> list[Ticket]:
    """The newest tickets matching every part of the query (at most SHOWN), read in one BatchGetItem."""
    from chalicelib import customers
    from chalicelib.db.base import get_many
    from chalicelib.db.models import Ticket

    if query.empty:
        return []
    candidates: dict[str, str] | None = None

    def narrow(found: dict[str, str]) -> None:
        nonlocal candidates
        candidates = found if candidates is None else {k: v for k, v in candidates.items() if k in found}

    for ref in query.refs:
        if len(ref) == 32:
            narrow({f"tkt_{ref}": ""})
        else:
            narrow(_term_matches(company_id, f"r:{ref[:8]}"))
    for address in query.emails:
        key = customers.customer_key(company_id, customers.customer_id_for(company_id, address))
        narrow(
            {
                t.ticket_id: t.created_at.isoformat(timespec="microseconds")
                for t in Ticket.by_customer.query(key, scan_index_forward=False, limit=PER_TERM)
            }
        )
    for tag in query.tags:
        narrow(_term_matches(company_id, f"t:{tag}#"))
    if query.status:
        narrow(_term_matches(company_id, f"s:{query.status}#"))
    for word in query.words:
        narrow(_term_matches(company_id, f"w:{word}"))  # a prefix: "print" finds "printer"
    newest = sorted((candidates or {}).items(), key=lambda item: item[1], reverse=True)[: SHOWN * 2]
    tickets = [t for t in get_many([(Ticket, company_id, ticket_id) for ticket_id, _ in newest]) if t is not None]
    checked = [t for t in tickets if _still_matches(t, query)]  # the index trails the tickets a little
    return sorted(checked, key=lambda t: t.created_at, reverse=True)[:SHOWN]


def _still_matches(ticket: Ticket, query: Query) -> bool:
    if query.status and ticket.status != query.status:
        return False
    return all(tag in (ticket.tags or set()) for tag in query.tags)
