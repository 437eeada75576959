"""Unknown paths: the Gateway Response of the deploy template and the page it serves."""

from __future__ import annotations

import re

import tests.conftest  # noqa: F401
from deploy.gateway_responses import BASE_PARAMETER, resources


def test_api_gateway_answers_a_missing_path_with_a_404_page_instead_of_missing_authentication_token() -> None:
    response = resources()["MissingPathPage"]
    assert response["Type"] == "AWS::ApiGateway::GatewayResponse"
    properties = response["Properties"]
    assert properties["ResponseType"] == "MISSING_AUTHENTICATION_TOKEN" and properties["StatusCode"] == "404"
    assert properties["RestApiId"] == {"Ref": "RestAPI"}
    parameters = properties["ResponseParameters"]
    assert parameters["gatewayresponse.header.Content-Type"] == "'text/html; charset=utf-8'"
    assert all(re.fullmatch(r"'[^']*'", value) for value in parameters.values())  # static values, one quote pair
    for template in properties["ResponseTemplates"].values():
        html = template["Fn::Sub"]
        assert "<h1>Page not found</h1>" in html and f'href="{BASE_PARAMETER}/"' in html
        # API Gateway's templates are Velocity: no reference or directive may hide in the page
        assert "#" not in html and html.replace(BASE_PARAMETER, "").count("$") == 0
        assert "<script" not in html
