"""Customers have no accounts: they are known by e-mail within one company."""

from __future__ import annotations

from datetime import datetime

from chalicelib.db import keys
from chalicelib.db.models import Customer
from chalicelib.errors import NotFound
from chalicelib.keys import keyed_hash


def customer_id_for(company_id: str, email: str) -> str:
    """A keyed hash of the e-mail: the same customer maps to one id without a lookup table or a race."""
    return "cu_" + keyed_hash("customer-id", f"{company_id}\n{email.strip().lower()}")[:32]


def customer_key(company_id: str, customer_id: str) -> str:
    return keys.customer(company_id, customer_id)


def find_or_new(
    company_id: str, *, name: str, email: str, locale: str, telegram_chat_id: str | None, now: datetime
) -> tuple[Customer, bool]:
    """The customer with this e-mail, or a new unsaved one (True) for the caller to write."""
    customer_id = customer_id_for(company_id, email)
    try:
        return Customer.get(company_id, customer_id), False
    except Customer.DoesNotExist:
        pass
    return new(company_id, name=name, email=email, locale=locale, telegram_chat_id=telegram_chat_id, now=now), True


def new(
    company_id: str, *, name: str, email: str, locale: str, telegram_chat_id: str | None, now: datetime
) -> Customer:
    """A new customer (unsaved), keyed by their e-mail."""
    return Customer(
        company_id,
        customer_id_for(company_id, email),
        name=name,
        email=email.strip().lower(),
        locale=locale,
        telegram_chat_id=telegram_chat_id,
        created_at=now,
    )


def get(company_id: str, customer_id: str) -> Customer:
    try:
        return Customer.get(company_id, customer_id)
    except Customer.DoesNotExist:
        raise NotFound("Customer") from None
