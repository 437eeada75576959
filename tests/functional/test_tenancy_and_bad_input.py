"""Every route, tried from another company and with bad input: 4xx problem details, nothing changed."""

from __future__ import annotations

import json
from typing import Any

import pytest

import app  # noqa: F401  (registers every route)
from tests.functional.conftest import Api, Company
from tests.functional.routes import body_for, endpoints, fill, route_id


def snapshot(company: Company, ticket_id: str) -> dict[str, Any]:
    """Everything company A owns that a foreign request could touch."""
    manager = company.manager
    return {
        "ticket": manager.call("GET", f"/tickets/{ticket_id}")[1],
        "messages": manager.call("GET", f"/tickets/{ticket_id}/messages")[1],
        "employees": manager.call("GET", "/employees")[1],
        "company": manager.call("GET", "/company")[1],
        "tickets": manager.call("GET", "/tickets")[1],
        "tokens": manager.call("GET", f"/employees/{company.agent_ids['Ada']}/tokens")[1],
        "canned": manager.call("GET", "/canned-replies")[1],
    }


@pytest.fixture
def victim(company: Company) -> tuple[Company, dict[str, str]]:
    agent = company.add_agent("Ada")
    opened = company.open_ticket()
    agent.call("POST", "/tickets/next")
    tokens = company.manager.call("GET", f"/employees/{company.agent_ids['Ada']}/tokens")[1]["tokens"]
    canned = company.manager.call("POST", "/canned-replies", {"title": "Greeting", "body": "Hello"})[1]
    values = {
        "canned_id": canned["canned_id"],
        "ticket_id": opened["ticket_id"],
        "employee_id": company.agent_ids["Ada"],
        "token_id": tokens[0]["token_id"],
        "link": opened["link_token"],
        "intake_key": company.intake_key,
        "day": "2026-11-20",
        "address": "not-theirs@acme.example",
    }
    return company, values


def test_every_employee_route_from_another_company_is_refused_or_sees_only_its_own_data(
    victim: tuple[Company, dict[str, str]], other_company: Company
) -> None:
    company, values = victim
    intruder = other_company.add_agent("Mallory", role="manager")
    before = snapshot(company, values["ticket_id"])
    foreign_ids = {
        values["ticket_id"],
        values["employee_id"],
        values["token_id"],
        company.company_id,
        values["canned_id"],
    }
    for endpoint in endpoints("bearer"):
        path = fill(endpoint.path, values)
        status, body = intruder.call(endpoint.method, path, body_for(endpoint))
        label = route_id(endpoint)
        assert status < 500, label
        if "{" in endpoint.path and endpoint.path != "/activity/{day}":
            assert status in (403, 404), f"{label} answered {status}"
            assert intruder.last_headers["Content-Type"] == "application/problem+json", label
        text = json.dumps(body)
        leaked = [i for i in foreign_ids if i in text]
        assert not leaked, f"{label} leaked {leaked}"
    assert snapshot(company, values["ticket_id"]) == before


def test_every_route_needing_a_token_refuses_a_missing_or_revoked_one(
    victim: tuple[Company, dict[str, str]], api: Api
) -> None:
    _company, values = victim
    for endpoint in endpoints("bearer"):
        for token in ("", "sdk_not-a-real-token"):
            status, body = api.call(endpoint.method, fill(endpoint.path, values), body_for(endpoint), token=token)
            assert status == 401, route_id(endpoint)
            assert body["status"] == 401 and body["type"].startswith("/problems/")
            assert api.last_headers["Content-Type"] == "application/problem+json"


