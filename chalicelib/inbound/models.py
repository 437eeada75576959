"""The tables of e-mail in. Each model declares its indexes next to its attributes."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.db.base import index_meta, table_meta


class AddressesByCompany(GlobalSecondaryIndex["MailAddress"]):
    Meta = index_meta("by_company", AllProjection())
    company_id = UnicodeAttribute(hash_key=True)
    address = UnicodeAttribute(range_key=True)


class MailAddress(Model):
    """An address whose mail belongs to one company: its own on the inbound domain ("desk"), or one of
    the company's own addresses a manager added and forwards to it ("own"). One company per address."""

    Meta = table_meta("mail_addresses")

    address = UnicodeAttribute(hash_key=True)  # lower-case
    company_id = UnicodeAttribute()
    kind = UnicodeAttribute()  # desk | own
    created_at = UTCDateTimeAttribute()
    created_by = UnicodeAttribute(null=True)

    by_company = AddressesByCompany()


class ReceivedMail(Model):
    """A message the desk received, by its Message-ID within the company: written in the same
    transaction as the ticket or thread message it became, so the same Message-ID twice (or the same
    stored object delivered again) gives one message, and later mail that refers to it is threaded."""

    Meta = table_meta("mail_messages")

    company_id = UnicodeAttribute(hash_key=True)
    message_key = UnicodeAttribute(range_key=True)  # sha256 of the normalised Message-ID (ids may be long)
    message_id = UnicodeAttribute()
    ticket_id = UnicodeAttribute()
    thread_message = UnicodeAttribute(null=True)  # the Message's range key, when one was written
    object_key = UnicodeAttribute()
    sender = UnicodeAttribute()
    received_at = UTCDateTimeAttribute()


class SenderWindow(Model):
    """How many messages one sender sent one company in one hour (the per-sender rate limit)."""

    Meta = table_meta("mail_senders")

    company_id = UnicodeAttribute(hash_key=True)
    window = UnicodeAttribute(range_key=True)  # <sha256 of the sender, 32 hex>#<UTC hour>
    sent = NumberAttribute(default=0)
    expires_at = TTLAttribute()
