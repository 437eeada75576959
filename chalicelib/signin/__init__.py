"""Sign-in for people: single-use links by e-mail, invitations, and the first manager of a company.

An employee asks for a link with their address; every active employee record with that address (one
per company) gets one link in one e-mail, valid for 15 minutes. An invitation is the same kind of link,
valid for 7 days, sent when a manager adds someone. Only the SHA-256 of a link's secret is stored;
opening the link's page changes nothing (mail scanners pre-open links), its form post consumes it with a
conditional write and opens a session with a new secret. The answer to "send me a link" is the same
whether or not the address belongs to anyone, and asking is rate-limited per address and per IP.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib import employees, mail, ratelimit, settings
from chalicelib.auth import Principal, company_attributes, company_of, employee_of
from chalicelib.clock import utcnow
from chalicelib.companies import SignUp, sign_up
from chalicelib.db.base import get_many, is_condition_failure, transaction
from chalicelib.db.models import Company, Employee
from chalicelib.errors import Conflict, DomainError
from chalicelib.pages import render
from chalicelib.sessions import new_session
from chalicelib.sessions.models import Session
from chalicelib.signin.models import SignInLink

logger = logging.getLogger(__name__)

LINK_LIFETIME = timedelta(minutes=15)
INVITATION_LIFETIME = timedelta(days=7)
FIRST_MANAGER_LIFETIME = timedelta(hours=24)
LIMIT_WINDOW = timedelta(hours=1)
TOKEN_PREFIX = "sdl_"  # noqa: S105 (a prefix, not a secret)
DEFAULT_NEXT = "/desk"
MAX_LINKS_PER_MAIL = 10
SIGNIN, INVITATION = "signin", "invitation"
_SAFE_NEXT = re.compile(r"^/(?!/)[A-Za-z0-9/_\-.~%?=&+]{0,300}$")
_TOKEN = re.compile(r"^sdl_[A-Za-z0-9_-]{40,50}$")


class LinkUnusable(DomainError):
    """One answer for a used, expired, forged or cut link: nothing tells them apart to a stranger."""

    def __init__(self) -> None:
        super().__init__(
            "This sign-in link has been used already, has expired or is not complete. Ask for a new one.",
            410,
            "signin-link-unusable",
            "This sign-in link cannot be used",
        )


@dataclass(frozen=True)
class LinkView:
    kind: str
    employee_name: str
    company_name: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def safe_next(value: str | None) -> str:
    """A same-site path to go to after signing in; anything else (another site, `//host`, a scheme,
    control characters) becomes the workspace: no open redirect."""
    if value and _SAFE_NEXT.match(value) and "\\" not in value and not value.startswith("/signin"):
        return value
    return DEFAULT_NEXT


def link_url(token: str) -> str:
    return f"{settings.get_settings().public_base_url}/signin/{token}"


def new_link(employee: Employee, kind: str, next_path: str, lifetime: timedelta, now: datetime) -> str:
    token, record = _link(employee, kind, next_path, lifetime, now)
    record.save(condition=SignInLink.token_hash.does_not_exist())
    return token


def _link(employee: Employee, kind: str, next_path: str, lifetime: timedelta, now: datetime) -> tuple[str, SignInLink]:
    """A new link's secret and its record (unsaved: the caller writes it, alone or in a transaction)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = SignInLink(
        hash_token(token),
        kind=kind,
        company_id=employee.company_id,
        employee_id=employee.employee_id,
        next_path=safe_next(next_path),
        created_at=now,
        expires_at=now + lifetime,
    )
    return token, record


def _send(to: str, template: str, locale: str, suppressed: bool | None = None, **context: object) -> None:
    subject = render(f"signin/{template}_subject.txt", locale=locale, **context).strip()
    text = render(f"signin/{template}.txt", locale=locale, **context)
    html = render(f"signin/{template}.html", locale=locale, title=subject, **context)
    try:
        mail.send(mail.Mail(to=to, subject=subject, text=text, html=html, language=locale), suppressed)
    except mail.Suppressed:
        logger.info("sign-in mail not sent: the address is suppressed")


