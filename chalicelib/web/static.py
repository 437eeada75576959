"""The staff pages' scripts, vendored (htmx from npm) or our own, served by the app with long cache
headers: their URLs carry a hash of their content (`chrome.asset`), so a new version is a new URL."""

from __future__ import annotations

from chalice import Response

from chalicelib.errors import NotFound
from chalicelib.http.route import Call, route
from chalicelib.web.chrome import STATIC

FILES = {"htmx.min.js": "text/javascript; charset=utf-8", "desk.js": "text/javascript; charset=utf-8"}


@route(
    "GET",
    "/static/{name}",
    summary="A script of the staff pages (htmx, the workspace's own)",
    tag="Staff pages",
    auth="public",
    produces="text/javascript",
    errors="page",
)
def static_file(call: Call, name: str) -> Response:
    if name not in FILES:
        raise NotFound("File")
    return Response(
        body=(STATIC / name).read_text(),
        status_code=200,
        headers={
            "Content-Type": FILES[name],
            "Cache-Control": "public, max-age=31536000, immutable",
            "X-Content-Type-Options": "nosniff",
        },
    )
