"""Partner onboarding: companies and employees opt in, get registered with the partner, and move
through their states as the partner's webhooks arrive. A registration the partner could not take
(down, slow, 5xx) stays queued on a sparse index and is retried by a schedule: nothing is lost.

Opting in asks the partner first and then saves the account with the outcome in one conditional write
(three requests with authentication). The idempotency key is derived from the account and its
generation, so if the request dies between the partner's answer and the write, nothing is saved,
the manager sees the error and opts in again, and the partner gets the same key: one registration.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import (
    Any,
    NotRequired,  # pydantic reads TypedDicts from here on 3.11
)

from pynamodb.exceptions import PutError, UpdateError
from typing_extensions import TypedDict

from chalicelib import auth, companies, observability
from chalicelib.clock import iso, utcnow
from chalicelib.db.base import get_many, is_condition_failure
from chalicelib.db.models import Company
from chalicelib.employees import staff
from chalicelib.errors import Conflict, Forbidden, NotFound
from chalicelib.ids import MAX_LENGTH, new_id
from chalicelib.keys import keyed_hash
from chalicelib.tips.config import get_tip_config, origin_of
from chalicelib.tips.models import COMPANY, TipAccount, employee_subject
from chalicelib.tips.partner_client import (
    PartnerClient,
    PartnerRefused,
    PartnerUnavailable,
    Registration,
    partner_client,
)

logger = logging.getLogger(__name__)
RETRY = "retry"
MAX_RETRY_DELAY = timedelta(hours=1)
# ~3 days of tries (hourly once the backoff is long); then the registration shows "failed" to the
# manager, who may opt in again, instead of calling a partner that is gone for ever.
MAX_ATTEMPTS = 80
COMPANY_ACTIVE = ("pending_verification", "verified")
EMPLOYEE_ACTIVE = ("pending_link", "linked")


# 2**6 minutes is past the cap: the exponent stops there, so no attempt count can overflow timedelta
_MAX_EXPONENT = 6


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes after each failed attempt, at most an hour apart."""
    exponent = min(max(0, attempts - 1), _MAX_EXPONENT)
    return min(MAX_RETRY_DELAY, timedelta(minutes=2**exponent))


def find(company_id: str, subject: str) -> TipAccount | None:
    try:
        return TipAccount.get(company_id, subject, consistent_read=True)
    except TipAccount.DoesNotExist:
        return None


def company_account(company_id: str) -> TipAccount | None:
    return find(company_id, COMPANY)


def employee_account(company_id: str, employee_id: str) -> TipAccount | None:
    return find(company_id, employee_subject(employee_id))


def is_partner_form(url: str | None) -> bool:
    """Only URLs on the partner's configured origin are ever stored or redirected to."""
    allowed = get_tip_config().partner_form_origin
    return bool(url and allowed and len(url) <= 2000 and origin_of(url) == allowed)


# ------------------------------------------------------------------------------- opting in and out


def _start(
    account: TipAccount, current: TipAccount | None, allowed_from: tuple[str, ...], company: Company | None = None
) -> TipAccount:
    """Register a fresh account with the partner, then save it with the outcome in one conditional write:
    on the condition that the account is still as read (absent, or the same generation), so two
    managers starting at once do not both succeed. The registration's idempotency key is derived from
    the account and its generation: a request that dies between the partner's answer and the write
    is repeated with the same key, and the partner registers once."""
    now = utcnow()
    fresh = _outcome(account, company, now=now)
    for attribute, value in fresh.items():
        setattr(account, attribute, value)
    account.updated_at = now
    condition: Any
    if current is None:
        condition = TipAccount.subject.does_not_exist()
    else:
        generation = int(current.generation or 0)
        condition = TipAccount.generation == generation
        if not generation:  # an account saved before generations were counted
            condition |= TipAccount.generation.does_not_exist()
        condition &= TipAccount.state.is_in(*allowed_from) | (TipAccount.registration == "failed")
    try:
        account.save(condition=condition)
    except PutError as error:
        if not is_condition_failure(error):
            raise
        raise Conflict("Tips are already being set up here; reload and try again.", "tips-busy") from None
    return account


def _fresh(company_id: str, subject: str, state: str, display_name: str, current: TipAccount | None) -> TipAccount:
    generation = int(current.generation or 0) + 1 if current is not None else 1
    return TipAccount(
        company_id,
        subject,
        state=state,
        display_name=display_name,
        idempotency_key="idem_" + keyed_hash("tip-registration", f"{company_id}\n{subject}\n{generation}")[:32],
        generation=generation,
        registration="pending",
        attempts=0,
    )


