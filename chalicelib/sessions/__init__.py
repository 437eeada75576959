"""Browser sessions for employees: opened after a sign-in link, ended by sign-out, by revoking it from the
list of one's sessions, or by deactivation. The secret lives only in the cookie.

A session lasts at most `LIFETIME` and ends after `IDLE` without the desk's pulse; `last_seen_at` is written
only by the pulse (`seen`), at most every `TOUCH_EVERY`: every staff page asks for the pulse while it is
visible (chalicelib/web/static/desk.js), so pages and form posts never pay for the write, and `last_seen_at`
tells whether the person has the desk open now (`present`: the assignee's "customer wrote" mail waits on it,
chalicelib/notify). Without JavaScript nothing touches the session: it ends a day after the sign-in. The CSRF
token is derived from the session's secret, so it changes with every sign-in and needs no storage.

The secret names its company and employee (`sds_<company>.<employee>.<secret>`, like API tokens, see
chalicelib/auth): a page reads the session, the employee and the company in one BatchGetItem, and the
principal is the employee as they are now (role, tier, departments, deactivation).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.auth import Principal, credential, named_in, principal_of, read_with
from chalicelib.clock import utcnow
from chalicelib.db import keys
from chalicelib.db.models import Company, Employee
from chalicelib.db.prefetch import KeysFor
from chalicelib.errors import NotFound, Unauthorized
from chalicelib.ids import new_id
from chalicelib.keys import derive_key
from chalicelib.sessions.models import Session

LIFETIME = timedelta(days=7)
IDLE = timedelta(hours=24)
TOUCH_EVERY = timedelta(minutes=5)
# A visible desk asks for the pulse every 60 s (desk.js), so its session was seen at most TOUCH_EVERY and a
# minute ago; the rest is slack for a slow request.
PRESENT_WITHIN = TOUCH_EVERY + timedelta(minutes=2)
SECRET_PREFIX = "sds_"  # noqa: S105 (a prefix, not a secret)


@dataclass(frozen=True)
class OpenSession:
    """An authenticated session: who, and the secret the cookie carries (for the CSRF token)."""

    record: Session
    secret: str
    employee: Employee | None = None
    company: Company | None = None
    company_parts: tuple[str, ...] = ()

    @property
    def principal(self) -> Principal:
        if self.employee is not None and self.company is not None:
            return principal_of(self.employee, self.company, self.company_parts)
        r = self.record
        return Principal(r.company_id, r.employee_id, r.role, r.timezone, int(r.tier), tuple(r.departments or ()))

    @property
    def locale(self) -> str:
        """The language of the person's pages: the employee's, read with the session (a change counts at
        once), else the one the session was opened with."""
        chosen = getattr(self.employee, "locale", None) if self.employee is not None else None
        return str(chosen or self.record.locale)

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
    secret, session = new_session(employee, company, user_agent, now)
    session.save(condition=Session.session_hash.does_not_exist())
    return secret


def new_session(
    employee: Employee, company: Company, user_agent: str = "", now: datetime | None = None
) -> tuple[str, Session]:
    """A new session's cookie secret and its record, not saved yet (the caller saves it, e.g. in a
    transaction with what opened it)."""
    now = now or utcnow()
    secret = credential(SECRET_PREFIX.rstrip("_"), employee.company_id, employee.employee_id)
    session = Session(
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
    )
    return secret, session


def find(
    secret: str | None,
    now: datetime | None = None,
    parts: tuple[str, ...] = (),
    reads: KeysFor | None = None,
) -> OpenSession:
    """The session a cookie names, with its employee and company (with the company's `parts`, see
    chalicelib/auth); Unauthorized when there is none, it ended, it expired or the employee was
    deactivated. It is read only: the pulse records the visit (`seen`). `reads`: see chalicelib/auth
    `read_with`."""
    if not secret or not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        raise Unauthorized("Please sign in.")
    now = now or utcnow()
    record, employee, company = read_with(Session, hash_secret(secret), named_in(secret, SECRET_PREFIX), parts, reads)
    if record is None:
        raise Unauthorized("Your session has ended; please sign in again.")
    ended = record.expires_at <= now or record.last_seen_at + IDLE <= now
    if ended or employee is None or company is None or not employee.active:
        record.delete()
        raise Unauthorized("Your session has ended; please sign in again.")
    if (record.company_id, record.employee_id) != (employee.company_id, employee.employee_id):
        raise Unauthorized("Your session has ended; please sign in again.")
    return OpenSession(record, secret, employee, company, tuple(parts))


def seen(opened: OpenSession, now: datetime | None = None) -> bool:
    """The desk's pulse: record that the person has a staff page open, if the last record is
    `TOUCH_EVERY` old (one UpdateItem then, none otherwise). True when it wrote."""
    now = now or utcnow()
    if now - opened.record.last_seen_at < TOUCH_EVERY:
        return False
    opened.record.update(actions=[Session.last_seen_at.set(now)])
    return True


def present(company_id: str, employee_id: str, now: datetime | None = None) -> bool:
    """Whether the employee has a staff page open and visible now: one of their sessions was seen by
    the pulse within `PRESENT_WITHIN` (one Query)."""
    now = now or utcnow()
    return any(
        record.last_seen_at > now - PRESENT_WITHIN and record.expires_at > now
        for record in of_employee(company_id, employee_id)
    )


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
