"""Bearer tokens for employees: random, stored only as SHA-256 hashes, revocable.

A token names its company and employee in clear (`sdk_<company>.<employee>.<secret>`, as Slack's
tokens name their workspace): the hash of the whole token is the key of its record, so the names
cannot be changed without the token ceasing to exist, and authentication reads the token record, the
employee and the company in one BatchGetItem. The principal is built from the employee and the company
as they are now: a role, tier or department change and a deactivation take effect on the next request,
with nothing copied onto tokens (or sessions) to keep in step.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pynamodb.models import Model

from chalicelib.db import keys, prefetch
from chalicelib.db.base import get_many
from chalicelib.db.models import ApiToken, Company, Employee
from chalicelib.db.prefetch import KeysFor
from chalicelib.errors import Forbidden, NotFound, Unauthorized
from chalicelib.ids import new_id, new_secret_token

logger = logging.getLogger(__name__)

MANAGER = "manager"
AGENT = "agent"
PREFIX = "sdk_"
REVOKED = "The token is not valid or has been revoked."


@dataclass(frozen=True)
class Principal:
    """Who is calling: an employee of one company, as read with the credential."""

    company_id: str
    employee_id: str
    role: str
    timezone: str = "UTC"
    tier: int = 1
    departments: tuple[str, ...] = ()
    status: str | None = None  # None: not read with the credential (a principal made elsewhere)
    name: str = ""
    # The items authentication read (None when the principal was made without them): domain code uses
    # them instead of reading the employee or the company again (see `company_of`, `employee_of`).
    employee: Employee | None = field(default=None, compare=False, repr=False)
    company: Company | None = field(default=None, compare=False, repr=False)
    company_parts: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    @property
    def is_manager(self) -> bool:
        return self.role == MANAGER

    def require_manager(self) -> None:
        if not self.is_manager:
            raise Forbidden("Only managers may do this.")


# The parts of the company item read only by the routes that declare them (chalicelib/db/prefetch.py).
COMPANY_PARTS = prefetch.COMPANY_PARTS


def company_attributes(parts: Iterable[str] = ()) -> list[str]:
    """The company item's attributes a read asks for: all but the parts not named."""
    skipped = set(COMPANY_PARTS) - set(parts)
    return [a.attr_name for name, a in Company.get_attributes().items() if name not in skipped]


def unread(company: Company, parts: Iterable[str]) -> Company:
    """Set the parts of a company item not among `parts` (not read) to None, so no code takes the
    defaults PynamoDB fills in for them for what is stored."""
    for part in set(COMPANY_PARTS) - set(parts):
        setattr(company, part, None)
    return company


def principal_of(employee: Employee, company: Company, parts: Iterable[str] = COMPANY_PARTS) -> Principal:
    """`parts`: the parts of the company item that were read (the others are set to None on it)."""
    unread(company, parts)
    return Principal(
        employee.company_id,
        employee.employee_id,
        employee.role,
        company.timezone,
        int(employee.tier),
        tuple(sorted(employee.departments or [])),
        employee.status,
        employee.name,
        employee,
        company,
        frozenset(parts),
    )


def company_of(principal: Principal, *parts: str) -> Company:
    """The caller's company with `parts` (see COMPANY_PARTS): the one read with the credential when it was
    read with them (the route declared it uses them), else the whole item read now."""
    if principal.company is not None and set(parts) <= principal.company_parts:
        return principal.company
    from chalicelib.companies import get

    return get(principal.company_id)


def employee_of(principal: Principal) -> Employee:
    """The caller's employee item: the one read with the credential, else read now."""
    if principal.employee is not None:
        return principal.employee
    from chalicelib.employees import get

    return get(principal.company_id, principal.employee_id)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def employee_key(company_id: str, employee_id: str) -> str:
    return keys.employee(company_id, employee_id)


