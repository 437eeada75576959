"""The local stack answers a path no route serves as API Gateway does once deployed (deploy/
gateway_responses.py): a 404 page, instead of Chalice's local 403 "Missing Authentication Token"."""

from __future__ import annotations

import os
from typing import Any

from chalice.local import ChaliceRequestHandler, ForbiddenError, LocalGatewayException


class NotFoundPage(ChaliceRequestHandler):
    def _send_error_response(self, error: LocalGatewayException) -> None:
        if isinstance(error, ForbiddenError) and b"Missing Authentication Token" in (error.body or b""):
            from chalicelib.web.not_found import not_found_html

            body = not_found_html(os.environ.get("PUBLIC_BASE_URL", "")).encode()
            headers: dict[str, Any] = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}
            self._send_http_response(404, headers, body)
            return
        super()._send_error_response(error)
