"""Who reads a page reached through a customer's link, even one that can no longer be used: the customer's
language and the company's name and time zone, as far as the link still tells (an expired link we signed
still names them; a forged one names nobody)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from chalicelib import links
from chalicelib.i18n import locales

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reader:
    locale: str | None = None  # None: not known, the browser's
    company_name: str | None = None
    timezone: str = "UTC"


NOBODY = Reader()


def of_link(purpose: str, token: str) -> Reader:
    """The reader a link names: the ticket's (or the customer's) language and the company, in one BatchGetItem;
    nobody for a link we did not sign. Never fails: an error page must still show."""
    claims = links.claims_of(purpose, token)
    if claims is None:
        return NOBODY
    from chalicelib.db.base import get_many
    from chalicelib.db.models import Company, Customer, Ticket

    keys: list[tuple[Any, Any, Any]] = [(Company, claims.company_id, None)]
    if claims.ticket_id:
        keys.append((Ticket, claims.company_id, claims.ticket_id))
    elif claims.customer_id:
        keys.append((Customer, claims.company_id, claims.customer_id))
    try:
        found = get_many(keys)
    except Exception:  # the page explains the link without the company rather than failing
        logger.exception("reading who a %s link is for", purpose)
        return NOBODY
    company, about = found[0], found[1] if len(found) > 1 else None
    if company is None:
        return NOBODY
    return Reader(locales.supported(about.locale) if about is not None else None, company.name, company.timezone)
