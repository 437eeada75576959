"""Pages for people: customers (from their e-mails), agents and managers (in a browser). Their own face
over the same domain services as the JSON API (chalicelib/api), declared with the same `@route`:
errors become friendly pages in the reader's language, forms post back and redirect."""

from collections.abc import Callable
from typing import Any

from chalicelib.http.responses import HTML
from chalicelib.http.route import route

MANAGER_TAG = "Manager pages"
FORM = ["application/x-www-form-urlencoded"]


def manager_page(method: str, path: str, *, summary: str, **options: Any) -> Callable[[Callable[..., Any]], Any]:
    """`route()` for the manager's console: a signed-in manager, HTML with friendly error pages, and a form body
    on a POST; `options` add to or override those (query parameters, company parts, another content type)."""
    declared: dict[str, Any] = {"tag": MANAGER_TAG, "auth": "session", "role": "manager", "produces": HTML}
    if method == "POST":
        declared["content_types"] = FORM
    return route(method, path, summary=summary, **{**declared, **options})
