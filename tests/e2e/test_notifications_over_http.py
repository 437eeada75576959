"""The customer hears at every step, through the whole local stack over HTTP: intake -> received mail (MIME,
both parts, its link works) -> agent's reply -> reply mail threaded under the first -> resolve -> resolved
mail -> its confirm page in headless Chromium, opened from the local mailbox -> confirm -> stars and Tip
on the same page -> rating saved -> tip redirect to the partner. A second ticket left to the auto-close
schedule still gets its rating mail. The tickets stream delivered again three times sends nothing more.
SES refusing for longer than the stream's retries, then accepting again: the mail arrives once."""

from __future__ import annotations

import email
import email.policy
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import boto3
import pytest
import requests

from tests.support.accessibility import check_page
from tests.support.browser import chromium

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
SENDER = "support@servicedesk.local"


def wait_for(check: Callable[[], Any], what: str, stack: Any, seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        stack.drain()
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.3)


class Desk:
    def __init__(self, stack: Any) -> None:
        self.stack = stack
        self.api = stack.api_url

    def call(self, method: str, path: str, token: str | None = None, body: Any = None, ok: bool = True) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = requests.request(method, f"{self.api}{path}", json=body, headers=headers, timeout=30)
        if ok:
            assert response.status_code < 300, (path, response.status_code, response.text)
        return response.json() if response.content else None

    def mailbox(self, address: str) -> list[dict[str, Any]]:
        """The local mailbox's decoded messages to `address`, oldest first."""
        found = requests.get(f"{self.stack.control_url}/mailbox.json", params={"to": address}, timeout=30).json()
        return list(reversed(found))

    def mime(self, address: str) -> list[EmailMessage]:
        """The same messages as MIME, from moto's SES."""
        return [
            email.message_from_string(m["raw_data"], policy=email.policy.default)  # type: ignore[misc]
            for m in self.stack.sent_emails()
            if "raw_data" in m and address in m["destinations"]
        ]

    def local(self, url: str) -> str:
        return url.replace("http://desk.test", self.api)


def kinds(messages: list[dict[str, Any]]) -> list[str]:
    def kind(m: dict[str, Any]) -> str:
        if m["subject"].startswith("How did we do?"):
            return "rating"
        text = m["text"] or ""
        for marker, name in (("We have received", "received"), ("replied to your", "reply"), ("resolved", "resolved")):
            if marker in text:
                return name
        return "other"

    return [kind(m) for m in messages]


