"""The HTTP API: the only part of chalicelib that knows Chalice."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Chalice

from chalicelib.api import badges, customer, karma, org, tickets, tips
from chalicelib.api.http import route
from chalicelib.api.openapi import document

meta = Blueprint(__name__)


@route(meta, "/openapi.json", "GET", summary="This document", tag="Meta", auth="public")
def openapi(call: Any) -> dict[str, Any]:
    return document()


def register(app: Chalice) -> None:
    for blueprint in (org.bp, tickets.bp, customer.bp, tips.bp, badges.bp, karma.bp, meta):
        app.register_blueprint(blueprint)
    from chalicelib.api.http import problem_middleware

    app.register_middleware(problem_middleware, "http")
