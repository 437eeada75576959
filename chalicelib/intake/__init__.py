"""The public ways in besides the JSON intake's body: the company's web form (its fields, a honeypot),
the rate limits every public entry point applies, and CORS for the origins a company lists.

Spam controls that cost real people nothing: a field people never see (a bot that fills it is told
"thank you" and nothing is stored) and fixed-window limits per address and per client IP, per company
(chalicelib/ratelimit: conditional adds written in the transaction of what they guard, the ticket or the
portal's mail, so a refused request writes nothing).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import StringConstraints

from chalicelib.db.models import Company
from chalicelib.ratelimit import Limit
from chalicelib.tickets.schemas import Body, Subject
from chalicelib.validation import Email, Name, RequestBody

HOUR = timedelta(hours=1)
FORM_ADDRESS = Limit("form-address", 5, HOUR)
FORM_IP = Limit("form-ip", 30, HOUR)
INTAKE_ADDRESS = Limit("intake-address", 30, HOUR)  # the JSON intake: integrations post from one server
PORTAL_ADDRESS = Limit("portal-address", 3, HOUR)
PORTAL_IP = Limit("portal-ip", 20, HOUR)
HONEYPOT = "website"  # the field name bots like to fill

# the page's language; an unknown one falls back to the browser's (chalicelib/web/intake_form.py choose_locale)
Lang = Annotated[str, StringConstraints(max_length=16)]


class WebForm(RequestBody):
    """The web form's fields, named for people (the intake's JSON names differ)."""

    name: Name
    email: Email
    subject: Subject
    message: Body
    lang: Lang = "en"
    website: Annotated[str, StringConstraints(max_length=500)] | None = None  # the honeypot


class PortalRequest(RequestBody):
    email: Email
    lang: Lang = "en"
    website: Annotated[str, StringConstraints(max_length=500)] | None = None


def allowed_origin(company: Company, origin: str | None) -> str | None:
    """The Origin header's value when the company lists it (compared case-insensitively), else None."""
    if not origin:
        return None
    wanted = origin.strip().lower().rstrip("/")
    return wanted if wanted in {o.lower() for o in company.settings.cors_origins or []} else None


def cors_headers(origin: str) -> dict[str, str]:
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type",
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    }
