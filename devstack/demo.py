"""`make demo`: a demo company with a month of work (devstack/demo_month.py, through the domain services on a
travelling clock) and today's few waiting tickets (through the public API); the tokens and a sign-in link
are printed."""

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


def seed(
    api: str,
    company_id: str | None = None,
    intake_key: str | None = None,
    manager: str | None = None,
    month_agents: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Today's few waiting tickets through the public API (and, without a seeded month, the company and
    three agents first)."""
    try:
        agents = dict(month_agents or {})
        if company_id is None or intake_key is None or manager is None:
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
            manager, intake_key = signup["token"], signup["company"]["intake_key"]
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
            tickets.append(_call(api, "POST", f"/intake/{intake_key}/tickets", body=body, expect=201))
    except (SeedFailed, requests.RequestException) as error:
        print(f"demo seeding failed: {error}", flush=True)
        return {}
    print("\nDemo company seeded:", flush=True)
    print(f"  intake key   {intake_key}")
    print(f"  manager      {manager}")
    for name, token in agents.items():
        print(f"  agent {name:6} {token}")
    for ticket in tickets:
        print(f"  customer page {ticket['customer_link']}")
    print(flush=True)
    return {"manager": manager, "agents": agents, "tickets": tickets}


# ---------------------------------------------------------------- a month of work (make demo; the control API)

MONTH_FIELDS = {"name", "manager_email", "timezone", "currency", "days", "per_weekday", "per_saturday", "per_sunday",
                "customers", "seed"}  # fmt: skip


def seed_month_in(stack: Any, payload: dict[str, Any]) -> dict[str, Any]:
    """Seed a company with a month of work inside the running stack (`POST /demo/month` on the control API):
    the domain services on a travelling clock, the stack's own pump delivering the streams, the sandbox
    verifying the tip accounts. Answers what a person or a test needs to sign in and check the figures."""
    import dataclasses
    import time as clock

    from chalicelib.signin import FIRST_MANAGER_LIFETIME, INVITATION, link_url, new_link
    from devstack.demo_month import Plan, sandbox_tips, seed_month
    from devstack.stack import BadRequest

    unknown = sorted(set(payload) - MONTH_FIELDS)
    if unknown:
        raise BadRequest(f"unknown fields {unknown}; expected {sorted(MONTH_FIELDS)}")
    plan_fields = {k: int(v) for k, v in payload.items() if k in {f.name for f in dataclasses.fields(Plan)}}

    def wait(check: Any) -> None:
        deadline = clock.monotonic() + 30
        while not check():
            if clock.monotonic() > deadline:
                raise RuntimeError("the partner sandbox did not verify the tip accounts in 30 s")
            clock.sleep(0.1)

    started = clock.monotonic()
    seeded = seed_month(
        name=str(payload.get("name", "Demo Desk")),
        manager_email=str(payload.get("manager_email", "mia@demo.test")).lower(),
        timezone=str(payload.get("timezone", "Europe/Vilnius")),
        currency=str(payload.get("currency", "EUR")),
        plan=Plan(**plan_fields),
        drain=lambda: stack.pump.drain(stop=stack.stop_event),
        enable_tips=sandbox_tips(wait),
    )
    from chalicelib.clock import utcnow
    from chalicelib.db.models import Employee

    manager = Employee.get(seeded.company_id, seeded.manager_id)
    signin = link_url(new_link(manager, INVITATION, "/manage/reports", FIRST_MANAGER_LIFETIME, utcnow()))
    return {
        **dataclasses.asdict(seeded),
        "first": seeded.first.isoformat(),
        "last": seeded.last.isoformat(),
        "signin_link": signin,
        "seconds": round(clock.monotonic() - started, 1),
    }