def opt_in_company(principal: auth.Principal) -> TipAccount:
    """Three requests: authentication (with the company), the account, and its write."""
    principal.require_manager()
    company = auth.company_of(principal)
    current = company_account(company.company_id)
    if current and current.state in COMPANY_ACTIVE and current.registration != "failed":
        return current  # opting in twice changes nothing
    account = _fresh(company.company_id, COMPANY, "pending_verification", company.name, current)
    return _start(account, current, ("disabled", "rejected"), company)


def opt_out_company(principal: auth.Principal) -> TipAccount:
    principal.require_manager()
    return _disable(principal.company_id, COMPANY)


def _check_employee_access(principal: auth.Principal, employee_id: str) -> None:
    if not principal.is_manager and principal.employee_id != employee_id:
        raise Forbidden("Only a manager or the employee themselves may do this.")


def opt_in_employee(principal: auth.Principal, employee_id: str) -> TipAccount:
    """Three requests: authentication (with the staff directory), both accounts, and the write."""
    _check_employee_access(principal, employee_id)
    employee = (
        staff.entries(auth.company_of(principal, "staff")).get(employee_id) if len(employee_id) <= MAX_LENGTH else None
    )
    if employee is None:
        raise NotFound("Employee")
    if not employee.get("active"):
        raise Conflict("This employee has been deactivated.", "employee-inactive")
    subject = employee_subject(employee_id)
    company, current = get_many(
        [(TipAccount, principal.company_id, COMPANY), (TipAccount, principal.company_id, subject)], consistent_read=True
    )
    if not company or company.state not in COMPANY_ACTIVE or company.registration != "registered":
        raise Conflict(
            "Tips are not set up for the company yet: a manager opts the company in first, "
            "and the partner must have accepted the registration.",
            "tips-not-enabled",
        )
    if current and current.state in EMPLOYEE_ACTIVE and current.registration != "failed":
        return current
    name = str(employee["name"])
    account = _fresh(principal.company_id, subject, "pending_link", name, current)
    return _start(account, current, ("disabled", "unlinked"))


def opt_out_employee(principal: auth.Principal, employee_id: str) -> TipAccount:
    _check_employee_access(principal, employee_id)
    if len(employee_id) > MAX_LENGTH or employee_id not in staff.entries(auth.company_of(principal, "staff")):
        raise NotFound("Employee")
    return _disable(principal.company_id, employee_subject(employee_id))


def _disable(company_id: str, subject: str) -> TipAccount:
    """One conditional write (the account as written comes back with it)."""
    account = TipAccount(company_id, subject)
    try:
        account.update(
            actions=[
                TipAccount.state.set("disabled"),
                TipAccount.form_url.remove(),
                TipAccount.retry_watch.remove(),
                TipAccount.next_attempt_at.remove(),
                TipAccount.updated_at.set(utcnow()),
            ],
            condition=TipAccount.subject.exists(),
        )
    except UpdateError as error:
        if is_condition_failure(error):
            raise NotFound("Tip account") from None
        raise
    return account


# ------------------------------------------------------------------------------- registration calls


def attempt(account: TipAccount, client: PartnerClient | None = None, now: datetime | None = None) -> TipAccount:
    """Call the partner once (with the client's own retries) and record the outcome on the account."""
    now = now or utcnow()
    _record(account, _actions(_outcome(account, None, client, now)), now)
    return account


def _actions(values: dict[str, Any]) -> list[Any]:
    return [
        getattr(TipAccount, n).set(v) if v is not None else getattr(TipAccount, n).remove() for n, v in values.items()
    ]


