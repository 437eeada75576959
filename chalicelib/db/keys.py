"""Composite keys, built in one place. Every key that joins ids starts with the company, so a key made from
the caller's company can only ever reach that company's items."""

from __future__ import annotations

from datetime import date

SEPARATOR = "#"
GENERAL = "-"  # the queue of tickets without a department


def _join(*parts: str) -> str:
    return SEPARATOR.join(parts)


def employee(company_id: str, employee_id: str) -> str:
    """Tokens, sessions, tickets by assignee, tips by employee."""
    return _join(company_id, employee_id)


def customer(company_id: str, customer_id: str) -> str:
    """Tickets by customer, a customer's ratings."""
    return _join(company_id, customer_id)


def ticket(company_id: str, ticket_id: str) -> str:
    """A ticket's messages, lifecycle events and tips."""
    return _join(company_id, ticket_id)


# A ticket's lifecycle events kept in its thread's partition of the messages table (chalicelib/lifecycle):
# their sort keys start with THREAD_EVENT, after every message's (`<created_at iso>#<random>`, a digit first),
# so a read of the messages alone asks for sort keys below THREAD_EVENTS_FROM.
THREAD_EVENTS_FROM = "~"
THREAD_EVENT = "~event#"


def thread_event(occurred_at_iso: str, sequence: str, transition: str) -> str:
    """A lifecycle event's sort key in its ticket's thread, from its stream record (a redelivery rewrites it)."""
    return f"{THREAD_EVENT}{occurred_at_iso}#{sequence}#{transition}"


def queue_of(tier: int, department: str | None) -> str:
    """A waiting ticket's queue within its company: its tier and department (the pulse's channel names)."""
    return _join(f"t{int(tier)}", department or GENERAL)


def queue(company_id: str, tier: int | None = None, department: str | None = None) -> str:
    """The key every waiting ticket of a company carries: one index partition per company, so take-next
    reads all the queues an agent serves or helps in one Query. A ticket's queue proper (its tier and
    department) is on the ticket; `tier` and `department` are accepted for callers that name them."""
    return _join(company_id, "waiting")


def company_day(company_id: str, day: date) -> str:
    """Per-company, per-day items (agents' activity)."""
    return _join(company_id, day.isoformat())


def rating(ticket_id: str, employee_id: str) -> str:
    """An agent's rating of a ticket's customer, within the customer's partition."""
    return _join(ticket_id, employee_id)


def rating_prefix(ticket_id: str) -> str:
    return ticket_id + SEPARATOR


def report_day(day: date, scope: str) -> str:
    """A company's report counters of one local day: the company's (`c`), an agent's or a tip currency's."""
    return _join("D", day.isoformat(), scope)


def report_totals() -> str:
    """A company's all-time ticket counts, sorted after every day (a period's Query up to it reads it too)."""
    return _join("D", "~")


def report_marker(ticket_id: str, fact: str) -> str:
    """That one stream record's figures were counted (kept a week: redeliveries come within a day)."""
    return _join("X", ticket_id, fact)


def outbox_message(ticket_id: str, event_key: str) -> str:
    """An outgoing message within its company's partition: one per ticket and event."""
    return _join(ticket_id, event_key)


def rate_window(company_id: str, scope: str, subject: str, window: int) -> str:
    """A rate-limit counter: what is counted (scope, a hashed subject) in which fixed window."""
    return _join(company_id, scope, subject, str(window))


def link_use(company_id: str, nonce: str) -> str:
    """A single-use link, once used."""
    return _join(company_id, nonce)
