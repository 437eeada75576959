"""The whole tips flow through the local stack over real HTTP: sign-up and opt-in, the partner sandbox
verifying and linking by signed webhooks, a ticket closed on confirmation, the stream pump delivering
it to the tip-email handler, one e-mail in moto's SES outbox, the rating page, rating, the tip click,
the sandbox paying, and the manager's analytics. Needs the devstack's `local_stack` fixture with the
partner sandbox wired in (`partner_url`); skipped until then."""

from __future__ import annotations

import email
import email.policy
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

pytestmark = pytest.mark.e2e
LINK = re.compile(r"https?://[^/\s\"]+(/(rate|tip)/[A-Za-z0-9_.\-]+)")


@pytest.fixture
def stack(request: pytest.FixtureRequest) -> Any:
    try:
        local_stack = request.getfixturevalue("local_stack")
    except pytest.FixtureLookupError:
        pytest.skip("the devstack's local_stack fixture has not landed yet")
    if not getattr(local_stack, "partner_url", None):
        pytest.skip("the local stack does not run the partner sandbox yet (see devstack/partner_sandbox.py)")
    return local_stack


def wait_for(check: Callable[[], Any], what: str, stack: Any, seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        stack.drain() if hasattr(stack, "drain") else None
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.3)


def test_a_customer_rates_and_tips_and_the_manager_sees_it_through_the_whole_local_stack(stack: Any) -> None:
    api = stack.api_url

    def call(method: str, path: str, token: str | None = None, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = requests.request(method, f"{api}{path}", json=body, headers=headers, timeout=30)
        assert response.status_code < 300, (path, response.status_code, response.text)
        return response.json() if response.content else None

    signup = call(
        "POST",
        "/companies",
        body={
            "name": "Tipsy",
            "manager_name": "Mia",
            "manager_email": "mia@t.test",
            "timezone": "Europe/Vilnius",
            "currency": "EUR",
        },
    )
    manager = signup["token"]

    # the partner is down at first: the registration is kept and the schedule finishes it
    requests.post(f"{stack.partner_url}/sandbox/fail", json={"count": 3}, timeout=10)
    opt_in = call("POST", "/tips/company/opt-in", manager)
    assert opt_in["state"] == "pending_verification" and opt_in["registration"]["status"] == "retrying"
    stack.fire("retry_tip_registrations", datetime.now(UTC) + timedelta(minutes=2))
    wait_for(lambda: call("GET", "/tips/status", manager)["company"]["state"] == "verified", "verified", stack)

    ada = call("POST", "/employees", manager, {"name": "Ada", "email": "ada@t.test"})
    ada_id = ada["employee"]["employee_id"]
    call("POST", f"/tips/employees/{ada_id}/opt-in", ada["token"])
    wait_for(lambda: call("GET", "/tips/status", manager)["employees"][0]["state"] == "linked", "linked", stack)

    address = f"e2e-{int(time.time() * 1000)}@example.com"
    opened = call(
        "POST",
        f"/intake/{signup['company']['intake_key']}/tickets",
        body={"subject": "Printer is broken", "body": "Blank pages", "customer_name": "Ann", "customer_email": address},
    )
    call("PUT", "/me/status", ada["token"], {"status": "online"})
    assert call("POST", "/tickets/next", ada["token"])["ticket_id"] == opened["ticket_id"]
    call("POST", f"/tickets/{opened['ticket_id']}/resolve", ada["token"])
    call("POST", f"/customer/tickets/{opened['link_token']}/confirm")

    def outbox() -> list[Any]:  # the rating + tip e-mail (the customer also hears of the intake and the resolution)
        found = [
            email.message_from_string(m["raw_data"], policy=email.policy.default)
            for m in stack.sent_emails()
            if "raw_data" in m and address in m["destinations"]
        ]
        return [m for m in found if str(m["Subject"]).startswith("How did we do?")]

    [message] = wait_for(outbox, "the tip e-mail", stack)
    time.sleep(1)
    stack.drain()
    assert len(outbox()) == 1  # exactly one, whatever the pump redelivers
    text = message.get_body(preferencelist=("plain",)).get_content()
    found = {m.group(2): m.group(1) for m in LINK.finditer(text)}

    page = requests.get(f"{api}{found['rate']}", timeout=30)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    rated = requests.post(f"{api}{found['rate']}", data={"stars": "5", "comment": "Great"}, timeout=30)
    assert rated.status_code == 200 and "You rated 5 of 5" in rated.text

    click = requests.get(f"{api}{found['tip']}", allow_redirects=False, timeout=30)
    assert click.status_code == 302 and click.headers["Location"].startswith(stack.partner_url)
    location = urlsplit(click.headers["Location"])
    query = parse_qs(location.query)
    assert requests.get(click.headers["Location"], timeout=30).status_code == 200  # the partner's form
    paid = requests.post(
        f"{stack.partner_url}{location.path}/pay",
        data={"amount": "150", "currency": query["currency"][0], "reference": query["reference"][0]},
        timeout=30,
    )
    assert paid.status_code == 200 and "Thank you" in paid.text

    tips = wait_for(lambda: call("GET", f"/tips?ticket_id={opened['ticket_id']}", manager)["tips"], "the tip", stack)
    assert [(t["employee_id"], t["amount"], t["currency"]) for t in tips] == [(ada_id, "150.00", "EUR")]
    summary = call("GET", "/tips/summary", manager)
    assert summary["by_employee"][0]["employee_id"] == ada_id and summary["rating_average"] == 5
    assert summary["funnel"]["tip_paid"] == 1 and summary["funnel"]["emailed"] == 1
