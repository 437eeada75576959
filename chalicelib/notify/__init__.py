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
    """The company's handle on the inbound domain: the local part before `+` of each ticket's Reply-To
    (chalicelib/mail/threading.py). Companies get one at sign-up; one that signed up before e-mail in
    existed gets its address now, once (chalicelib/inbound/addresses.py), so replies always find it."""
    if not company.inbound_handle:
        from chalicelib.inbound.addresses import ensure_desk_address

        ensure_desk_address(company)
    return str(company.inbound_handle)
