"""Every route of the app with a valid sample request, so tenancy and bad-input tests can walk them all.

A new route must add its sample body here (the tests fail loudly, naming the route, when one is missing).
"""

from __future__ import annotations

import re
from typing import Any

from chalicelib.http.generate import import_views
from chalicelib.http.route import Endpoint

# Valid bodies by schema name.
VALID_BODIES: dict[str, dict[str, Any]] = {
    "SignUp": {"name": "Initech", "manager_name": "Bill", "manager_email": "bill@initech.test"},
    "SettingsPatch": {"sla_target_minutes": 60},
    "NewEmployee": {"name": "Eve", "email": "eve@example.com"},
    "EmployeePatch": {"tier": 2},
    "StatusChange": {"status": "online"},
    "IntakeTicket": {"subject": "Help", "body": "Please", "customer_name": "Bo", "customer_email": "bo@example.com"},
    "Reply": {"body": "Hello"},
    "CustomerReply": {"body": "Thanks"},
    "Transfer": {"tier": 2},
    "Tags": {"tags": ["billing"]},
    "CallLog": {"duration_seconds": 60},
    "BadgePatch": {"key": "coffee", "name": "Espresso"},
    "NewBadge": {"key": "note_taker", "name": "Note taker", "metric": "notes"},
    "LevelsUpdate": {"levels": [{"name": f"Level {n}", "formula": f"answers >= {n * 10}"} for n in range(12)]},
    "BadgeRun": {"date": "2026-11-19"},
    "NewCustomerRating": {"literacy": 4, "temperament": 5, "note": "Knew the model number"},
    "CustomerRatingCorrection": {"temperament": 4},
    "CustomerRef": {"email": "bo@example.com"},
    "FailedMessage": {"message_key": "tkt_00000000000000000000000000000000#received"},
    "Preferences": {"email_notifications": False},
    "NewCannedReply": {"title": "Greeting", "body": "Hello"},
    "CannedReplyPatch": {"body": "Hello again"},
    "NewAddress": {"address": "help@acme.example"},
}


def body_for(endpoint: Endpoint) -> dict[str, Any] | None:
    if endpoint.body is None:
        return None
    name = endpoint.body.__name__
    if name not in VALID_BODIES:
        raise AssertionError(f"add a valid sample body for {name} ({endpoint.method} {endpoint.path}) to {__name__}")
    return VALID_BODIES[name]


def fill(path: str, values: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise AssertionError(f"no sample value for path parameter {name} in {path}")
        return values[name]

    return re.sub(r"{(\w+)}", replace, path)


def endpoints(*auth: str) -> list[Endpoint]:
    """Every declared route whose authenticator is one of `auth` (public, bearer, session, link)."""
    return [e for e in import_views() if e.auth in auth]


def route_id(endpoint: Endpoint) -> str:
    return f"{endpoint.method} {endpoint.path}"
