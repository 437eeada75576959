"""Which company an address's mail belongs to.

Every company has its own address on the deployment's inbound domain (`<handle>@<domain>`, made at
sign-up or on first use); a manager may add the company's own addresses (e.g. support@acme.com),
which they forward to it, so mail that arrives forwarded still finds its company. An address belongs
to one company only; the inbound domain and the desk's own sending address cannot be added.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from datetime import datetime

from pynamodb.exceptions import PutError, TransactWriteError

from chalicelib.clock import utcnow
from chalicelib.db.base import get_many, is_condition_failure, transaction
from chalicelib.db.models import Company
from chalicelib.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.inbound.models import MailAddress
from chalicelib.mail import threading
from chalicelib.settings import get_settings

DESK, OWN = "desk", "own"
MAX_OWN_ADDRESSES = 20
_ADDRESS = re.compile(
    r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9-]{1,63})+$"
)
_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


def new_handle(company_name: str) -> str:
    """`acme-k3x9q2`: a readable start (ASCII letters of the name) and 30 random bits."""
    start = re.sub(r"[^a-z0-9]+", "-", company_name.lower()).strip("-")[:12].strip("-") or "desk"
    return f"{start}-{''.join(secrets.choice(_BASE32) for _ in range(6))}"


def desk_record(company: Company, handle: str, now: datetime) -> MailAddress:
    return MailAddress(threading.inbound_address(handle), company_id=company.company_id, kind=DESK, created_at=now)


def ensure_desk_address(company: Company) -> str:
    """The company's address on the inbound domain; made now (once, race-free) if it has none yet."""
    for _attempt in range(3):
        if company.inbound_handle:
            return threading.inbound_address(company.inbound_handle)
        handle, now = new_handle(company.name), utcnow()
        try:
            with transaction() as tx:
                tx.save(desk_record(company, handle, now), condition=MailAddress.address.does_not_exist())
                tx.update(
                    company,
                    actions=[Company.inbound_handle.set(handle)],
                    condition=Company.inbound_handle.does_not_exist(),
                )
        except TransactWriteError as error:
            if not is_condition_failure(error):
                raise
            company.refresh(consistent_read=True)  # someone else made it, or the handle was taken
            continue
        company.inbound_handle = handle
    return threading.inbound_address(str(company.inbound_handle))


def normalize(address: str) -> str:
    return address.strip().strip("<>").strip().lower()


def add_own_address(company_id: str, address: str, added_by: str, *, is_manager: bool) -> MailAddress:
    """A manager adds one of the company's own addresses (they forward its mail to the desk address)."""
    if not is_manager:
        raise Forbidden("Only a manager may add the company's addresses.")
    value = normalize(address)
    if len(value) > 254 or not _ADDRESS.match(value):
        raise ValidationFailed(
            "This is not an e-mail address.", [{"field": "address", "message": "not an address", "code": "email"}]
        )
    settings = get_settings()
    domain = value.rpartition("@")[2]
    if domain == settings.inbound_mail_domain or value == settings.mail_from.lower():
        raise ValidationFailed(
            "The desk's own addresses cannot be added.",
            [{"field": "address", "message": "the desk's own address", "code": "own-address"}],
        )
    if sum(1 for a in addresses_of(company_id) if a.kind == OWN) >= MAX_OWN_ADDRESSES:
        raise Conflict(f"A company may add at most {MAX_OWN_ADDRESSES} addresses.", "too-many-addresses")
    record = MailAddress(value, company_id=company_id, kind=OWN, created_at=utcnow(), created_by=added_by)
    try:
        record.save(condition=MailAddress.address.does_not_exist())
    except PutError as error:
        if not is_condition_failure(error):
            raise
        existing = MailAddress.get(value, consistent_read=True)
        if existing.company_id == company_id:
            return existing
        raise Conflict("This address already belongs to another desk.", "address-taken") from None
    return record


def remove_own_address(company_id: str, address: str, *, is_manager: bool) -> None:
    if not is_manager:
        raise Forbidden("Only a manager may remove the company's addresses.")
    value = normalize(address)
    try:
        MailAddress(value).delete(condition=(MailAddress.company_id == company_id) & (MailAddress.kind == OWN))
    except Exception as error:
        if is_condition_failure(error):
            raise NotFound("Address") from None
        raise


def addresses_of(company_id: str) -> list[MailAddress]:
    return list(MailAddress.by_company.query(company_id))


def owners(addresses: Iterable[str]) -> dict[str, str]:
    """address -> company id for the addresses that belong to a company (one BatchGetItem)."""
    wanted = list(dict.fromkeys(normalize(a) for a in addresses if a))[:100]
    if not wanted:
        return {}
    found = get_many([(MailAddress, address, None) for address in wanted])
    return {record.address: record.company_id for record in found if record is not None}