def _outcome(
    account: TipAccount, company: Company | None, client: PartnerClient | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Call the partner once (with the client's own retries): the account's attributes after it (None:
    removed). `company`: for a company's registration, its item if the caller has it."""
    now = now or utcnow()
    key = account.idempotency_key or new_id("idem")
    try:
        client = client or partner_client()
        if account.subject == COMPANY:
            company = company or companies.get(account.company_id)
            result = client.register_place(company.company_id, company.name, company.currency, key)
        else:
            employee_id = account.subject.removeprefix("emp#")
            result = client.register_receiver(account.company_id, employee_id, account.display_name or "", key)
    except PartnerUnavailable as error:
        return _retry_values(int(account.attempts or 0) + 1, str(error), now)
    except PartnerRefused as error:
        return _failed_values(int(account.attempts or 0) + 1, str(error))
    return _registered_values(account, result)


def _retry_values(attempts: int, error: str, now: datetime) -> dict[str, Any]:
    """Try again after the backoff, or give up once the attempts are spent."""
    if attempts >= MAX_ATTEMPTS:
        return _failed_values(attempts, f"gave up after {attempts} attempts: {error}")
    return {
        "registration": "retrying",
        "attempts": attempts,
        "last_error": error[:300],
        "retry_watch": RETRY,
        "next_attempt_at": now + retry_delay(attempts),
    }


def _failed_values(attempts: int, error: str) -> dict[str, Any]:
    return {
        "registration": "failed",
        "attempts": attempts,
        "last_error": error[:300],
        "retry_watch": None,
        "next_attempt_at": None,
    }


def _registered_values(account: TipAccount, result: Registration) -> dict[str, Any]:
    values: dict[str, Any] = {
        "registration": "registered",
        "partner_ref": result.partner_ref[:200],
        "attempts": int(account.attempts or 0) + 1,
        "last_error": None,
        "retry_watch": None,
        "next_attempt_at": None,
    }
    if account.subject == COMPANY and result.status == "confirmed" and account.state == "pending_verification":
        values["state"] = "verified"
    form_url = result.form_url
    if account.subject != COMPANY and result.status == "confirmed" and form_url and is_partner_form(form_url):
        values.update(state="linked", form_url=form_url)
    return values


def _record(account: TipAccount, actions: list[Any], now: datetime) -> None:
    """Write an attempt's outcome unless the account was restarted or switched off meanwhile."""
    try:
        account.update(
            actions=[*actions, TipAccount.updated_at.set(now)],
            condition=(TipAccount.idempotency_key == account.idempotency_key)
            & TipAccount.state.is_in(*COMPANY_ACTIVE, *EMPLOYEE_ACTIVE),
        )
    except UpdateError as error:
        if not is_condition_failure(error):
            raise
        logger.info("tip account %s/%s changed meanwhile; outcome dropped", account.company_id, account.subject)


def retry_due(event: Mapping[str, Any]) -> dict[str, Any]:
    """Scheduled: retry registrations whose time has come (a sparse index; never a Scan).

    Each registration is tried on its own: one that breaks in an unexpected way is logged, counted
    as an attempt on that registration and moved to its next attempt time, and the run goes on with
    the others. The result counts the outcomes; `partial_failure` says some registration broke.
    """
    from chalicelib.tickets.jobs import event_time

    now = event_time(event)
    outcomes = {"registered": 0, "retrying": 0, "failed": 0, "errored": 0}
    for due in TipAccount.retry_index.query(RETRY, TipAccount.next_attempt_at <= now, limit=100):
        outcome = _retry_one(due.company_id, due.subject, now)
        if outcome in outcomes:
            outcomes[outcome] += 1
    tried = sum(outcomes.values())
    if outcomes["errored"]:
        observability.count(observability.TIP_REGISTRATION_ERRORS, outcomes["errored"])
        logger.error("tip registration retries: %d of %d broke", outcomes["errored"], tried)
    return {"tried": tried, **outcomes, "partial_failure": outcomes["errored"] > 0, "as_of": now.isoformat()}


def _retry_one(company_id: str, subject: str, now: datetime) -> str | None:
    """One due registration: its outcome (registered | retrying | failed | errored), None if not due."""
    account: TipAccount | None = None
    try:
        account = find(company_id, subject)
        if account is None or account.retry_watch != RETRY or account.registration == "registered":
            return None
        attempt(account, now=now)
        return str(account.registration)
    except Exception as error:
        logger.exception("tip registration %s/%s broke", company_id, subject)
        if account is not None:
            _record_breakage(account, f"{type(error).__name__}: {error}", now)
        return "errored"


def _record_breakage(account: TipAccount, error: str, now: datetime) -> None:
    """Count the attempt and move its next try on, so it neither sorts first for ever nor retries for ever."""
    try:
        _record(account, _actions(_retry_values(int(account.attempts or 0) + 1, error, now)), now)
    except Exception:
        logger.exception("could not record the breakage on %s/%s", account.company_id, account.subject)


# ------------------------------------------------------------------------------- views


class RegistrationOut(TypedDict):
    status: str | None
    attempts: int
    last_error: str | None
    next_attempt_at: str | None


class AccountOut(TypedDict):
    state: str
    registration: RegistrationOut | None
    reason: NotRequired[str | None]
    updated_at: NotRequired[str | None]
    employee_id: NotRequired[str]  # employees' accounts
    tip_button: NotRequired[bool]


def account_view(account: TipAccount | None) -> AccountOut:
    if account is None:
        return {"state": "disabled", "registration": None}
    data: AccountOut = {
        "state": account.state,
        "reason": account.reason,
        "registration": {
            "status": account.registration,
            "attempts": int(account.attempts or 0),
            "last_error": account.last_error,
            "next_attempt_at": iso(account.next_attempt_at),
        },
        "updated_at": iso(account.updated_at),
    }
    if account.subject != COMPANY:
        data["employee_id"] = account.subject.removeprefix("emp#")
        data["tip_button"] = account.state == "linked" and is_partner_form(account.form_url)
    return data


def all_accounts(company_id: str) -> list[TipAccount]:
    """The company's account and its employees' (one Query of the company's partition)."""
    return list(TipAccount.query(company_id))
