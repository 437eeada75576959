"""Seed a demo company through the public API and print the tokens to try it with."""

from __future__ import annotations

from typing import Any

import requests


class SeedFailed(RuntimeError):
    pass


def _call(api: str, method: str, path: str, token: str | None = None, body: Any = None, expect: int = 200) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.request(method, f"{api}{path}", json=body, headers=headers, timeout=30)
    if response.status_code != expect:
        raise SeedFailed(f"{method} {path} answered {response.status_code}: {response.text[:300]}")
    return response.json() if response.content else None


def seed(api: str) -> dict[str, Any]:
    try:
        signup = _call(
            api,
            "POST",
            "/companies",
            body={
                "name": "Demo Desk",
                "manager_name": "Mia Manager",
                "manager_email": "mia@demo.test",
                "timezone": "Europe/Vilnius",
                "currency": "EUR",
            },
            expect=201,
        )
        manager = signup["token"]
        agents = {}
        for name, tier, departments in (("Ada", 1, []), ("Bea", 1, ["billing"]), ("Tom", 2, [])):
            created = _call(
                api,
                "POST",
                "/employees",
                manager,
                {"name": name, "email": f"{name.lower()}@demo.test", "tier": tier, "departments": departments},
                expect=201,
            )
            agents[name] = created["token"]
            _call(api, "PUT", "/me/status", created["token"], {"status": "online"})
        tickets = []
        for subject, email, department in (
            ("Printer prints blank pages", "ann@example.com", None),
            ("Invoice shows the wrong VAT", "bob@example.com", "billing"),
            ("VPN drops every hour", "cid@example.com", None),
        ):
            body = {
                "subject": subject,
                "body": f"Hello, {subject.lower()}.",
                "customer_name": email.split("@")[0],
                "customer_email": email,
                "channel": "web",
            }
            if department:
                body["department"] = department
            tickets.append(
                _call(api, "POST", f"/intake/{signup['company']['intake_key']}/tickets", body=body, expect=201)
            )
    except (SeedFailed, requests.RequestException) as error:
        print(f"demo seeding failed: {error}", flush=True)
        return {}
    print("\nDemo company seeded:", flush=True)
    print(f"  intake key   {signup['company']['intake_key']}")
    print(f"  manager      {manager}")
    for name, token in agents.items():
        print(f"  agent {name:6} {token}")
    for ticket in tickets:
        print(f"  customer page {ticket['customer_link']}")
    print(flush=True)
    return {"manager": manager, "agents": agents, "tickets": tickets}
