"""Bearer tokens for employees: random, stored only as SHA-256 hashes, revocable."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from chalicelib.db import keys
from chalicelib.db.models import ApiToken
from chalicelib.errors import Forbidden, NotFound, Unauthorized
from chalicelib.ids import new_id, new_secret_token

MANAGER = "manager"
AGENT = "agent"


@dataclass(frozen=True)
class Principal:
    """Who is calling: an employee of one company."""

    company_id: str
    employee_id: str
    role: str
    timezone: str = "UTC"

    @property
    def is_manager(self) -> bool:
        return self.role == MANAGER

    def require_manager(self) -> None:
        if not self.is_manager:
            raise Forbidden("Only managers may do this.")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def employee_key(company_id: str, employee_id: str) -> str:
    return keys.employee(company_id, employee_id)


def new_token(company_id: str, employee_id: str, role: str, timezone: str, now: datetime) -> tuple[str, ApiToken]:
    """A fresh token and its (unsaved) record; the secret itself is returned once and never stored."""
    token = new_secret_token("sdk")
    record = ApiToken(
        hash_token(token),
        token_id=new_id("tok"),
        company_id=company_id,
        employee_id=employee_id,
        employee_key=employee_key(company_id, employee_id),
        role=role,
        timezone=timezone,
        created_at=now,
    )
    return token, record


def authenticate(authorization: str | None) -> Principal:
    """One GetItem: the token's hash is the key."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthorized()
    token = authorization[7:].strip()
    if not token or len(token) > 200:
        raise Unauthorized()
    try:
        record = ApiToken.get(hash_token(token))
    except ApiToken.DoesNotExist:
        raise Unauthorized("The token is not valid or has been revoked.") from None
    return Principal(record.company_id, record.employee_id, record.role, record.timezone)


def tokens_of(company_id: str, employee_id: str) -> list[ApiToken]:
    keys = ApiToken.by_employee.query(employee_key(company_id, employee_id))
    return [ApiToken.get(item.token_hash) for item in keys]


def revoke(company_id: str, employee_id: str, token_id: str) -> None:
    for record in tokens_of(company_id, employee_id):
        if record.token_id == token_id:
            record.delete()
            return
    raise NotFound("Token")


def revoke_all(company_id: str, employee_id: str) -> int:
    records = tokens_of(company_id, employee_id)
    for record in records:
        record.delete()
    return len(records)


def set_role(company_id: str, employee_id: str, role: str) -> None:
    """Role is copied onto tokens so that authentication stays a single read."""
    for record in tokens_of(company_id, employee_id):
        record.update(actions=[ApiToken.role.set(role)])
