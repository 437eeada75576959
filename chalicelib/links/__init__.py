"""Signed, expiring links for customers. One purpose per link; no personal data inside.

A link carries only opaque ids (company, ticket, optionally employee; or company and customer for the
"my requests" portal) and its expiry, and is signed with a key derived for its purpose, so a link made
for one purpose never passes for another. The lifetime is fixed when the link is made (the company's
setting at that moment). A link with a nonce can be used once (`use_once`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

from chalicelib.clock import utcnow
from chalicelib.errors import DomainError
from chalicelib.keys import derive_key

CUSTOMER_TICKET = "customer-ticket"
CUSTOMER_PORTAL = "customer-portal"  # the "my requests" link: single-use, an hour


class LinkInvalid(DomainError):
    def __init__(self, detail: str, status: int = 403, slug: str = "link-invalid") -> None:
        super().__init__(detail, status, slug, "This link cannot be used")


@dataclass(frozen=True)
class LinkClaims:
    company_id: str
    ticket_id: str  # "" for links about a customer rather than a ticket
    employee_id: str | None = None
    customer_id: str | None = None
    nonce: str | None = None  # single-use links
    expires: int = field(default=0, compare=False)  # epoch seconds, as signed (filled in by `verify`)


def _serializer(purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(derive_key(f"link:{purpose}"), salt=purpose)


def sign(purpose: str, claims: LinkClaims, lifetime: timedelta, now: datetime | None = None) -> str:
    expires = int(((now or utcnow()) + lifetime).timestamp())
    payload: dict[str, str | int] = {"c": claims.company_id, "t": claims.ticket_id, "x": expires}
    if claims.employee_id:
        payload["e"] = claims.employee_id
    if claims.customer_id:
        payload["u"] = claims.customer_id
    if claims.nonce:
        payload["n"] = claims.nonce
    if not claims.ticket_id:
        del payload["t"]
    return str(_serializer(purpose).dumps(payload))


def customer_ticket_link(company_id: str, ticket_id: str, lifetime_days: int, now: datetime | None = None) -> str:
    """The token of the customer's ticket page (`/c/<token>`), valid for the company's link lifetime."""
    return sign(CUSTOMER_TICKET, LinkClaims(company_id, ticket_id), timedelta(days=lifetime_days), now)


def verify(purpose: str, token: str, now: datetime | None = None) -> LinkClaims:
    claims = _signed_claims(purpose, token)
    if (now or utcnow()).timestamp() >= claims.expires:
        raise LinkInvalid("This link has expired.", status=410, slug="link-expired")
    return claims


def claims_of(purpose: str, token: str) -> LinkClaims | None:
    """The claims of a link we signed, expired or not; None for anything else. Only for choosing how a page
    about an unusable link speaks (the customer's language, the company's name), never for access."""
    try:
        return _signed_claims(purpose, token)
    except LinkInvalid:
        return None


def _signed_claims(purpose: str, token: str) -> LinkClaims:
    if not token or len(token) > 512:
        raise LinkInvalid("This link is not valid.")
    try:
        payload = _serializer(purpose).loads(token)
    except BadSignature:
        raise LinkInvalid("This link is not valid.") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("c"), str):
        raise LinkInvalid("This link is not valid.")
    if not isinstance(payload.get("t"), str) and not isinstance(payload.get("u"), str):
        raise LinkInvalid("This link is not valid.")
    expires = payload.get("x")
    if not isinstance(expires, int) or isinstance(expires, bool):
        raise LinkInvalid("This link is not valid.")

    def text(key: str) -> str | None:
        value = payload.get(key)
        return value if isinstance(value, str) else None

    return LinkClaims(payload["c"], text("t") or "", text("e"), text("u"), text("n"), expires)


def use_once(claims: LinkClaims, now: datetime | None = None) -> None:
    """Mark a single-use link used (one conditional write); LinkInvalid (410) if it was used before."""
    from pynamodb.exceptions import PutError

    from chalicelib.db import keys
    from chalicelib.db.base import is_condition_failure
    from chalicelib.links.models import LinkUse

    if not claims.nonce:
        raise ValueError("only a link with a nonce can be used once")
    used = LinkUse(
        keys.link_use(claims.company_id, claims.nonce),
        used_at=now or utcnow(),
        expires_at=datetime.fromtimestamp(claims.expires, UTC) + timedelta(days=1),
    )
    try:
        used.save(condition=LinkUse.use_key.does_not_exist())
    except PutError as error:
        if is_condition_failure(error):
            raise LinkInvalid("This link has already been used.", status=410, slug="link-used") from None
        raise
