"""Browser sessions for employees: opened after a sign-in link, ended by sign-out, by revoking it from the
list of one's sessions, or by deactivation. The secret lives only in the cookie.

A session lasts at most `LIFETIME` and ends after `IDLE` without a request; `last_seen_at` is written at
most every `TOUCH_EVERY`, so an ordinary page costs one read. The CSRF token is derived from the session's
secret, so it changes with every sign-in and needs no storage.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.auth import Principal
from chalicelib.clock import utcnow
from chalicelib.db import keys
from chalicelib.db.models import Company, Employee
from chalicelib.errors import NotFound, Unauthorized
from chalicelib.ids import new_id
from chalicelib.keys import derive_key
from chalicelib.sessions.models import Session

LIFETIME = timedelta(days=7)
IDLE = timedelta(hours=24)
TOUCH_EVERY = timedelta(minutes=15)
SECRET_PREFIX = "sds_"  # noqa: S105 (a prefix, not a secret)


@dataclass(frozen=True)
class OpenSession:
    """An authenticated session: who, and the secret the cookie carries (for the CSRF token)."""

    record: Session
    secret: str

    @property
    def principal(self) -> Principal:
        r = self.record
        return Principal(r.company_id, r.employee_id, r.role, r.timezone)

    @property
    def csrf_token(self) -> str:
        return csrf_token(self.secret)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def csrf_token(secret: str) -> str:
    return hmac.new(derive_key("csrf"), secret.encode(), hashlib.sha256).hexdigest()[:43]


def csrf_matches(secret: str, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(csrf_token(secret), token or "")


def open_session(employee: Employee, company: Company, user_agent: str = "", now: datetime | None = None) -> str:
    """A new session for `employee` (always a new secret: no fixation); returns the cookie's secret."""
    now = now or utcnow()
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    Session(
        hash_secret(secret),
        session_id=new_id("ses"),
        company_id=employee.company_id,
        employee_id=employee.employee_id,
        employee_key=keys.employee(employee.company_id, employee.employee_id),
        role=employee.role,
        tier=int(employee.tier),
        departments=list(employee.departments or []),
        timezone=company.timezone,
        locale=employee.locale or getattr(company, "locale", None) or "en",
        user_agent=user_agent[:200],
        created_at=now,
        last_seen_at=now,
        expires_at=now + LIFETIME,
    ).save(condition=Session.session_hash.does_not_exist())
    return secret


def find(secret: str | None, now: datetime | None = None) -> OpenSession:
    """The session a cookie names; Unauthorized when there is none, it ended or it expired."""
    if not secret or not secret.startswith(SECRET_PREFIX) or len(secret) > 100:
        raise Unauthorized("Please sign in.")
    now = now or utcnow()
    try:
        record = Session.get(hash_secret(secret))
    except DoesNotExist:
        raise Unauthorized("Your session has ended; please sign in again.") from None
    if record.expires_at <= now or record.last_seen_at + IDLE <= now:
        record.delete()
        raise Unauthorized("Your session has ended; please sign in again.")
    if now - record.last_seen_at >= TOUCH_EVERY:
        record.update(actions=[Session.last_seen_at.set(now)])
    return OpenSession(record, secret)


def end(secret: str) -> None:
    """Sign-out: the session is deleted, so the old cookie never works again."""
    Session(hash_secret(secret)).delete()


def of_employee(company_id: str, employee_id: str) -> list[Session]:
    return list(Session.by_employee.query(keys.employee(company_id, employee_id), scan_index_forward=False))


def revoke(company_id: str, employee_id: str, session_id: str) -> None:
    for record in of_employee(company_id, employee_id):
        if record.session_id == session_id:
            record.delete()
            return
    raise NotFound("Session")


def revoke_all(company_id: str, employee_id: str) -> int:
    records = of_employee(company_id, employee_id)
    for record in records:
        record.delete()
    return len(records)


def copy_employee(employee: Employee) -> None:
    """Role, tier, departments and language are copied onto sessions; a change reaches open sessions at once."""
    for record in of_employee(employee.company_id, employee.employee_id):
        actions: list[Any] = [
            Session.role.set(employee.role),
            Session.tier.set(int(employee.tier)),
            Session.departments.set(list(employee.departments or [])),
        ]
        if employee.locale:
            actions.append(Session.locale.set(employee.locale))
        record.update(actions=actions)
