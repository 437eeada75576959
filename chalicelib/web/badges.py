"""The leaderboard as a page."""

from __future__ import annotations

from chalice import Response

from chalicelib.badges import leaderboard
from chalicelib.http.responses import HTML, html_response
from chalicelib.http.route import Call, route


# Bearer-token pages keep problem+json errors until staff sign in with a browser session.
@route(
    "GET",
    "/leaderboard/page",
    summary="The leaderboard as a page (HTML)",
    tag="Badges",
    produces=HTML,
    errors="problem",
    company=("staff",),
)
def leaderboard_page(call: Call) -> Response:
    return html_response(leaderboard.page(call.who))
