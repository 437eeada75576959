"""Telling people what happened to a ticket: the customer at every step (received, an agent's reply, resolved,
and the rating + tip message of chalicelib/tips after the close), the assignee when the customer writes or a
ticket is transferred to them. Each message goes out once through chalicelib/outbox, threaded as mail
clients expect (chalicelib/mail/threading.py), in the reader's language.

The reactions hang off the tickets stream's lifecycle hooks (`hooks.py`); what each message says is made in
`compose.py`; `jobs.py` is the schedule that sends again what failed.
"""

from __future__ import annotations

from chalicelib.db.models import Company

# Outbox kinds: which sender makes the message (again).
RECEIVED = "customer.received"
MERGED = "customer.merged"
REPLY = "customer.reply"
RESOLVED = "customer.resolved"
CUSTOMER_WROTE = "agent.customer_wrote"
ASSIGNED = "agent.assigned"
CUSTOMER_KINDS = (RECEIVED, MERGED, REPLY, RESOLVED)
AGENT_KINDS = (CUSTOMER_WROTE, ASSIGNED)


def reply_handle(company: Company) -> str:
    """The local part before `+` of the ticket's Reply-To address (chalicelib/mail/threading.py).

    E-mail in (chalicelib/inbound, another branch) gives each company its own handle; until a company has
    one, this one is derived from the company id (always the same, valid for `reply_address`), so the
    Reply-To format is fixed now and replies can be matched once mail in is running."""
    handle = getattr(company, "inbound_handle", None)
    return str(handle) if handle else "co-" + company.company_id.removeprefix("co_")[:20]
