"""Sessions of people signed in with a browser. The cookie holds a random secret; only its SHA-256 is stored."""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.db.base import index_meta, table_meta


class SessionByEmployee(GlobalSecondaryIndex["Session"]):
    """An employee's sessions, to list them and to end them all (sign-out everywhere, deactivation)."""

    Meta = index_meta("by_employee", AllProjection())
    employee_key = UnicodeAttribute(hash_key=True)  # keys.employee(company_id, employee_id)
    created_at = UTCDateTimeAttribute(range_key=True)


class Session(Model):
    """Who the browser belongs to. Role, tier and departments are as they were at sign-in and are not
    what a page is authorised by: the secret names the employee, who is read with the session (one
    BatchGetItem, chalicelib/sessions)."""

    Meta = table_meta("sessions")

    session_hash = UnicodeAttribute(hash_key=True)
    session_id = UnicodeAttribute()  # public: listing and revoking without the secret
    company_id = UnicodeAttribute()
    employee_id = UnicodeAttribute()
    employee_key = UnicodeAttribute()
    role = UnicodeAttribute()
    tier = NumberAttribute(default=1)
    departments = ListAttribute[str](default=list)
    timezone = UnicodeAttribute(default="UTC")
    locale = UnicodeAttribute(default="en")
    user_agent = UnicodeAttribute(default="")
    created_at = UTCDateTimeAttribute()
    last_seen_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()  # DynamoDB deletes it some time after; the code never trusts an expired one

    by_employee = SessionByEmployee()
