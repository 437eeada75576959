from __future__ import annotations

import json

import pytest
from chalice import Response

import tests.conftest  # noqa: F401
from chalicelib.errors import ValidationFailed
from chalicelib.http.body import query_int
from chalicelib.http.responses import problem_middleware


def test_chalice_internal_errors_become_problem_details_without_internals() -> None:
    def crash(_event: object) -> Response:
        return Response(body={"Code": "InternalServerError", "Message": "Traceback: secret stuff"}, status_code=500)

    response = problem_middleware(None, crash)
    body = json.loads(response.body)
    assert response.status_code == 500 and response.headers["Content-Type"] == "application/problem+json"
    assert body == {
        "type": "/problems/internal-error",
        "title": "Internal server error",
        "status": 500,
        "detail": "An internal error occurred.",
    }


def test_chalice_method_errors_keep_their_allow_header() -> None:
    def not_allowed(_event: object) -> Response:
        return Response(
            body={"Code": "MethodNotAllowedError", "Message": "Unsupported method: PUT"},
            status_code=405,
            headers={"Allow": "GET, POST"},
        )

    response = problem_middleware(None, not_allowed)
    assert response.status_code == 405 and response.headers["Allow"] == "GET, POST"
    assert json.loads(response.body)["type"] == "/problems/method-not-allowed"


def test_successful_and_already_shaped_responses_pass_through() -> None:
    ok = Response(body={"ok": True}, status_code=200)
    assert problem_middleware(None, lambda _e: ok) is ok


@pytest.mark.parametrize("raw", ["0", "101", "-1", "1e3", "abc", "9999999"])
def test_query_numbers_out_of_range_or_malformed_are_refused(raw: str) -> None:
    with pytest.raises(ValidationFailed):
        query_int({"limit": raw}, "limit", 50, 1, 100)


def test_query_numbers_default_when_absent_and_parse_when_valid() -> None:
    assert query_int({}, "limit", 50, 1, 100) == 50
    assert query_int({"limit": "7"}, "limit", 50, 1, 100) == 7
