"""Karma through the whole local stack: a rating over HTTP, the ratings table's stream delivered by the
pump to `update_karma`, the karma seen by the next intake's routing."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.e2e


def call(stack: Any, method: str, path: str, token: str | None = None, body: Any = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, f"{stack.api_url}{path}", json=body, headers=headers, timeout=30)


def test_ratings_given_over_http_become_karma_through_the_stream_and_route_the_next_ticket(local_stack: Any) -> None:
    signup = call(
        local_stack, "POST", "/companies", body={"name": "Karma Co", "manager_name": "Mia", "manager_email": "m@k.test"}
    ).json()
    manager, intake = signup["token"], signup["company"]["intake_key"]
    ada = call(local_stack, "POST", "/employees", manager, {"name": "Ada", "email": "ada@k.test"}).json()["token"]
    assert call(local_stack, "PUT", "/me/status", ada, {"status": "online"}).status_code == 200
    customer = {"customer_name": "Kai", "customer_email": "kai@example.com", "body": "Details inside"}
    for n, subject in enumerate(("MTU mismatch on tunnel", "IPv6 prefix delegation", "DNSSEC validation fails")):
        opened = call(local_stack, "POST", f"/intake/{intake}/tickets", body={**customer, "subject": subject})
        ticket_id = opened.json()["ticket_id"]
        assert call(local_stack, "POST", "/tickets/next", ada).json()["ticket_id"] == ticket_id
        assert call(local_stack, "POST", f"/tickets/{ticket_id}/resolve", ada).status_code == 200
        rated = call(
            local_stack, "POST", f"/tickets/{ticket_id}/customer-rating", ada, {"literacy": 5, "temperament": 4}
        )
        assert rated.status_code == 201, rated.text
        deadline = time.monotonic() + 30
        while True:
            local_stack.drain()
            karma = call(local_stack, "GET", f"/tickets/{ticket_id}/customer-karma", manager).json()
            if karma["ratings"] == n + 1 or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert karma["ratings"] == n + 1
    assert karma["literate"] is True
    tess = call(local_stack, "POST", "/employees", manager, {"name": "Tess", "email": "t@k.test", "tier": 2}).json()
    assert call(local_stack, "PUT", "/me/status", tess["token"], {"status": "online"}).status_code == 200
    opened = call(local_stack, "POST", f"/intake/{intake}/tickets", body={**customer, "subject": "BGP route leak"})
    assert opened.json()["first_line_skipped"] is True
    assert call(local_stack, "POST", "/tickets/next", tess["token"]).json()["routing_reason"] == "skip_first_line"
