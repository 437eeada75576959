"""Routes around notifications: managers see the messages whose send failed (and may ask for another
round of attempts); each employee sets whether they get e-mail about their tickets."""

from __future__ import annotations

from typing_extensions import TypedDict  # pydantic reads TypedDicts from here on 3.11

from chalicelib import employees, outbox
from chalicelib.auth import employee_of
from chalicelib.http.route import LIMIT, Call, route
from chalicelib.validation import RequestBody

TAG = "Notifications"


class FailedMessage(RequestBody):
    message_key: str


class NotificationOut(TypedDict):
    message_key: str  # <ticket id>#<event>
    kind: str  # customer.received, customer.reply, customer.resolved, tip.rating, agent.customer_wrote, ...
    ticket_id: str | None
    recipient: str | None  # "customer" or an employee id
    state: str  # sending | sent | failed | suppressed | undeliverable
    attempts: int
    last_error: str | None
    failed_at: str | None
    next_attempt_at: str | None  # when the re-send schedule tries again (none: given up, or done)
    gave_up_at: str | None
    sent_at: str | None


class FailedOut(TypedDict):
    notifications: list[NotificationOut]


class PreferencesOut(TypedDict):
    email_notifications: bool
    locale: str


@route(
    "GET",
    "/notifications/failed",
    summary="Notifications whose send failed, latest first (managers)",
    tag=TAG,
    role="manager",
    query={"limit": LIMIT},
)
def failed_notifications(call: Call) -> FailedOut:
    limit = int(call.query.get("limit", 50))
    return {"notifications": [outbox.view(item) for item in outbox.failed_of(call.who.company_id, limit)]}


@route(
    "POST",
    "/notifications/failed/retry",
    summary="Send a failed notification again with the next re-send run (managers)",
    tag=TAG,
    role="manager",
    body=FailedMessage,
)
def retry_notification(call: Call) -> NotificationOut:
    return outbox.view(outbox.retry(call.who.company_id, call.body.message_key))


@route("GET", "/me/preferences", summary="Your notification preferences", tag=TAG)
def my_preferences(call: Call) -> PreferencesOut:
    return employees.preferences_view(employee_of(call.who))


@route(
    "PATCH",
    "/me/preferences",
    summary="E-mail me when a customer writes or a ticket is transferred to me; my e-mails' language",
    tag=TAG,
    body=employees.Preferences,
)
def change_preferences(call: Call) -> PreferencesOut:
    return employees.preferences_view(employees.update_preferences(call.who, call.body))
