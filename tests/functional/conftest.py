"""Functional tests: the real app through chalice.test.Client, against moto's server over HTTP.

Each test signs up its own company, so tests are isolated by the same tenancy rules the product
enforces, and one moto server with one set of tables serves the whole session.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from chalice.test import Client

from devstack.moto import MotoServer
from devstack.pump import StreamPump, Subscription
from tests.conftest import MOTO_PORT, MOTO_URL


@pytest.fixture(scope="session")
def moto_server() -> Iterator[None]:
    server = MotoServer("127.0.0.1", MOTO_PORT).start()  # the local stack's: one request at a time
    from chalicelib.db.catalog import create_missing_tables

    create_missing_tables()
    yield
    server.stop()


@pytest.fixture(scope="session")
def client(moto_server: None) -> Iterator[Client]:
    import app

    with Client(app.app, stage_name="local") as test_client:
        yield test_client


@dataclass
class Api:
    """A thin HTTP helper: JSON in, (status, parsed body) out."""

    client: Client
    token: str | None = None
    last_headers: dict[str, str] = field(default_factory=dict)

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        raw: str | None = None,
    ) -> tuple[int, Any]:
        sent = {"Content-Type": "application/json"}
        bearer = token if token is not None else self.token
        if bearer:
            sent["Authorization"] = f"Bearer {bearer}"
        sent.update(headers or {})
        payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
        response = getattr(self.client.http, method.lower())(path, headers=sent, body=payload)
        self.last_headers = dict(response.headers)
        text = response.body.decode() if isinstance(response.body, bytes) else response.body
        try:
            return response.status_code, json.loads(text) if text else None
        except ValueError:
            return response.status_code, text

    def as_(self, token: str) -> Api:
        return Api(self.client, token)


@pytest.fixture
def api(client: Client) -> Api:
    return Api(client)


@dataclass
class Company:
    api: Api
    company_id: str
    intake_key: str
    manager: Api
    manager_id: str
    agents: dict[str, Api] = field(default_factory=dict)
    agent_ids: dict[str, str] = field(default_factory=dict)

    def add_agent(
        self, name: str, tier: int = 1, departments: list[str] | None = None, online: bool = True, role: str = "agent"
    ) -> Api:
        status, body = self.manager.call(
            "POST",
            "/employees",
            {
                "name": name,
                "email": agent_address(name),
                "role": role,
                "tier": tier,
                "departments": departments or [],
            },
        )
        assert status == 201, body
        agent = self.api.as_(body["token"])
        self.agents[name] = agent
        self.agent_ids[name] = body["employee"]["employee_id"]
        if online:
            assert agent.call("PUT", "/me/status", {"status": "online"})[0] == 200
        return agent

    def open_ticket(self, subject: str = "Printer is broken", email: str = "ann@example.com", **extra: Any) -> dict:
        payload = {
            "subject": subject,
            "body": "It prints blank pages.",
            "customer_name": "Ann",
            "customer_email": email,
            "channel": "web",
            **extra,
        }
        status, body = self.api.call("POST", f"/intake/{self.intake_key}/tickets", payload, token="")
        assert status == 201, body
        return body


def agent_address(name: str) -> str:
    """`ada@example.com`; a name in another script gets an ASCII local part (SES takes no other)."""
    return f"{name.lower()}@example.com" if name.isascii() else f"agent-{name.encode().hex()[:16]}@example.com"


def sign_up(api: Api, name: str = "Acme") -> Company:
    status, body = api.call(
        "POST",
        "/companies",
        {
            "name": name,
            "manager_name": "Mia",
            "manager_email": "mia@acme.test",
            "timezone": "Europe/Vilnius",
            "currency": "EUR",
        },
    )
    assert status == 201, body
    return Company(
        api,
        body["company"]["company_id"],
        body["company"]["intake_key"],
        api.as_(body["token"]),
        body["manager"]["employee_id"],
    )


@pytest.fixture
def company(api: Api) -> Company:
    return sign_up(api)


@pytest.fixture
def other_company(api: Api) -> Company:
    return sign_up(api, "Globex")


# The tickets stream delivered to `on_ticket_change` (as Lambda invokes it) on demand, for page tests that
# read what the stream writes (search index, pulse, timeline). Starts at the stream's end.
@pytest.fixture(scope="session")
def ticket_stream(client: Client) -> Iterator[StreamPump]:
    from chalicelib.db.models import Ticket

    def invoke(event: dict[str, Any], _context: Any) -> Any:
        return client.lambda_.invoke("on_ticket_change", event).payload

    pump = StreamPump(
        [Subscription("on_ticket_change", invoke, Ticket.Meta.table_name, 100, "LATEST")],
        boto3.client("dynamodb", endpoint_url=MOTO_URL),
        boto3.client("dynamodbstreams", endpoint_url=MOTO_URL),
        "us-east-1",
        backoff_seconds=0.05,
    )
    pump.pump_once()  # positions the pump at the end of what earlier tests wrote
    yield pump
