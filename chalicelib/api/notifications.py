"""Routes around notifications: managers see the messages whose send failed (and may ask for another
round of attempts); each employee sets whether they get e-mail about their tickets."""

from __future__ import annotations

from typing import Any

from chalicelib import employees, outbox
from chalicelib.http.body import query_int
from chalicelib.http.route import Call, route
from chalicelib.validation import RequestBody

TAG = "Notifications"


class FailedMessage(RequestBody):
    message_key: str


@route(
    "GET",
    "/notifications/failed",
    summary="Notifications whose send failed, latest first (managers)",
    tag=TAG,
    role="manager",
    query={"limit": "1-100, default 50"},
)
def failed_notifications(call: Call) -> dict[str, Any]:
    limit = query_int(call.query, "limit", 50, 1, 100)
    return {"notifications": [outbox.view(item) for item in outbox.failed_of(call.who.company_id, limit)]}


@route(
    "POST",
    "/notifications/failed/retry",
    summary="Send a failed notification again with the next re-send run (managers)",
    tag=TAG,
    role="manager",
    body=FailedMessage,
)
def retry_notification(call: Call) -> dict[str, Any]:
    return outbox.view(outbox.retry(call.who.company_id, call.body.message_key))


@route("GET", "/me/preferences", summary="Your notification preferences", tag=TAG)
def my_preferences(call: Call) -> dict[str, Any]:
    return employees.preferences_view(employees.get(call.who.company_id, call.who.employee_id))


@route(
    "PATCH",
    "/me/preferences",
    summary="E-mail me when a customer writes or a ticket is transferred to me; my e-mails' language",
    tag=TAG,
    body=employees.Preferences,
)
def change_preferences(call: Call) -> dict[str, Any]:
    return employees.preferences_view(employees.update_preferences(call.who, call.body))
