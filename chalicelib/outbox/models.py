"""The outbox table: one item per message the desk sends (a customer notification, an agent's e-mail, the
rating + tip message), keyed by the company and the message's key, e.g. `tkt_…#reply:<message key>`."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.db.base import index_meta, table_meta

DUE = "due"


class DueIndex(GlobalSecondaryIndex["OutboxMessage"]):
    """Sparse: messages to try (again) later, by when: failed ones at their next attempt, and ones being
    sent at the end of their lease (found only if the sender died)."""

    Meta = index_meta("due", KeysOnlyProjection())
    retry_watch = UnicodeAttribute(hash_key=True)
    next_attempt_at = UTCDateTimeAttribute(range_key=True)


class FailedByCompany(GlobalSecondaryIndex["OutboxMessage"]):
    """Sparse: a company's messages whose last attempt failed, latest first (what a manager sees)."""

    Meta = index_meta("failed_by_company", AllProjection())
    company_id = UnicodeAttribute(hash_key=True)
    failed_at = UTCDateTimeAttribute(range_key=True)


class OutboxMessage(Model):
    """state: sending (claimed, with a lease) | sent | failed | suppressed | undeliverable."""

    Meta = table_meta("outbox")

    company_id = UnicodeAttribute(hash_key=True)
    message_key = UnicodeAttribute(range_key=True)  # <ticket id>#<event key>
    kind = UnicodeAttribute()  # which sender makes it (chalicelib.outbox.register)
    ticket_id = UnicodeAttribute(null=True)
    recipient = UnicodeAttribute(null=True)  # "customer" or an employee id; never an address
    params = UnicodeAttribute(null=True)  # JSON: what the sender needs to make the message again
    state = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    claimed_at = UTCDateTimeAttribute()
    sent_at = UTCDateTimeAttribute(null=True)
    channel = UnicodeAttribute(null=True)  # email | telegram
    provider_id = UnicodeAttribute(null=True)  # SES's (or Telegram's) id of the sent message
    last_error = UnicodeAttribute(null=True)
    failed_at = UTCDateTimeAttribute(null=True)
    gave_up_at = UTCDateTimeAttribute(null=True)
    retried_at = UTCDateTimeAttribute(null=True)  # a manager asked for another round of attempts
    retry_watch = UnicodeAttribute(null=True)
    next_attempt_at = UTCDateTimeAttribute(null=True)
    expires_at = TTLAttribute(null=True)  # finished messages are kept a year, then DynamoDB deletes them

    due_index = DueIndex()
    failed_by_company = FailedByCompany()
