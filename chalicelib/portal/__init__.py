"""'My requests': a customer enters their e-mail on the company's page and gets a single-use link (an hour)
that opens a page listing their tickets with this company, each opening the ticket's own page.

The answer on the request form is the same whether or not the address has tickets. The link's GET only
shows a button (mail scanners pre-click links); its POST uses the link up and gives the browser a signed
cookie for an hour (`__Host-` when deployed), so the list can be reloaded and navigated back to.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from pynamodb.exceptions import TransactWriteError

from chalicelib import customers, links, mail, outbox, ratelimit
from chalicelib.auth import company_attributes, unread
from chalicelib.clock import iso, utcnow
from chalicelib.companies import get as get_company
from chalicelib.companies import matches_intake_key, named_in_intake_key
from chalicelib.db import keys
from chalicelib.db.base import get_many, transaction
from chalicelib.db.models import Company, Customer, Ticket
from chalicelib.errors import NotFound
from chalicelib.keys import derive_key
from chalicelib.mail import threading
from chalicelib.outbox.models import OutboxMessage
from chalicelib.pages import locale_of, render
from chalicelib.settings import get_settings
from chalicelib.tickets.views import CUSTOMER_STATUS

LINK_LIFETIME = timedelta(hours=1)
SESSION_LIFETIME = timedelta(hours=1)
KIND = "customer.portal"
MAX_TICKETS = 50
logger = logging.getLogger(__name__)


def cookie_name() -> str:
    return "sd_portal" if get_settings().is_local else "__Host-sd_portal"


@dataclass(frozen=True)
class Asked:
    """What asking for a link came to: the company (for the page), and the limit that refused it, if one did."""

    company: Company
    refused: ratelimit.RateLimited | None = None


def request_link(
    intake_key: str,
    email: str,
    locale: str,
    checks: Sequence[tuple[ratelimit.Limit, str | None]] = (),
    now: datetime | None = None,
) -> Asked:
    """Mail a single-use link to the address if it has tickets with the intake key's company (NotFound
    for a key it does not match); the caller answers the same either way. `checks`: rate limits, counted
    whether or not a mail goes, in the transaction that claims the mail (a refused request writes nothing).

    Three requests at most: the company, the customer and the address's suppression item in one
    BatchGetItem; the counters and the outbox's claim in one transaction; the outcome after the send. A
    customer item exists only with tickets (it is written in its first ticket's transaction and erased
    with them), so finding it answers "has requests" without reading a ticket."""
    now = now or utcnow()
    company_id = named_in_intake_key(intake_key)
    if company_id is None:
        raise NotFound("Company")
    customer_id = customers.customer_id_for(company_id, email)
    company, customer, suppressed = get_many(
        [(Company, company_id, None), (Customer, company_id, customer_id), mail.suppression_key(email)],
        attributes={Company: company_attributes(())},
    )
    company = matches_intake_key(company and unread(company, ()), intake_key)
    charges = ratelimit.charges(company_id, checks, now)
    nonce = secrets.token_urlsafe(16)
    message = outbox.Outgoing(
        company_id,
        keys.outbox_message("portal", nonce),
        KIND,
        recipient="customer",
        params={"customer_id": customer_id, "nonce": nonce, "locale": locale, "at": iso(now) or ""},
    )
    claimed = None
    if charges or customer is not None:
        try:
            with transaction() as tx:
                ratelimit.add_to(tx, charges)
                claimed = outbox.claim_new(tx, message, now) if customer is not None else None
        except TransactWriteError as error:
            refused = ratelimit.refusal(error, charges)
            if refused is None:
                raise
            return Asked(company, refused)
    if claimed is not None and customer is not None:
        known = suppressed is not None
        try:
            outbox.deliver(claimed, lambda _item: _deliver(company, customer, nonce, locale, now, known))
        except Exception:  # a send that failed is kept by the outbox and sent again; the answer stays the same
            logger.exception("portal link for a customer of %s not sent now", company_id)
    return Asked(company)


def _deliver(
    company: Company, customer: Customer, nonce: str, locale: str, issued: datetime, suppressed: bool | None = None
) -> outbox.Delivery:
    if utcnow() - issued >= LINK_LIFETIME:
        return outbox.Delivery("undeliverable", detail="the link would have expired")
    claims = links.LinkClaims(company.company_id, "", customer_id=customer.customer_id, nonce=nonce)
    token = links.sign(links.CUSTOMER_PORTAL, claims, LINK_LIFETIME, issued)
    context: dict[str, Any] = {
        "customer_name": customer.name,
        "company_name": company.name,
        "portal_url": f"{get_settings().public_base_url}/my/{token}?lang={locale_of(locale)}",
        "minutes": int(LINK_LIFETIME.total_seconds() // 60),
    }
    locale = locale_of(locale)
    context["subject"] = render("portal/subject.txt", locale=locale, **context).strip()
    message = mail.Mail(
        to=customer.email,
        to_name=customer.name,
        subject=context["subject"],
        text=render("portal/link.txt", locale=locale, **context),
        html=render("portal/link.html", locale=locale, **context),
        sender_name=company.name,
        language=locale,
        headers={"Message-ID": f"<portal.{nonce.lower()}@{threading.sending_domain()}>"},
    )
    return outbox.Delivery("sent", "email", mail.send(message, suppressed))


def resend(item: OutboxMessage) -> outbox.Delivery:
    params = outbox.params_of(item)
    try:
        company = Company.get(item.company_id)
        customer = Customer.get(item.company_id, params["customer_id"])
    except (Company.DoesNotExist, Customer.DoesNotExist):
        return outbox.Delivery("undeliverable", detail="the company or customer no longer exists")
    issued = datetime.fromisoformat(params["at"].replace("Z", "+00:00"))
    return _deliver(company, customer, params["nonce"], params.get("locale", "en"), issued)


outbox.register(KIND, resend)


@dataclass(frozen=True)
class PortalSession:
    company_id: str
    customer_id: str


def _cookies() -> URLSafeSerializer:
    return URLSafeSerializer(derive_key("portal-session"), salt="portal-session")


def open_session(token: str, now: datetime | None = None) -> tuple[str, int]:
    """Use the link up; the cookie value for the browser and its lifetime in seconds."""
    now = now or utcnow()
    claims = links.verify(links.CUSTOMER_PORTAL, token, now)
    if not claims.customer_id or not claims.nonce:
        raise links.LinkInvalid("This link is not valid.")
    links.use_once(claims, now)
    expires = int((now + SESSION_LIFETIME).timestamp())
    value = _cookies().dumps({"c": claims.company_id, "u": claims.customer_id, "x": expires})
    return str(value), int(SESSION_LIFETIME.total_seconds())


def session_of(cookie: str | None, now: datetime | None = None) -> PortalSession | None:
    if not cookie or len(cookie) > 1024:
        return None
    try:
        data = _cookies().loads(cookie)
    except BadSignature:
        return None
    expires = data.get("x") if isinstance(data, dict) else None
    if not isinstance(expires, int) or (now or utcnow()).timestamp() >= expires:
        return None
    if not isinstance(data.get("c"), str) or not isinstance(data.get("u"), str):
        return None
    return PortalSession(data["c"], data["u"])


def requests_of(session: PortalSession, now: datetime | None = None) -> dict[str, Any]:
    """The customer's tickets with the company, newest first, each with a fresh link to its page."""
    now = now or utcnow()
    company = get_company(session.company_id)
    lifetime = int(company.settings.link_ttl_days)
    base = get_settings().public_base_url
    tickets = Ticket.by_customer.query(
        keys.customer(session.company_id, session.customer_id), scan_index_forward=False, limit=MAX_TICKETS
    )
    return {
        "company_name": company.name,
        "timezone": company.timezone,
        "tickets": [
            {
                "reference": threading.subject_reference(t.ticket_id),
                "subject": t.subject,
                "status": CUSTOMER_STATUS.get(t.status, t.status),
                "updated_at": iso(t.updated_at),
                "url": f"{base}/c/{links.customer_ticket_link(t.company_id, t.ticket_id, lifetime, now)}",
            }
            for t in tickets
        ],
    }
