"""The whole local stack over real HTTP: API, moto (DynamoDB + streams), stream pump, scheduler."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.e2e
README = Path(__file__).resolve().parents[2] / "README.md"


def call(stack: Any, method: str, path: str, token: str | None = None, body: Any = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, f"{stack.api_url}{path}", json=body, headers=headers, timeout=30)


def timeline(stack: Any, token: str, ticket_id: str, until: str) -> list[str]:
    """Transitions recorded by the stream handler; waits for the pump to deliver them."""
    deadline = time.monotonic() + 30
    while True:
        stack.drain()
        events = call(stack, "GET", f"/tickets/{ticket_id}/timeline", token).json()["events"]
        names = [e["transition"] for e in events]
        if until in names or time.monotonic() > deadline:
            return names
        time.sleep(0.3)


def test_a_ticket_lives_its_whole_life_over_http_and_the_stream_handler_sees_it(local_stack: Any) -> None:
    signup = call(
        local_stack,
        "POST",
        "/companies",
        body={
            "name": "Acme",
            "manager_name": "Mia",
            "manager_email": "mia@acme.test",
            "timezone": "Europe/Vilnius",
            "currency": "EUR",
        },
    ).json()
    manager, intake = signup["token"], signup["company"]["intake_key"]
    agent = call(local_stack, "POST", "/employees", manager, {"name": "Ada", "email": "ada@acme.test"}).json()["token"]
    assert call(local_stack, "PUT", "/me/status", agent, {"status": "online"}).status_code == 200

    opened = call(
        local_stack,
        "POST",
        f"/intake/{intake}/tickets",
        body={
            "subject": "Printer is broken",
            "body": "Blank pages",
            "customer_name": "Ann",
            "customer_email": "ann@example.com",
            "channel": "chat",
        },
    )
    assert opened.status_code == 201
    link = opened.json()["link_token"]
    taken = call(local_stack, "POST", "/tickets/next", agent)
    assert taken.status_code == 200
    ticket_id = taken.json()["ticket_id"]
    assert call(local_stack, "POST", f"/tickets/{ticket_id}/messages", agent, {"body": "Try again"}).status_code == 201
    assert call(local_stack, "POST", f"/tickets/{ticket_id}/resolve", agent).json()["status"] == "resolved"
    confirmed = call(local_stack, "POST", f"/customer/tickets/{link}/confirm")
    assert confirmed.json()["status"] == "closed"

    names = timeline(local_stack, agent, ticket_id, until="closed")
    assert names == ["created", "taken", "first_reply", "resolved", "closed"]
    local_stack.drain()  # a second drain re-delivers nothing: the timeline stays the same
    assert timeline(local_stack, agent, ticket_id, until="closed") == names


def test_a_scheduled_job_fired_through_the_local_scheduler_flags_a_breach(local_stack: Any) -> None:
    signup = call(
        local_stack,
        "POST",
        "/companies",
        body={"name": "Late Co", "manager_name": "Mia", "manager_email": "mia@late.test"},
    ).json()
    opened = call(
        local_stack,
        "POST",
        f"/intake/{signup['company']['intake_key']}/tickets",
        body={"subject": "Nobody answers", "body": "Hello?", "customer_name": "Bo", "customer_email": "bo@example.com"},
    )
    ticket_id = opened.json()["ticket_id"]
    local_stack.fire("flag_sla_breaches", time="2099-01-01T00:00:00Z")
    view = call(local_stack, "GET", f"/tickets/{ticket_id}", signup["token"]).json()
    assert view["sla"]["flag"] == "breached"
    names = timeline(local_stack, signup["token"], ticket_id, until="sla_breached")
    assert "sla_breached" in names


def test_the_readme_tour_runs_as_printed(local_stack: Any) -> None:
    text = README.read_text()
    script = re.search(r"<!-- tour:start -->\s*```bash\n(.*?)```\s*<!-- tour:end -->", text, re.S)
    assert script, "README has no tour block"
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script.group(1)],
        capture_output=True,
        text=True,
        env={"API": local_stack.api_url, "CONTROL": local_stack.control_url, "PATH": os.environ["PATH"]},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "closed" in result.stdout and "first_reply" in result.stdout
    assert "How did we do? Printer is broken" in result.stdout  # the mailbox, newest first
    assert re.search(r"\] Printer is broken$", result.stdout, re.M)  # "we have received your request"
