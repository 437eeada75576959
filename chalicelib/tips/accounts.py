"""Partner onboarding: companies and employees opt in, get registered with the partner, and move
through their states as the partner's webhooks arrive. A registration the partner could not take
(down, slow, 5xx) stays queued on a sparse index and is retried by a schedule: nothing is lost.
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

from chalicelib import auth, companies, employees, observability
from chalicelib.clock import iso, utcnow
from chalicelib.db.base import is_condition_failure
from chalicelib.errors import Conflict, Forbidden, NotFound
from chalicelib.ids import new_id
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


def _start(account: TipAccount, allowed_from: tuple[str, ...]) -> TipAccount:
    """Save a fresh registration, queued for retry until the partner has acknowledged it."""
    # a registration that failed outright (refused, or given up on) may start again
    condition = (
        TipAccount.subject.does_not_exist()
        | TipAccount.state.is_in(*allowed_from)
        | (TipAccount.registration == "failed")
    )
    try:
        account.save(condition=condition)
    except PutError as error:
        if not is_condition_failure(error):
            raise
        raise Conflict("Tips are already being set up here; reload and try again.", "tips-busy") from None
    attempt(account)
    return account


def _fresh(company_id: str, subject: str, state: str, display_name: str, now: datetime) -> TipAccount:
    return TipAccount(
        company_id,
        subject,
        state=state,
        display_name=display_name,
        idempotency_key=new_id("idem"),
        registration="pending",
        attempts=0,
        retry_watch=RETRY,
        next_attempt_at=now,
        updated_at=now,
    )


def opt_in_company(principal: auth.Principal) -> TipAccount:
    principal.require_manager()
    company = companies.get(principal.company_id)
    current = company_account(company.company_id)
    if current and current.state in COMPANY_ACTIVE and current.registration != "failed":
        return current  # opting in twice changes nothing
    account = _fresh(company.company_id, COMPANY, "pending_verification", company.name, utcnow())
    return _start(account, ("disabled", "rejected"))


def opt_out_company(principal: auth.Principal) -> TipAccount:
    principal.require_manager()
    return _disable(principal.company_id, COMPANY)


def _check_employee_access(principal: auth.Principal, employee_id: str) -> None:
    if not principal.is_manager and principal.employee_id != employee_id:
        raise Forbidden("Only a manager or the employee themselves may do this.")


def opt_in_employee(principal: auth.Principal, employee_id: str) -> TipAccount:
    _check_employee_access(principal, employee_id)
    employee = employees.get(principal.company_id, employee_id)
    if not employee.active:
        raise Conflict("This employee has been deactivated.", "employee-inactive")
    company = company_account(principal.company_id)
    if not company or company.state not in COMPANY_ACTIVE or company.registration != "registered":
        raise Conflict(
            "Tips are not set up for the company yet: a manager opts the company in first, "
            "and the partner must have accepted the registration.",
            "tips-not-enabled",
        )
    subject = employee_subject(employee_id)
    current = find(principal.company_id, subject)
    if current and current.state in EMPLOYEE_ACTIVE and current.registration != "failed":
        return current
    account = _fresh(principal.company_id, subject, "pending_link", employee.name, utcnow())
    return _start(account, ("disabled", "unlinked"))


def opt_out_employee(principal: auth.Principal, employee_id: str) -> TipAccount:
    _check_employee_access(principal, employee_id)
    employees.get(principal.company_id, employee_id)
    return _disable(principal.company_id, employee_subject(employee_id))


def _disable(company_id: str, subject: str) -> TipAccount:
    account = find(company_id, subject)
    if account is None:
        raise NotFound("Tip account")
    account.update(
        actions=[
            TipAccount.state.set("disabled"),
            TipAccount.form_url.remove(),
            TipAccount.retry_watch.remove(),
            TipAccount.next_attempt_at.remove(),
            TipAccount.updated_at.set(utcnow()),
        ]
    )
    return account


# ------------------------------------------------------------------------------- registration calls


def attempt(account: TipAccount, client: PartnerClient | None = None, now: datetime | None = None) -> TipAccount:
    """Call the partner once (with the client's own retries) and record the outcome on the account."""
    now = now or utcnow()
    key = account.idempotency_key or new_id("idem")
    try:
        client = client or partner_client()
        if account.subject == COMPANY:
            company = companies.get(account.company_id)
            result = client.register_place(company.company_id, company.name, company.currency, key)
        else:
            employee_id = account.subject.removeprefix("emp#")
            result = client.register_receiver(account.company_id, employee_id, account.display_name or "", key)
    except PartnerUnavailable as error:
        _record(account, _retry_actions(int(account.attempts or 0) + 1, str(error), now), now)
        return account
    except PartnerRefused as error:
        _record(account, _failed_actions(int(account.attempts or 0) + 1, str(error)), now)
        return account
    _record(account, _registered_actions(account, result), now)
    return account


def _retry_actions(attempts: int, error: str, now: datetime) -> list[Any]:
    """Try again after the backoff, or give up once the attempts are spent."""
    if attempts >= MAX_ATTEMPTS:
        return _failed_actions(attempts, f"gave up after {attempts} attempts: {error}")
    return [
        TipAccount.registration.set("retrying"),
        TipAccount.attempts.set(attempts),
        TipAccount.last_error.set(error[:300]),
        TipAccount.retry_watch.set(RETRY),
        TipAccount.next_attempt_at.set(now + retry_delay(attempts)),
    ]


def _failed_actions(attempts: int, error: str) -> list[Any]:
    return [
        TipAccount.registration.set("failed"),
        TipAccount.attempts.set(attempts),
        TipAccount.last_error.set(error[:300]),
        TipAccount.retry_watch.remove(),
        TipAccount.next_attempt_at.remove(),
    ]


def _registered_actions(account: TipAccount, result: Registration) -> list[Any]:
    actions: list[Any] = [
        TipAccount.registration.set("registered"),
        TipAccount.partner_ref.set(result.partner_ref[:200]),
        TipAccount.attempts.set(int(account.attempts or 0) + 1),
        TipAccount.last_error.remove(),
        TipAccount.retry_watch.remove(),
        TipAccount.next_attempt_at.remove(),
    ]
    if account.subject == COMPANY and result.status == "confirmed" and account.state == "pending_verification":
        actions.append(TipAccount.state.set("verified"))
    form_url = result.form_url
    if account.subject != COMPANY and result.status == "confirmed" and form_url and is_partner_form(form_url):
        actions += [TipAccount.state.set("linked"), TipAccount.form_url.set(form_url)]
    return actions


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
        _record(account, _retry_actions(int(account.attempts or 0) + 1, error, now), now)
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


def employee_accounts(company_id: str) -> list[TipAccount]:
    return list(TipAccount.query(company_id, TipAccount.subject.startswith("emp#")))
