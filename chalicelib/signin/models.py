"""Single-use sign-in links (and invitations) and the counters that rate-limit asking for them."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from chalicelib.db.base import table_meta


class SignInLink(Model):
    """One link: only the SHA-256 of its secret is stored. Consumed by a conditional write, so it opens
    one session at most; DynamoDB removes it some time after it expires (the code never trusts it then)."""

    Meta = table_meta("signin_links")

    token_hash = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()  # signin | invitation
    company_id = UnicodeAttribute()
    employee_id = UnicodeAttribute()
    next_path = UnicodeAttribute(default="/desk")
    created_at = UTCDateTimeAttribute()
    used_at = UTCDateTimeAttribute(null=True)
    expires_at = TTLAttribute()


class LimitCounter(Model):
    """Requests in one fixed window of one bucket (a hashed address, an IP); expires with its window."""

    Meta = table_meta("signin_limits")

    bucket = UnicodeAttribute(hash_key=True)  # <what>#<keyed hash of who>#<window number>
    hits = NumberAttribute(default=0)
    expires_at = TTLAttribute()
