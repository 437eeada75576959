"""Registering the route table with Chalice at cold start; each view module is imported on first use.

Chalice must know every route when app.py loads (API Gateway's resources are generated from them), but
a Lambda container serves a handful of routes in its life. So app.py registers the light table in
`chalicelib.http.table` (method, path, module, content types: plain strings), and a route's module,
with its schemas, domain code, PynamoDB models and pydantic, is imported when the route is first
called. Flask documents the same pattern as "lazily loading views".
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable

from chalice import Chalice, Response

from chalicelib.http.responses import problem_middleware
from chalicelib.http.table import ROUTES, RouteSpec


def view_name(method: str, path: str) -> str:
    return f"{method.lower()}_{re.sub(r'[^a-z0-9]+', '_', path.lower()).strip('_') or 'root'}"


def _lazy_view(app: Chalice, spec: RouteSpec) -> Callable[..., Response]:
    def view(**path_params: str) -> Response:
        importlib.import_module(spec.module)
        from chalicelib.http.route import endpoint_for

        request = app.current_request
        assert request is not None  # Chalice sets it before calling a view
        return endpoint_for(spec.method, spec.path).handle(request, path_params)

    view.__name__ = view_name(spec.method, spec.path)
    return view


def register(app: Chalice, routes: tuple[RouteSpec, ...] = ROUTES) -> None:
    for spec in routes:
        view = _lazy_view(app, spec)
        app.route(spec.path, methods=[spec.method], content_types=list(spec.content_types), name=view.__name__)(view)
    app.register_middleware(problem_middleware, "http")
