"""Finding tickets without a Scan: a per-company term index, and the customers' own index.

Each ticket puts a few terms in its company's partition: its reference (`r:`), status (`s:`), tags (`t:`)
and the words of its subject (`w:`). A term item's sort key is `<term>#<created>#<ticket id>`, so a term
and a word prefix are one Query each (newest last) and a search intersects them. A customer's e-mail
needs no term: the customer id is a keyed hash of the address and tickets are indexed by customer.

The index follows the tickets table's stream (the `on_ticket_change` lifecycle hooks): each change
writes the terms the ticket gained and deletes those it lost. Puts and deletes are idempotent, and
records of one ticket arrive in order, so a redelivered record leaves the same index. It trails the
ticket by a second or so.

Each term item also carries the ticket's subject and tags, so a search is one Query of the most telling
term of the query with its items checked against the other words, references and tags, then one
BatchGetItem of the tickets that pass (the newest only): a result shows the ticket as it is now and
the status is checked on it. The copies change rarely (a subject or a tag: then every term of the
ticket is written again, in the same stream reaction); a status change writes only its two status terms,
since ticket changes are mostly status changes and far outnumber searches. Items written before they
carried the copies pass the first check and are decided on their ticket.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from pynamodb.attributes import UnicodeAttribute, UnicodeSetAttribute
from pynamodb.models import Model

from chalicelib.db.base import table_meta

if TYPE_CHECKING:
    from chalicelib.db.models import Ticket

MAX_WORDS = 30
PER_TERM = 300  # newest matches read per term
SHOWN = 25
READ_WITH_STATUS = 100  # tickets a search with a status reads to fill its page (one BatchGetItem)
_WORD = re.compile(r"[\w]+", re.UNICODE)
_REF = re.compile(r"^#?(?:tkt_)?([0-9a-f]{6,32})$", re.IGNORECASE)
STATUSES = ("queued", "assigned", "resolved", "closed")


class SearchTerm(Model):
    Meta = table_meta("search_terms")

    company_id = UnicodeAttribute(hash_key=True)
    term_key = UnicodeAttribute(range_key=True)  # <term>#<created_at iso>#<ticket_id>
    ticket_id = UnicodeAttribute()
    # The ticket's subject and tags as of the change that wrote the item (absent on older items): what
    # the words and tags of a query are checked against before any ticket is read
    subject = UnicodeAttribute(null=True)
    tags = UnicodeSetAttribute(null=True)


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


def _copied(ticket: Ticket) -> tuple[str, frozenset[str]]:
    return ticket.subject, frozenset(ticket.tags or ())


def reindex(old: Ticket | None, new: Ticket) -> int:
    """Write the terms `new` gained over `old` and delete those it lost; when the copies changed (subject,
    tags), write every term of `new` again with them. One BatchWriteItem for a usual change (a status
    change: two items); returns how many items changed."""
    before = terms_of(old) if old is not None else set()
    after = terms_of(new)
    gone = before - after
    written = after if old is None or _copied(old) != _copied(new) else after - before
    if not gone and not written:
        return 0
    with SearchTerm.batch_write() as batch:
        for term in sorted(gone):
            batch.delete(SearchTerm(new.company_id, _key(term, old or new)))
        for term in sorted(written):
            batch.save(
                SearchTerm(
                    new.company_id,
                    _key(term, new),
                    ticket_id=new.ticket_id,
                    subject=new.subject,
                    tags=set(new.tags or ()) or None,
                )
            )
    return len(gone) + len(written)


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


@dataclass(frozen=True)
class Found:
    """A ticket found: what its result row shows. `customer_id` only when read from the ticket."""

    ticket_id: str
    subject: str
    status: str
    tags: frozenset[str]
    created_at: datetime
    customer_id: str | None = None

    @classmethod
    def of(cls, ticket: Ticket) -> Found:
        return cls(
            ticket.ticket_id,
            ticket.subject,
            ticket.status,
            frozenset(ticket.tags or ()),
            ticket.created_at,
            ticket.customer_id,
        )


# What a search reads of a ticket (a result row and the checks), never the whole item.
TICKET_ATTRIBUTES = ["company_id", "ticket_id", "customer_id", "subject", "status", "tags", "created_at"]


def _driving_term(query: Query) -> str:
    """The term whose items are read: the most telling one (a reference, then the longest word, a tag,
    the status); every other part of the query is checked on its items."""
    if query.refs:
        return f"r:{query.refs[0][:8]}"
    if query.words:
        return f"w:{max(query.words, key=len)}"  # a prefix: "print" finds "printer"
    if query.tags:
        return f"t:{query.tags[0]}#"
    return f"s:{query.status}#"


def _candidates(company_id: str, query: Query) -> tuple[list[Found], list[tuple[str, str]]]:
    """The driving part's matches (one request): tickets already read (a whole id, a customer's
    address), or (ticket id, created) of the index items whose copies pass the query's words,
    references and tags (items without copies pass), whose tickets are then read."""
    from chalicelib import customers
    from chalicelib.db.base import get_many
    from chalicelib.db.models import Ticket

    whole = next((ref for ref in query.refs if len(ref) == 32), None)
    if whole is not None:  # a whole id: the ticket itself
        ticket = get_many([(Ticket, company_id, f"tkt_{whole}")], attributes={Ticket: TICKET_ATTRIBUTES})[0]
        return ([Found.of(ticket)] if ticket is not None else []), []
    if query.emails:  # the customer's tickets (the index projects the whole ticket)
        key = customers.customer_key(company_id, customers.customer_id_for(company_id, query.emails[0]))
        tickets = Ticket.by_customer.query(
            key, scan_index_forward=False, limit=PER_TERM, attributes_to_get=TICKET_ATTRIBUTES
        )
        return [Found.of(t) for t in tickets], []
    passed: dict[str, str] = {}
    prefix = _driving_term(query)
    for item in SearchTerm.query(company_id, SearchTerm.term_key.startswith(prefix), limit=PER_TERM):
        _term, created, ticket_id = item.term_key.rsplit("#", 2)
        if item.subject is not None:
            copy = Found(ticket_id, item.subject, "", frozenset(item.tags or ()), datetime.fromisoformat(created))
            if not matches(copy, query, company_id, status=False):
                continue
        passed[ticket_id] = created
    return [], list(passed.items())


def matches(found: Found, query: Query, company_id: str, status: bool = True) -> bool:
    """Whether a ticket found matches every part of the query (`status=False`: but its status)."""
    from chalicelib import customers

    for ref in query.refs:
        if found.ticket_id != f"tkt_{ref}" and (
            len(ref) == 32 or not reference(found.ticket_id).lower().startswith(ref[:8])
        ):
            return False
    for address in query.emails:
        if found.customer_id != customers.customer_id_for(company_id, address):
            return False
    if status and query.status and found.status != query.status:
        return False
    if not all(tag in found.tags for tag in query.tags):
        return False
    subject_words = words(found.subject)
    return all(any(w.startswith(word) for w in subject_words) for word in query.words)


def search(company_id: str, query: Query) -> list[Found]:
    """The newest tickets matching every part of the query (at most SHOWN): one Query of the most
    telling term, its items checked against the other parts, then one BatchGetItem of the newest that
    pass (SHOWN * 2 of them; READ_WITH_STATUS when the status must be checked on the tickets)."""
    from chalicelib.db.base import get_many
    from chalicelib.db.models import Ticket

    if query.empty:
        return []
    found, unread = _candidates(company_id, query)
    if unread:
        wanted = READ_WITH_STATUS if query.status else SHOWN * 2
        newest = sorted(dict(unread).items(), key=lambda item: item[1], reverse=True)[:wanted]
        read = get_many(
            [(Ticket, company_id, ticket_id) for ticket_id, _ in newest], attributes={Ticket: TICKET_ATTRIBUTES}
        )
        found += [Found.of(t) for t in read if t is not None]
    checked = {f.ticket_id: f for f in found if matches(f, query, company_id)}
    return sorted(checked.values(), key=lambda f: f.created_at, reverse=True)[:SHOWN]