def test_every_route_with_a_body_refuses_malformed_json_and_invalid_fields_without_echoing_them(
    victim: tuple[Company, dict[str, str]],
) -> None:
    company, values = victim
    before = snapshot(company, values["ticket_id"])
    secret_marker = "<script>MARKER-7731</script>"
    for endpoint in [e for e in endpoints("bearer", "public", "link") if e.body is not None]:
        path = fill(endpoint.path, values)
        label = route_id(endpoint)
        status, body = company.manager.call(endpoint.method, path, raw="{not json")
        assert status == 400, f"{label}: {status} {body}"
        assert body["type"] == "/problems/malformed-request"
        wrong = {key: {"nested": secret_marker} for key in body_for(endpoint) or {}}
        wrong["unexpected_field"] = secret_marker
        status, body = company.manager.call(endpoint.method, path, wrong)
        assert status == 422, f"{label}: {status} {body}"
        assert body["errors"] and all({"field", "message", "code"} <= set(e) for e in body["errors"])
        assert "MARKER-7731" not in json.dumps(body), label
    assert snapshot(company, values["ticket_id"]) == before


def test_a_tampered_customer_link_is_refused_on_every_link_route(victim: tuple[Company, dict[str, str]]) -> None:
    company, values = victim
    link = values["link"]
    tampered = link[:-3] + ("xyz" if not link.endswith("xyz") else "abc")
    for endpoint in endpoints("link"):
        is_form = endpoint.produces == "text/html" and endpoint.method == "POST"
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if is_form else None
        raw = "body=hello" if is_form else None
        status, body = company.api.call(
            endpoint.method,
            fill(endpoint.path, {"link": tampered}),
            body_for(endpoint),
            token="",
            headers=headers,
            raw=raw,
        )
        assert status == 403, route_id(endpoint)
        if endpoint.produces == "text/html":
            assert company.api.last_headers["Content-Type"].startswith("text/html")
            assert "This link cannot be used" in body and company.api.last_headers["Referrer-Policy"] == "no-referrer"
        else:
            assert body["type"] == "/problems/link-invalid"


def test_unknown_ids_and_methods_answer_problem_details(company: Company) -> None:
    status, body = company.manager.call("GET", "/tickets/tkt_00000000000000000000000000000000")
    assert status == 404 and body["type"] == "/problems/not-found"
    status, body = company.manager.call("DELETE", "/tickets/next")
    assert status == 405 and body["type"] == "/problems/method-not-allowed"
    status, body = company.manager.call("POST", "/company/settings", {"sla_target_minutes": 5})
    assert status == 405
    status, body = company.manager.call(
        "PATCH", "/company/settings", {"sla_target_minutes": 5}, headers={"Content-Type": "text/xml"}
    )
    assert status == 415 and body["type"] == "/problems/unsupported-media-type"


def test_agents_cannot_do_what_only_managers_may(company: Company) -> None:
    agent = company.add_agent("Ada")
    for method, path, body in (
        ("POST", "/employees", {"name": "Eve", "email": "eve@example.com"}),
        ("PATCH", "/company/settings", {"sla_target_minutes": 30}),
        ("DELETE", f"/employees/{company.manager_id}", None),
    ):
        status, problem = agent.call(method, path, body)
        assert status == 403, (method, path)
        assert problem["type"] == "/problems/forbidden"
    assert len(company.manager.call("GET", "/employees")[1]["employees"]) == 2


def test_every_route_with_a_body_refuses_deep_nesting_and_oversized_bodies_with_problem_details(
    victim: tuple[Company, dict[str, str]],
) -> None:
    company, values = victim
    before = snapshot(company, values["ticket_id"])
    deep = "[" * 1000 + "]" * 1000
    huge = '{"body": "' + "x" * 300_000 + '"}'
    for endpoint in [e for e in endpoints("bearer", "public", "link") if e.body is not None]:
        path = fill(endpoint.path, values)
        label = route_id(endpoint)
        status, body = company.manager.call(endpoint.method, path, raw=deep)
        assert status == 400 and body["type"] == "/problems/malformed-request", f"{label}: {status} {body}"
        status, body = company.manager.call(endpoint.method, path, raw=huge)
        assert status == 413 and body["type"] == "/problems/payload-too-large", f"{label}: {status} {body}"
    assert snapshot(company, values["ticket_id"]) == before
