"""API Gateway's own answer for a path no route serves: a 404 page for people instead of the REST API's
403 `{"message": "Missing Authentication Token"}` (which API Gateway sends before any Lambda runs)."""

from __future__ import annotations

from typing import Any

from chalicelib.http.responses import PAGE_HEADERS

BASE_PARAMETER = "${PublicBaseUrl}"  # substituted by CloudFormation (Fn::Sub)


def resources() -> dict[str, Any]:
    from chalicelib.web.not_found import not_found_html

    html = not_found_html(BASE_PARAMETER)
    # static header values sit in single quotes, so the page's CSP (quoted keywords) cannot be one; the page
    # has no script, and X-Frame-Options keeps it out of frames
    headers = {
        "Content-Type": PAGE_HEADERS["Content-Type"],
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }
    body = {"Fn::Sub": html}
    return {
        "MissingPathPage": {
            "Type": "AWS::ApiGateway::GatewayResponse",
            "Properties": {
                "RestApiId": {"Ref": "RestAPI"},
                "ResponseType": "MISSING_AUTHENTICATION_TOKEN",
                "StatusCode": "404",
                "ResponseParameters": {f"gatewayresponse.header.{k}": f"'{v}'" for k, v in headers.items()},
                # the template is chosen by the request's Accept header; people and scripts get the same page
                "ResponseTemplates": {"text/html": body, "application/json": body},
            },
        }
    }
