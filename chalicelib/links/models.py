"""Single-use links, once used: the link's nonce, kept until the link would have expired anyway."""

from __future__ import annotations

from pynamodb.attributes import TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from chalicelib.db.base import table_meta


class LinkUse(Model):
    Meta = table_meta("link_uses")

    use_key = UnicodeAttribute(hash_key=True)  # keys.link_use(company, nonce)
    used_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()