# ---------------------------------------------------------------- asking for a link


def request_link(email: str, next_path: str | None, source_ip: str, now: datetime | None = None) -> None:
    """Mail sign-in links to `email` if it belongs to active employees; the caller answers the same
    either way. Refused silently past the per-IP or per-address limit.

    Three requests at most: the address's employees (the e-mail index), their companies' names and the
    address's suppression item in one BatchGetItem, then the rate-limit counters and the links in one
    transaction: a refused request writes nothing, and no link is written that no mail will carry."""
    now = now or utcnow()
    address = email.strip().lower()
    per_ip = ratelimit.Limit("signin-ip", settings.limit("SIGNIN_MAILS_PER_IP_PER_HOUR", 30), LIMIT_WINDOW)
    per_address = ratelimit.Limit(
        "signin-address", settings.limit("SIGNIN_MAILS_PER_ADDRESS_PER_HOUR", 5), LIMIT_WINDOW
    )
    charges = ratelimit.charges(ratelimit.SITE, [(per_ip, source_ip or "unknown"), (per_address, address)], now)
    people = [e for e in Employee.by_email.query(address, limit=50) if e.active][:MAX_LINKS_PER_MAIL]
    names: dict[str, str] = {}
    suppressed = False
    if people:
        company_ids = sorted({e.company_id for e in people})
        *found, suppression = get_many(
            [*((Company, company_id, None) for company_id in company_ids), mail.suppression_key(address)],
            attributes={Company: company_attributes(())},
        )
        names = {c.company_id: c.name for c in found if c is not None}
        suppressed = suppression is not None
    mailed = [] if suppressed else sorted(people, key=lambda e: names.get(e.company_id, "").lower())
    made = [(e, *_link(e, SIGNIN, next_path or "", LINK_LIFETIME, now)) for e in mailed]
    try:
        with transaction() as tx:
            ratelimit.add_to(tx, charges)
            for _, _, record in made:
                tx.save(record, condition=SignInLink.token_hash.does_not_exist())
    except TransactWriteError as error:
        if ratelimit.refusal(error, charges) is None:
            raise
        logger.warning("sign-in mail refused: too many requests from one IP or for one address")
        return
    if suppressed:
        logger.info("sign-in mail not sent: the address is suppressed")
    if not made:
        return
    links = [{"company": names.get(e.company_id, ""), "name": e.name, "url": link_url(token)} for e, token, _ in made]
    locale = next((e.locale for e in people if e.locale), "en")
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    _send(address, "link", locale, suppressed=False, links=links, minutes=minutes)


# ---------------------------------------------------------------- invitations


def invite(
    principal: Principal, request: employees.NewEmployee, locale: str = "en", now: datetime | None = None
) -> Employee:
    """A manager adds someone: the employee record, and an invitation by e-mail that signs them in (in the
    manager's language: the new person has chosen none yet). The employee, the invitation's link and the
    check that mail can reach the address commit together: an address on the suppression list (it bounced
    or complained) is refused with nothing written, since no invitation or sign-in link could reach it."""
    principal.require_manager()
    now = now or utcnow()
    address = request.email.strip().lower()
    for existing in Employee.by_email.query(address, limit=50):
        if existing.company_id == principal.company_id and existing.active:
            raise Conflict("Someone with this e-mail address is on the team already.", "already-on-team")
    tokens: list[str] = []

    def with_invitation(tx: TransactWrite, employee: Employee) -> None:
        tokens.append(_invitation_in(tx, employee, now))

    try:
        employee, _ = employees.create(principal, request, with_token=False, also=with_invitation)
    except TransactWriteError as error:
        _raise_if_suppressed(error)
        raise
    _mail_invitation(principal, employee, tokens[0], locale)
    return employee


def send_invitation(principal: Principal, employee: Employee, locale: str = "en", now: datetime | None = None) -> None:
    """A new invitation link for `employee`, written only if mail can reach their address, then mailed."""
    now = now or utcnow()
    if not employee.active:
        raise Conflict("The employee is deactivated.")
    try:
        with transaction() as tx:
            token = _invitation_in(tx, employee, now)
    except TransactWriteError as error:
        _raise_if_suppressed(error)
        raise
    _mail_invitation(principal, employee, token, locale)


