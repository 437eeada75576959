"""In headless Chromium (Debian's package, driven by Playwright): the customer opens the rating page
from the e-mail, gives stars, clicks Tip, pays at the partner sandbox (which calls our webhook), and
the manager's tips report in the console shows it. The app is served over real HTTP by Chalice's local server (one
request at a time) against the session's moto server; the tip-email stream handler is invoked as
Lambda invokes it."""

from __future__ import annotations

import re
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from chalice.config import Config
from chalice.local import ChaliceRequestHandler, LocalDevServer
from chalice.test import Client

from chalicelib.db.models import Ticket
from chalicelib.settings import get_settings
from chalicelib.tips.config import get_tip_config
from devstack import partner_sandbox
from tests.functional.events import stream_event, stream_record
from tests.functional.tips_helpers import LINK, deliver, parts, sent_mail
from tests.support.browser import chromium

pytestmark = pytest.mark.browser


class OneAtATime(ChaliceRequestHandler):
    """Threads per connection (browsers keep connections open), but one request handled at a time."""

    lock = threading.Lock()

    def _generic_handle(self) -> None:
        with self.lock:
            super()._generic_handle()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(client: Client, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, partner_sandbox.SandboxServer]]:
    """The app over HTTP (one request at a time: Chalice keeps current_request on the app) and the sandbox."""
    import app

    port = free_port()
    api_url = f"http://127.0.0.1:{port}"
    server = LocalDevServer(app.app, Config.create(chalice_stage="local"), "127.0.0.1", port, handler_cls=OneAtATime)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sandbox = partner_sandbox.start(f"{api_url}/tips/webhooks/partner", delay_seconds=0.1)
    monkeypatch.setenv("TIP_PARTNER_API_URL", sandbox.state.public_url)
    monkeypatch.setenv("PUBLIC_BASE_URL", api_url)  # pages' forms and links lead back to this server
    get_tip_config.cache_clear()
    get_settings.cache_clear()
    try:
        yield api_url, sandbox
    finally:
        sandbox.shutdown()
        server.shutdown()
        get_tip_config.cache_clear()
        monkeypatch.undo()
        get_settings.cache_clear()


def wait_for(check: Callable[[], bool], what: str, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_a_customer_rates_and_tips_in_the_browser_and_the_managers_tips_report_shows_it(
    served: tuple[str, partner_sandbox.SandboxServer], client: Client
) -> None:
    api, sandbox = served

    def call(method: str, path: str, token: str | None = None, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = requests.request(method, f"{api}{path}", json=body, headers=headers, timeout=30)
        assert response.status_code < 300, (path, response.status_code, response.text)
        return response.json() if response.content else None

    signup = call(
        "POST",
        "/companies",
        body={
            "name": "Acme",
            "manager_name": "Mia",
            "manager_email": "mia@acme.test",
            "timezone": "Europe/Vilnius",
            "currency": "EUR",
        },
    )
    manager, company_id = signup["token"], signup["company"]["company_id"]
    call("POST", "/tips/company/opt-in", manager)
    wait_for(lambda: call("GET", "/tips/status", manager)["company"]["state"] == "verified", "company.verified")
    ada = call("POST", "/employees", manager, {"name": "Ada Lovelace", "email": "ada@acme.test"})
    ada_id = ada["employee"]["employee_id"]
    call("POST", f"/tips/employees/{ada_id}/opt-in", ada["token"])
    wait_for(lambda: call("GET", "/tips/status", manager)["employees"][0]["state"] == "linked", "employee.linked")

    address = f"browser-{secrets.token_hex(4)}@example.com"
    opened = call(
        "POST",
        f"/intake/{signup['company']['intake_key']}/tickets",
        body={"subject": "Printer is broken", "body": "Blank pages", "customer_name": "Ann", "customer_email": address},
    )
    call("PUT", "/me/status", ada["token"], {"status": "online"})
    call("POST", "/tickets/next", ada["token"])
    call("POST", f"/tickets/{opened['ticket_id']}/resolve", ada["token"])
    before = Ticket.get(company_id, opened["ticket_id"])
    call("POST", f"/customer/tickets/{opened['link_token']}/confirm")
    after = Ticket.get(company_id, opened["ticket_id"])
    assert deliver(client, stream_record("42", after, before)) == {"batchItemFailures": []}
    closed = client.lambda_.invoke("on_ticket_change", stream_event(stream_record("43", after, before))).payload
    assert closed == {"batchItemFailures": []}  # the reports count the close
    [message] = sent_mail(address)
    rate_path = next(m.group(1) for m in LINK.finditer(parts(message)["text/html"]) if m.group(2) == "rate")

    with chromium() as browser:
        page = browser.new_page()
        response = page.goto(f"{api}{rate_path}")
        assert response is not None and response.status == 200
        assert response.headers["referrer-policy"] == "no-referrer"
        assert page.locator("h1").inner_text() == "How did Ada do?"
        page.click("label[for=star4]")
        page.fill("#comment", "Fixed it in minutes")
        with page.expect_navigation():
            page.click("#submit")
        assert "You rated 4 of 5" in page.locator("#thanks").inner_text()

        with page.expect_navigation(url=re.compile(re.escape(sandbox.state.public_url) + "/form/")):
            page.click("#tip")
        assert "Tip Ada Lovelace" in page.locator("h1").inner_text()
        assert page.locator("input[name=amount][value='2']").count() == 1  # the company's EUR amounts: 2, 5, 10
        page.check("input[name=amount][value='10']")
        with page.expect_navigation():
            page.click("#pay")
        assert page.locator("#paid").inner_text() == "Thank you!"
        assert sandbox.state.tips[-1]["webhook_status"] == 200

        from chalicelib import sessions
        from chalicelib.db.models import Company, Employee

        employee = Employee.get(company_id, signup["manager"]["employee_id"])
        secret = sessions.open_session(employee, Company.get(company_id), "Test browser")
        console = browser.new_context()
        console.add_cookies([{"name": "sd_session", "value": secret, "url": api}])
        report = console.new_page()
        response = report.goto(f"{api}/manage/reports/tips")
        assert response is not None and response.status == 200
        row = report.locator(f"#agents tr[data-employee={ada_id}]").inner_text()
        assert "Ada Lovelace" in row and "€10.00" in row and "1" in row
        values = {
            step: report.locator(f"#funnel tr[data-step={step}] td").text_content()
            for step in ("closed", "emailed", "opened", "rated", "tip_clicked", "tip_paid")
        }
        assert values == {
            "closed": "1",
            "emailed": "1",
            "opened": "1",
            "rated": "1",
            "tip_clicked": "1",
            "tip_paid": "1",
        }
        # the list of tips loads on its own (into the page with htmx; here, whose links name the deployed
        # base URL, as the page it also is)
        assert report.goto(f"{api}/manage/reports/tips/list") is not None
        assert "Printer is broken" in report.locator("#tips").inner_text()

    tips = call("GET", f"/tips?ticket_id={opened['ticket_id']}", manager)["tips"]
    assert [(t["employee_id"], t["amount"], t["currency"]) for t in tips] == [(ada_id, "10.00", "EUR")]
