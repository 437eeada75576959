"""One rule for null in every PATCH, strict types in every body, and no control characters where text ends up
in mail headers: each refused with field errors and nothing stored (issue 12, items 4 and 5)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional.conftest import Company

PATCHES: list[tuple[str, str, dict[str, Any]]] = [
    ("PATCH", "/employees/{agent}", {"name": "Ada", "role": "agent", "tier": 1, "departments": []}),
    (
        "PATCH",
        "/company/settings",
        {"sla_target_minutes": 60, "sla_limit_minutes": 600, "karma_calm_min": 3.5, "auto_close_days": 3},
    ),
    ("PATCH", "/badges/rules", {"key": "coffee", "name": "Espresso", "window": "7d", "points": 5, "min_value": 1}),
]


def _state(company: Company) -> Any:
    return (
        company.manager.call("GET", "/employees")[1],
        company.manager.call("GET", "/company")[1],
        company.manager.call("GET", "/badges/rules")[1],
    )


@pytest.mark.parametrize(("method", "path", "fields"), PATCHES, ids=[p[1] for p in PATCHES])
def test_a_null_for_a_field_that_needs_a_value_is_a_field_error_and_stores_nothing(
    company: Company, method: str, path: str, fields: dict[str, Any]
) -> None:
    company.add_agent("Ada")
    path = path.replace("{agent}", company.agent_ids["Ada"])
    before = _state(company)
    for name in fields:
        if name == "key":
            continue
        body = {"key": "coffee", name: None} if "key" in fields else {name: None}
        status, problem = company.manager.call(method, path, body)
        assert status == 422, f"{name}: {status} {problem}"
        assert {"field": name, "message": "may not be null", "code": "null_not_allowed"} in problem["errors"]
    assert _state(company) == before


def test_the_badge_job_still_runs_after_nulls_were_refused(company: Company) -> None:
    company.add_agent("Ada")
    for name in ("name", "window", "points", "min_value", "enabled"):
        assert company.manager.call("PATCH", "/badges/rules", {"key": "coffee", name: None})[0] == 422
    status, body = company.manager.call("POST", "/badges/runs", {"date": "2026-11-19"})
    assert status == 200, body


def test_a_patch_with_nothing_to_change_is_refused(company: Company) -> None:
    company.add_agent("Ada")
    for path, body in (("/company/settings", {}), ("/badges/rules", {"key": "coffee"})):
        status, problem = company.manager.call("PATCH", path, body)
        assert status == 422 and problem["errors"][0]["code"] == "no_change", problem


def test_null_clears_a_field_where_clearing_makes_sense(company: Company) -> None:
    agent = company.add_agent("Ada")
    ticket_id = company.open_ticket()["ticket_id"]
    agent.call("POST", "/tickets/next")
    agent.call("POST", f"/tickets/{ticket_id}/resolve")
    rating = {"literacy": 4, "temperament": 5, "note": "Knew the model number"}
    assert agent.call("POST", f"/tickets/{ticket_id}/customer-rating", rating)[0] == 201
    status, body = agent.call("PATCH", f"/tickets/{ticket_id}/customer-rating", {"note": None})
    assert status == 200 and body["note"] is None and body["literacy"] == 4
    status, problem = agent.call("PATCH", f"/tickets/{ticket_id}/customer-rating", {"literacy": None})
    assert status == 422 and problem["errors"][0]["field"] == "literacy"


@pytest.mark.parametrize("duration", ["30", True, 30.5, None, [30]])
def test_numbers_are_never_taken_from_strings_booleans_or_fractions(company: Company, duration: Any) -> None:
    agent = company.add_agent("Ada")
    ticket_id = company.open_ticket()["ticket_id"]
    agent.call("POST", "/tickets/next")
    status, problem = agent.call("POST", f"/tickets/{ticket_id}/calls", {"duration_seconds": duration})
    assert status == 422 and problem["errors"][0]["field"] == "duration_seconds", problem
    assert agent.call("POST", f"/tickets/{ticket_id}/calls", {"duration_seconds": 30})[0] == 201
    assert agent.call("POST", f"/tickets/{ticket_id}/calls", {"duration_seconds": 30.0})[0] == 201  # JSON Schema


def test_settings_and_booleans_are_strict_too(company: Company) -> None:
    for body in ({"sla_target_minutes": "60"}, {"auto_close_days": True}):
        assert company.manager.call("PATCH", "/company/settings", body)[0] == 422
    assert company.manager.call("PATCH", "/badges/rules", {"key": "coffee", "enabled": "false"})[0] == 422
    status, body = company.manager.call("POST", "/badges/runs", {"date": "2026-11-19"})
    assert status == 200, body  # dates still come from JSON strings


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subject", "Printer\r\nBcc: victim@example.com"),
        ("subject", "Tab\tin subject"),
        ("customer_name", "Ann\nSmith"),
        ("customer_name", "Ann\x00"),
        ("body", "NUL \x00 inside"),
        ("body", "escape \x1b[31m red"),
    ],
)
def test_control_characters_are_refused_where_they_do_not_belong(company: Company, field: str, value: str) -> None:
    payload = {"subject": "Help", "body": "Please", "customer_name": "Ann", "customer_email": "ann@example.com"}
    status, problem = company.api.call("POST", f"/intake/{company.intake_key}/tickets", {**payload, field: value})
    assert status == 422 and problem["errors"][0]["field"] == field, problem
    assert problem["errors"][0]["code"] == "control_characters"
    assert company.manager.call("GET", "/tickets")[1]["tickets"] == []


def test_a_message_keeps_its_line_breaks_and_tabs(company: Company) -> None:
    body = "Line one\nLine two\r\n\tindented"
    opened = company.open_ticket(body=body)
    thread = company.manager.call("GET", f"/tickets/{opened['ticket_id']}/messages")[1]["messages"]
    assert thread[0]["body"] == body


def test_the_openapi_document_says_which_fields_take_null_and_that_a_patch_needs_a_field(company: Company) -> None:
    schemas = company.api.call("GET", "/openapi.json", token="")[1]["components"]["schemas"]
    settings = schemas["SettingsPatch"]
    assert settings["minProperties"] == 1
    assert settings["properties"]["sla_target_minutes"]["type"] == "integer"
    correction = schemas["CustomerRatingCorrection"]
    assert {"type": "null"} in correction["properties"]["note"]["anyOf"]
    assert "anyOf" not in correction["properties"]["literacy"]
    assert schemas["BadgePatch"]["minProperties"] == 2