def test_a_customer_hears_at_every_step_and_confirms_rates_and_tips_from_the_mail(local_stack: Any) -> None:
    desk, stack = Desk(local_stack), local_stack
    signup = desk.call(
        "POST",
        "/companies",
        body={"name": "Notify Co", "manager_name": "Mia", "manager_email": "mia@n.test", "currency": "EUR"},
    )
    manager, intake = signup["token"], signup["company"]["intake_key"]
    desk.call("POST", "/tips/company/opt-in", manager)
    wait_for(lambda: desk.call("GET", "/tips/status", manager)["company"]["state"] == "verified", "verified", stack)
    ada = desk.call("POST", "/employees", manager, {"name": "Ada", "email": "ada@n.test"})
    agent, ada_id = ada["token"], ada["employee"]["employee_id"]
    desk.call("POST", f"/tips/employees/{ada_id}/opt-in", agent)
    wait_for(lambda: desk.call("GET", "/tips/status", manager)["employees"][0]["state"] == "linked", "linked", stack)
    desk.call("PUT", "/me/status", agent, {"status": "online"})

    stamp = int(time.time() * 1000)
    ann, bo = f"ann-{stamp}@example.com", f"bo-{stamp}@example.com"
    opened = desk.call(
        "POST",
        f"/intake/{intake}/tickets",
        body={
            "subject": "Printer is broken",
            "body": "It prints blank pages.",
            "customer_name": "Ann",
            "customer_email": ann,
        },
    )
    ticket = opened["ticket_id"]

    # received: MIME with both parts; its link opens the ticket page
    [received] = wait_for(lambda: desk.mailbox(ann), "the received mail", stack)
    [raw] = desk.mime(ann)
    assert raw.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in raw.iter_parts()] == ["text/plain", "text/html"]
    assert raw["Auto-Submitted"] == "auto-generated" and "+" in raw["Reply-To"]
    assert "It prints blank pages." in received["text"] and received["subject"].endswith("] Printer is broken")
    [view] = [link for link in received["links"] if "/c/" in link]
    assert requests.get(desk.local(view), timeout=30).status_code == 200

    # an internal note is never sent; the public reply is, threaded under the first mail
    assert desk.call("POST", "/tickets/next", agent)["ticket_id"] == ticket
    desk.call("POST", f"/tickets/{ticket}/messages", agent, {"body": "VPN issue?", "visibility": "internal"})
    desk.call("POST", f"/tickets/{ticket}/messages", agent, {"body": "Please check the toner."})
    _, reply = wait_for(lambda: desk.mailbox(ann)[1:] and desk.mailbox(ann), "the reply mail", stack)
    assert "Please check the toner." in reply["text"] and "VPN" not in reply["text"] + (reply["html"] or "")
    assert reply["headers"]["In-Reply-To"] == received["headers"]["Message-ID"]
    assert received["headers"]["Message-ID"] in reply["headers"]["References"].split()

    desk.call("POST", f"/tickets/{ticket}/resolve", agent)
    resolved = wait_for(lambda: desk.mailbox(ann)[2:] and desk.mailbox(ann)[2], "the resolved mail", stack)
    assert "Is your problem solved?" in resolved["text"]

    # the resolved mail in the local mailbox, in Chromium: Yes, solved -> confirm -> stars and Tip at once
    with chromium() as browser:
        page = browser.new_page()
        page.goto(f"{stack.control_url}/mailbox/{resolved['id']}")
        page.frame_locator("#html").locator("a#confirm").click()
        page.wait_for_url("**/confirm")
        assert page.locator("button").count() == 1 and page.locator("#confirm").is_visible()
        check_page(page, "confirm", "customer")
        assert desk.call("GET", f"/tickets/{ticket}", agent)["status"] == "resolved"  # the GET changed nothing
        page.click("#confirm")
        page.wait_for_selector("#tip")
        assert "Thank you for confirming" in page.locator("#confirmed").inner_text()
        # (the rating page's own accessibility, its stars and colours, is issue 13's)
        page.click("label[for=star5]")
        page.click("#submit")
        page.wait_for_selector("#thanks")
        assert "5 of 5" in page.locator("#thanks").inner_text()
        with page.expect_navigation():
            page.click("#tip")
        assert page.url.startswith(stack.partner_url)
    assert desk.call("GET", "/tips/summary", manager)["rating_average"] == 5
    wait_for(lambda: "rating" in kinds(desk.mailbox(ann)), "the rating mail", stack)

    # a second ticket the customer never confirms: the schedule closes it, the rating mail still goes out
    second = desk.call(
        "POST",
        f"/intake/{intake}/tickets",
        body={"subject": "Scanner jams", "body": "Every page.", "customer_name": "Bo", "customer_email": bo},
    )
    assert desk.call("POST", "/tickets/next", agent)["ticket_id"] == second["ticket_id"]
    desk.call("POST", f"/tickets/{second['ticket_id']}/resolve", agent)
    stack.drain()
    stack.fire("auto_close_resolved", datetime.now(UTC) + timedelta(days=4))
    wait_for(lambda: "rating" in kinds(desk.mailbox(bo)), "the auto-closed ticket's rating mail", stack)
    assert desk.call("GET", f"/tickets/{second['ticket_id']}", agent)["close_reason"] == "auto"

    # the tickets stream delivered again, three times: not one more mail
    before = {ann: kinds(desk.mailbox(ann)), bo: kinds(desk.mailbox(bo))}
    assert before == {ann: ["received", "reply", "resolved", "rating"], bo: ["received", "resolved", "rating"]}
    for _ in range(3):
        response = stack.replay("tickets")
        assert response.status_code == 200, response.text
        stack.drain()
    assert {ann: kinds(desk.mailbox(ann)), bo: kinds(desk.mailbox(bo))} == before

    # SES refuses for longer than the stream's retries, then accepts again: the mail arrives once
    ses = boto3.client("ses", endpoint_url=stack.moto_url, region_name="us-east-1")
    ses.delete_identity(Identity=SENDER)
    cy = f"cy-{stamp}@example.com"
    try:
        desk.call(
            "POST",
            f"/intake/{intake}/tickets",
            body={"subject": "Login fails", "body": "Denied.", "customer_name": "Cy", "customer_email": cy},
        )
        failed = wait_for(
            lambda: desk.call("GET", "/notifications/failed", manager)["notifications"], "the failed mail", stack
        )
        assert failed[0]["kind"] == "customer.received" and failed[0]["attempts"] >= 3
        assert any(letter["subscription"] == "on_ticket_change" for letter in stack.pump()["dead_letters"])
        stack.fire("resend_notifications", datetime.now(UTC) + timedelta(hours=1))  # still refused: kept
        assert desk.mailbox(cy) == []
    finally:
        ses.verify_email_identity(EmailAddress=SENDER)
    for hours in (2, 3):
        stack.fire("resend_notifications", datetime.now(UTC) + timedelta(hours=hours))
    assert stack.replay("tickets").status_code == 200
    stack.drain()
    assert kinds(desk.mailbox(cy)) == ["received"]
    assert desk.call("GET", "/notifications/failed", manager)["notifications"] == []
