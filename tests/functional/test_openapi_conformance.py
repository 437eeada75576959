"""Schemathesis against the app's own OpenAPI document, over real HTTP (Chalice's local server, the one
`chalice local` runs, in a thread), with a manager's and an agent's credentials: no 5xx, and every
response's status code, content type and JSON body as the document says (issue 12).

Path parameters are real ids of the caller's company (a ticket, a customer link, an employee and token
that are neither caller's own, so deletions never lock the test out); foreign and random ids are walked by
tests/functional/test_tenancy_and_bad_input.py. Examples are few and derandomized: a bounded, repeatable run.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.functional.conftest import Company

PROJECT = Path(__file__).resolve().parents[2]
EXAMPLES = 4
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def base_url(moto_server: None) -> Iterator[str]:
    from chalice.cli.factory import CLIFactory
    from chalice.local import LocalDevServer

    import app

    config = CLIFactory(str(PROJECT), environ=dict(os.environ)).create_config_obj(chalice_stage_name="local")
    config._user_provided_params["chalice_app"] = app.app
    server = LocalDevServer(app.app, config, "127.0.0.1", 0)  # any free port: no race with other processes
    port = server.server.server_address[1]
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.server.shutdown()
    server.server.server_close()


def _real_values(company: Company) -> dict[str, str]:
    agent = company.add_agent("Ada")
    company.add_agent("Zed")  # deleted, re-tokened and revoked by the run: never a caller
    opened = company.open_ticket()
    agent.call("POST", "/tickets/next")
    tokens = company.manager.call("GET", f"/employees/{company.agent_ids['Zed']}/tokens")[1]["tokens"]
    return {
        "ticket_id": opened["ticket_id"],
        "link": opened["link_token"],
        "employee_id": company.agent_ids["Zed"],
        "token_id": tokens[0]["token_id"],
        "intake_key": company.intake_key,
        "day": "2026-11-20",
        "address": "not-theirs@acme.example",
        "session_id": "ses_0000000000000000",
    }


def test_every_route_answers_as_its_document_says_for_a_manager_and_an_agent(company: Company, base_url: str) -> None:
    from chalicelib.api.openapi import document

    values = _real_values(company)
    callers = {"manager": company.manager.token, "agent": company.agents["Ada"].token}
    schema = schemathesis.openapi.from_dict(document())
    session = requests.Session()
    failures: dict[str, str] = {}
    tested = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            for name in list(case.path_parameters or {}):
                if name in values:  # others (sign-in tokens, canned reply ids, file names) stay generated
                    case.path_parameters[name] = values[name]
            for token in callers.values():
                headers = {"Authorization": f"Bearer {token}"}
                response = case.call(
                    base_url=base_url, session=session, headers=headers, timeout=30, allow_redirects=False
                )
                case.validate_response(response, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as error:  # one report naming every non-conforming route
            failures[label] = f"{type(error).__name__}: {str(error)[:1500]}"
        tested += 1
    assert tested >= 60
    assert not failures, "\n\n".join(f"{label}\n{text}" for label, text in sorted(failures.items()))
