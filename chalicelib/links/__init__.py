"""Signed, expiring links for customers. One purpose per link; no personal data inside.

A link carries only opaque ids (company, ticket, optionally employee) and its expiry, and is
signed with a key derived for its purpose, so a link made for one purpose never passes for another.
The lifetime is fixed when the link is made (the company's setting at that moment).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

from chalicelib.clock import utcnow
from chalicelib.errors import DomainError
from chalicelib.keys import derive_key

CUSTOMER_TICKET = "customer-ticket"


class LinkInvalid(DomainError):
    def __init__(self, detail: str, status: int = 403, slug: str = "link-invalid") -> None:
        super().__init__(detail, status, slug, "This link cannot be used")


@dataclass(frozen=True)
class LinkClaims:
    company_id: str
    ticket_id: str
    employee_id: str | None = None


def _serializer(purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(derive_key(f"link:{purpose}"), salt=purpose)


def sign(purpose: str, claims: LinkClaims, lifetime: timedelta, now: datetime | None = None) -> str:
    expires = int(((now or utcnow()) + lifetime).timestamp())
    payload: dict[str, str | int] = {"c": claims.company_id, "t": claims.ticket_id, "x": expires}
    if claims.employee_id:
        payload["e"] = claims.employee_id
    return str(_serializer(purpose).dumps(payload))


def customer_ticket_link(company_id: str, ticket_id: str, lifetime_days: int, now: datetime | None = None) -> str:
    """The token of the customer's ticket page (`/c/<token>`), valid for the company's link lifetime."""
    return sign(CUSTOMER_TICKET, LinkClaims(company_id, ticket_id), timedelta(days=lifetime_days), now)


def verify(purpose: str, token: str, now: datetime | None = None) -> LinkClaims:
    if not token or len(token) > 512:
        raise LinkInvalid("This link is not valid.")
    try:
        payload = _serializer(purpose).loads(token)
    except BadSignature:
        raise LinkInvalid("This link is not valid.") from None
    if not isinstance(payload, dict) or not all(isinstance(payload.get(k), str) for k in ("c", "t")):
        raise LinkInvalid("This link is not valid.")
    expires = payload.get("x")
    if not isinstance(expires, int) or (now or utcnow()).timestamp() >= expires:
        raise LinkInvalid("This link has expired.", status=410, slug="link-expired")
    employee = payload.get("e")
    return LinkClaims(payload["c"], payload["t"], employee if isinstance(employee, str) else None)
