"""Single-use sign-in links (and invitations); asking for them is rate-limited by chalicelib/ratelimit."""

from __future__ import annotations

from pynamodb.attributes import TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
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
