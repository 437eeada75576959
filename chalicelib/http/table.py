"""Every route of the app, as plain data: what app.py registers with Chalice at cold start.

Generated from the routes' declarations (`@route` in chalicelib/api and chalicelib/web) by
`make routes`; a test fails when it is out of date. Edit the declarations, not this table.
"""

from __future__ import annotations

from typing import NamedTuple


class RouteSpec(NamedTuple):
    method: str
    path: str
    module: str  # imported on the route's first request
    content_types: tuple[str, ...]


# fmt: off
ROUTES: tuple[RouteSpec, ...] = (
    RouteSpec("GET", "/account/sessions", "chalicelib.web.account", ("application/json",)),
    RouteSpec("POST", "/account/sessions/{session_id}/revoke", "chalicelib.web.account", ("application/x-www-form-urlencoded",)),
    RouteSpec("GET", "/activity/{day}", "chalicelib.api.tickets", ("application/json",)),
    RouteSpec("GET", "/badges/levels", "chalicelib.api.badges", ("application/json",)),
    RouteSpec("PUT", "/badges/levels", "chalicelib.api.badges", ("application/json",)),
    RouteSpec("GET", "/badges/rules", "chalicelib.api.badges", ("application/json",)),
    RouteSpec("PATCH", "/badges/rules", "chalicelib.api.badges", ("application/json",)),
    RouteSpec("POST", "/badges/rules", "chalicelib.api.badges", ("application/json",)),
    RouteSpec("POST", "/badges/runs", "chalicelib.api.badges", ("application/json",)),
    RouteSpec("GET", "/c/{link}", "chalicelib.web.customer", ("application/json",)),
    RouteSpec("GET", "/c/{link}/confirm", "chalicelib.web.customer", ("application/json",)),
    RouteSpec("POST", "/c/{link}/confirm", "chalicelib.web.customer", ("application/x-www-form-urlencoded",)),
    RouteSpec("POST", "/c/{link}/reply", "chalicelib.web.customer", ("application/x-www-form-urlencoded",)),
    RouteSpec("POST", "/companies", "chalicelib.api.org", ("application/json",)),
    RouteSpec("GET", "/company", "chalicelib.api.org", ("application/json",)),
    RouteSpec("PATCH", "/company/settings", "chalicelib.api.org", ("application/json",)),
    RouteSpec("GET", "/customer/tickets/{link}", "chalicelib.api.customer", ("application/json",)),
    RouteSpec("POST", "/customer/tickets/{link}/confirm", "chalicelib.api.customer", ("application/json", "text/plain", "application/x-www-form-urlencoded")),
    RouteSpec("POST", "/customer/tickets/{link}/messages", "chalicelib.api.customer", ("application/json",)),
    RouteSpec("POST", "/customers/erase", "chalicelib.api.karma", ("application/json",)),
    RouteSpec("POST", "/customers/export", "chalicelib.api.karma", ("application/json",)),
    RouteSpec("GET", "/employees", "chalicelib.api.org", ("application/json",)),
    RouteSpec("POST", "/employees", "chalicelib.api.org", ("application/json",)),
    RouteSpec("DELETE", "/employees/{employee_id}", "chalicelib.api.org", ("application/json",)),
    RouteSpec("GET", "/employees/{employee_id}", "chalicelib.api.org", ("application/json",)),
    RouteSpec("PATCH", "/employees/{employee_id}", "chalicelib.api.org", ("application/json",)),
    RouteSpec("GET", "/employees/{employee_id}/tokens", "chalicelib.api.org", ("application/json",)),
    RouteSpec("POST", "/employees/{employee_id}/tokens", "chalicelib.api.org", ("application/json", "text/plain")),
    RouteSpec("DELETE", "/employees/{employee_id}/tokens/{token_id}", "chalicelib.api.org", ("application/json",)),
    RouteSpec("GET", "/f/{intake_key}", "chalicelib.web.intake_form", ("application/json",)),
    RouteSpec("POST", "/f/{intake_key}", "chalicelib.web.intake_form", ("application/x-www-form-urlencoded",)),
    RouteSpec("GET", "/f/{intake_key}/requests", "chalicelib.web.portal", ("application/json",)),
    RouteSpec("POST", "/f/{intake_key}/requests", "chalicelib.web.portal", ("application/x-www-form-urlencoded",)),
    RouteSpec("GET", "/f/{intake_key}/requests/sent", "chalicelib.web.portal", ("application/json",)),
    RouteSpec("GET", "/f/{intake_key}/sent", "chalicelib.web.intake_form", ("application/json",)),
    RouteSpec("OPTIONS", "/intake/{intake_key}/tickets", "chalicelib.api.tickets", ("application/json", "text/plain")),
    RouteSpec("POST", "/intake/{intake_key}/tickets", "chalicelib.api.tickets", ("application/json",)),
    RouteSpec("GET", "/leaderboard", "chalicelib.api.badges", ("application/json",)),
    RouteSpec("GET", "/leaderboard/page", "chalicelib.web.badges", ("application/json",)),
    RouteSpec("GET", "/me", "chalicelib.api.org", ("application/json",)),
    RouteSpec("GET", "/me/preferences", "chalicelib.api.notifications", ("application/json",)),
    RouteSpec("PATCH", "/me/preferences", "chalicelib.api.notifications", ("application/json",)),
    RouteSpec("PUT", "/me/status", "chalicelib.api.org", ("application/json",)),
    RouteSpec("GET", "/my", "chalicelib.web.portal", ("application/json",)),
    RouteSpec("GET", "/my/{link}", "chalicelib.web.portal", ("application/json",)),
    RouteSpec("POST", "/my/{link}", "chalicelib.web.portal", ("application/x-www-form-urlencoded",)),
    RouteSpec("GET", "/notifications/failed", "chalicelib.api.notifications", ("application/json",)),
    RouteSpec("POST", "/notifications/failed/retry", "chalicelib.api.notifications", ("application/json",)),
    RouteSpec("GET", "/openapi.json", "chalicelib.api.openapi", ("application/json",)),
    RouteSpec("GET", "/rate/{link}", "chalicelib.web.tips", ("application/json",)),
    RouteSpec("POST", "/rate/{link}", "chalicelib.web.tips", ("application/x-www-form-urlencoded",)),
    RouteSpec("POST", "/rate/{link}/opened", "chalicelib.web.tips", ("application/json", "text/plain", "application/x-www-form-urlencoded")),
    RouteSpec("POST", "/signout", "chalicelib.web.account", ("application/x-www-form-urlencoded",)),
    RouteSpec("GET", "/tickets", "chalicelib.api.tickets", ("application/json",)),
    RouteSpec("POST", "/tickets/next", "chalicelib.api.tickets", ("application/json", "text/plain")),
    RouteSpec("GET", "/tickets/{ticket_id}", "chalicelib.api.tickets", ("application/json",)),
    RouteSpec("POST", "/tickets/{ticket_id}/calls", "chalicelib.api.tickets", ("application/json",)),
    RouteSpec("GET", "/tickets/{ticket_id}/customer-karma", "chalicelib.api.karma", ("application/json",)),
    RouteSpec("PATCH", "/tickets/{ticket_id}/customer-rating", "chalicelib.api.karma", ("application/json",)),
    RouteSpec("POST", "/tickets/{ticket_id}/customer-rating", "chalicelib.api.karma", ("application/json",)),
    RouteSpec("GET", "/tickets/{ticket_id}/customer-ratings", "chalicelib.api.karma", ("application/json",)),
    RouteSpec("POST", "/tickets/{ticket_id}/customer-ratings/{employee_id}/void", "chalicelib.api.karma", ("application/json", "text/plain")),
    RouteSpec("GET", "/tickets/{ticket_id}/messages", "chalicelib.api.tickets", ("application/json",)),
    RouteSpec("POST", "/tickets/{ticket_id}/messages", "chalicelib.api.tickets", ("application/json",)),
    RouteSpec("POST", "/tickets/{ticket_id}/resolve", "chalicelib.api.tickets", ("application/json", "text/plain")),
    RouteSpec("POST", "/tickets/{ticket_id}/tags", "chalicelib.api.tickets", ("application/json",)),
    RouteSpec("GET", "/tickets/{ticket_id}/timeline", "chalicelib.api.tickets", ("application/json",)),
    RouteSpec("POST", "/tickets/{ticket_id}/transfer", "chalicelib.api.tickets", ("application/json",)),
    RouteSpec("GET", "/tip/{link}", "chalicelib.web.tips", ("application/json",)),
    RouteSpec("GET", "/tips", "chalicelib.api.tips", ("application/json",)),
    RouteSpec("POST", "/tips/company/opt-in", "chalicelib.api.tips", ("application/json", "text/plain", "application/x-www-form-urlencoded")),
    RouteSpec("POST", "/tips/company/opt-out", "chalicelib.api.tips", ("application/json", "text/plain", "application/x-www-form-urlencoded")),
    RouteSpec("GET", "/tips/dashboard", "chalicelib.web.tips", ("application/json",)),
    RouteSpec("POST", "/tips/employees/{employee_id}/opt-in", "chalicelib.api.tips", ("application/json", "text/plain", "application/x-www-form-urlencoded")),
    RouteSpec("POST", "/tips/employees/{employee_id}/opt-out", "chalicelib.api.tips", ("application/json", "text/plain", "application/x-www-form-urlencoded")),
    RouteSpec("GET", "/tips/export.csv", "chalicelib.api.tips", ("application/json",)),
    RouteSpec("POST", "/tips/ratings/{ticket_id}/void", "chalicelib.api.tips", ("application/json", "text/plain", "application/x-www-form-urlencoded")),
    RouteSpec("GET", "/tips/status", "chalicelib.api.tips", ("application/json",)),
    RouteSpec("GET", "/tips/summary", "chalicelib.api.tips", ("application/json",)),
    RouteSpec("POST", "/tips/webhooks/partner", "chalicelib.api.tips", ("application/json",)),
)
# fmt: on
