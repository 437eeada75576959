"""Who may create companies: closed (the first manager comes from `make first-manager`) or open (public
sign-up for someone hosting many companies, limited per IP)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from chalicelib import settings
from chalicelib.clock import utcnow
from chalicelib.errors import DomainError

SIGNUPS_WINDOW = timedelta(hours=1)


class SignUpClosed(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "Companies are not created by sign-up on this deployment; its operator creates the first manager "
            "(make first-manager).",
            403,
            "signup-closed",
            "Sign-up is closed",
        )


class TooManyRequests(DomainError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, 429, "too-many-requests", "Too many requests")


def require_open_signup(request: Any) -> None:
    """Refuse unless sign-up is open here and this IP has not signed up too many companies this hour."""
    from chalicelib import ratelimit

    if settings.signup_mode() != "open":
        raise SignUpClosed()
    identity = (getattr(request, "context", None) or {}).get("identity") or {}
    ip = str(identity.get("sourceIp") or "unknown")
    per_ip = ratelimit.Limit("signup-ip", settings.limit("SIGNUPS_PER_IP_PER_HOUR", 5), SIGNUPS_WINDOW)
    if not ratelimit.allow(ratelimit.SITE, per_ip, ip, utcnow()):
        raise TooManyRequests("Too many companies were signed up from your network; try again in an hour.")