def resend_invitation(principal: Principal, employee_id: str, locale: str = "en") -> Employee:
    principal.require_manager()
    employee = employees.get(principal.company_id, employee_id)
    if employee.joined_at is not None:
        raise Conflict("This person has signed in already; they can ask for a sign-in link themselves.", "joined")
    send_invitation(principal, employee, locale)
    return employee


class AddressSuppressed(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "Mail to this address bounced or was reported as spam, so no invitation can reach it. Check the address.",
            "address-suppressed",
        )


def _invitation_in(tx: TransactWrite, employee: Employee, now: datetime) -> str:
    """The invitation's link as an item of `tx`, with the check that the address is not suppressed (the
    transaction's only condition check: see `_raise_if_suppressed`); the link's secret."""
    token, record = _link(employee, INVITATION, DEFAULT_NEXT, INVITATION_LIFETIME, now)
    tx.save(record, condition=SignInLink.token_hash.does_not_exist())
    mail.require_not_suppressed(tx, employee.email)
    return token


def _raise_if_suppressed(error: TransactWriteError) -> None:
    reasons = error.cancellation_reasons or []
    if reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed":
        raise AddressSuppressed() from None


def _mail_invitation(principal: Principal, employee: Employee, token: str, locale: str) -> None:
    company = company_of(principal)  # both read with the manager's credential
    inviter = employee_of(principal)
    _send(
        employee.email,
        "invitation",
        employee.locale or locale,
        suppressed=False,  # the link's transaction checked it
        company=company.name,
        inviter=inviter.name,
        person=employee.name,
        url=link_url(token),
        days=INVITATION_LIFETIME.days,
    )


# ---------------------------------------------------------------- the first manager (closed sign-up)


def first_manager(request: SignUp, now: datetime | None = None) -> tuple[Company, Employee, str]:
    """A company and its first manager, and a one-time sign-in link for them (valid 24 hours): what
    `make first-manager` prints. No API token is made."""
    now = now or utcnow()
    result = sign_up(request, with_token=False)
    token = new_link(result.manager, INVITATION, DEFAULT_NEXT, FIRST_MANAGER_LIFETIME, now)
    return result.company, result.manager, link_url(token)


# ---------------------------------------------------------------- opening a link


def _usable(token: str, now: datetime) -> tuple[SignInLink, Employee, Company]:
    if not token or not _TOKEN.match(token):
        raise LinkUnusable()
    try:
        record = SignInLink.get(hash_token(token), consistent_read=True)
    except SignInLink.DoesNotExist:
        raise LinkUnusable() from None
    if record.used_at is not None or record.expires_at <= now:
        raise LinkUnusable()
    employee, company = get_many(
        [(Employee, record.company_id, record.employee_id), (Company, record.company_id, None)], consistent_read=True
    )
    if employee is None or company is None or not employee.active:
        raise LinkUnusable()
    return record, employee, company


def peek(token: str, now: datetime | None = None) -> LinkView:
    """What the link's page shows before its button is pressed; changes nothing."""
    record, employee, company = _usable(token, now or utcnow())
    return LinkView(record.kind, employee.name, company.name)


def consume(token: str, user_agent: str, now: datetime | None = None) -> tuple[str, str]:
    """Use the link once: a new session (its cookie secret) and where to go next."""
    now = now or utcnow()
    record, employee, company = _usable(token, now)
    secret, session = new_session(employee, company, user_agent, now)
    try:  # the link used up, the session and the first sign-in in one transaction
        with transaction() as tx:
            tx.update(
                record,
                actions=[SignInLink.used_at.set(now)],
                condition=SignInLink.used_at.does_not_exist() & (SignInLink.expires_at > now),
            )
            tx.save(session, condition=Session.session_hash.does_not_exist())
            if employee.joined_at is None:
                tx.update(employee, actions=[Employee.joined_at.set(now)])
    except TransactWriteError as error:
        if is_condition_failure(error):
            raise LinkUnusable() from None
        raise
    return secret, record.next_path