def credential(prefix: str, company_id: str, employee_id: str) -> str:
    """A fresh secret naming its company and employee: `<prefix>_<company>.<employee>.<256 random bits>`."""
    return f"{prefix}_{company_id}.{employee_id}.{new_secret_token(prefix).removeprefix(prefix + '_')}"


def named_in(secret: str, prefix: str) -> tuple[str, str] | None:
    """(company id, employee id) a credential names, or None for one that names nobody (older ones)."""
    parts = secret.removeprefix(prefix).split(".")
    if len(parts) != 3 or not all(parts) or not secret.startswith(prefix):
        return None
    return parts[0], parts[1]


def new_token(company_id: str, employee_id: str, now: datetime) -> tuple[str, ApiToken]:
    """A fresh token and its (unsaved) record; the secret itself is returned once and never stored."""
    token = credential(PREFIX.rstrip("_"), company_id, employee_id)
    record = ApiToken(
        hash_token(token),
        token_id=new_id("tok"),
        company_id=company_id,
        employee_id=employee_id,
        employee_key=employee_key(company_id, employee_id),
        created_at=now,
    )
    return token, record


def read_with(
    model: Any,
    key: str,
    named: tuple[str, str] | None,
    parts: Iterable[str] = (),
    reads: KeysFor | None = None,
) -> tuple[Any, Employee | None, Company | None]:
    """A credential's record with its employee and company (with the company's `parts`): one
    BatchGetItem when the credential names them, else the record first (two requests). Strongly
    consistent: a revocation, a deactivation or a role change counts from the next request.
    `reads(company_id)`: items the route's view will read by key, read in the same BatchGetItem when the
    credential names its company and kept for the view (chalicelib/db/prefetch.py)."""
    from chalicelib.db import prefetch

    projection: dict[type[Model], list[str]] = {Company: company_attributes(parts)}
    if named is None:
        found = get_many([(model, key, None)], consistent_read=True)[0]
        if found is None:
            return None, None, None
        named = (found.company_id, found.employee_id)
        employee, company = get_many([(Employee, *named), (Company, named[0], None)], True, projection)
        return found, employee, company
    extra = list(reads(named[0])) if reads is not None else []
    record, employee, company, *items = get_many(
        [(model, key, None), (Employee, *named), (Company, named[0], None), *extra], True, projection
    )
    for (item_model, hash_key, range_key), item in zip(extra, items, strict=True):
        prefetch.keep(item_model.Meta.table_name, hash_key, range_key, item)
    return record, employee, company


def authenticate(
    authorization: str | None,
    parts: Iterable[str] = (),
    reads: KeysFor | None = None,
) -> Principal:
    """One BatchGetItem: the token (its hash is the key), the employee and the company (with `parts`),
    and the items of `reads` (see `read_with`)."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthorized()
    token = authorization[7:].strip()
    if not token or len(token) > 200:
        raise Unauthorized()
    record, employee, company = read_with(ApiToken, hash_token(token), named_in(token, PREFIX), parts, reads)
    if record is None or employee is None or company is None:
        raise Unauthorized(REVOKED)
    if (record.company_id, record.employee_id) != (employee.company_id, employee.employee_id):
        raise Unauthorized(REVOKED)
    if not employee.active:
        record.delete()  # a deactivated employee's tokens go as they are tried (deactivation made them useless)
        raise Unauthorized(REVOKED)
    return principal_of(employee, company, parts)


def tokens_of(company_id: str, employee_id: str) -> list[ApiToken]:
    """The employee's tokens as the index projects them (id and creation time, no secret)."""
    return list(ApiToken.by_employee.query(employee_key(company_id, employee_id)))


def revoke(company_id: str, employee_id: str, token_id: str) -> None:
    for record in tokens_of(company_id, employee_id):
        if record.token_id == token_id:
            ApiToken(record.token_hash).delete()
            return
    raise NotFound("Token")


def revoke_all(company_id: str, employee_id: str) -> int:
    records = tokens_of(company_id, employee_id)
    for record in records:
        ApiToken(record.token_hash).delete()
    return len(records)
