from __future__ import annotations

from openapi_spec_validator import validate

import app
from tests.functional.conftest import Api


def test_the_openapi_document_lists_exactly_the_apps_routes_and_is_valid(api: Api) -> None:
    status, doc = api.call("GET", "/openapi.json", token="")
    assert status == 200
    validate(doc)
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    served = {(path, method) for path, methods in app.app.routes.items() for method in methods}
    assert documented == served


def test_request_schemas_in_the_document_are_the_ones_that_validate_bodies(api: Api) -> None:
    doc = api.call("GET", "/openapi.json", token="")[1]
    intake = doc["paths"]["/intake/{intake_key}/tickets"]["post"]
    ref = intake["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(schema["required"]) == {"subject", "body", "customer_name", "customer_email"}
    assert schema["additionalProperties"] is False
