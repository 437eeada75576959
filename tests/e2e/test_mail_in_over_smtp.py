"""E-mail in through the whole local stack: mail sent over SMTP (Python's smtplib) is stored in moto's S3
and its event delivered to receive_mail; the tickets and threads are read back over the HTTP API.

The customer answers the agent's reply as a mail client would: under the headers of the notification
SES was given (read from the local mailbox on the control port)."""

from __future__ import annotations

import os
import re
import smtplib
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.e2e
README = Path(__file__).resolve().parents[2] / "README.md"
QUOTED = "\n\nOn Mon, 3 Mar 2025 at 10:15, Acme Support <desk@example.com> wrote:\n> Please check the toner.\n"


def call(stack: Any, method: str, path: str, token: str | None = None, body: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.request(method, f"{stack.api_url}{path}", json=body, headers=headers, timeout=30)
    assert response.status_code < 300, response.text
    return response.json()


def send(stack: Any, body: str, **headers: str) -> None:
    mail = EmailMessage()
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=30) as smtp:
        smtp.send_message(mail)


def tickets(stack: Any, manager: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = call(stack, "GET", "/tickets", manager)["tickets"]
    return found


def thread(stack: Any, token: str, ticket_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = call(stack, "GET", f"/tickets/{ticket_id}/messages", token)["messages"]
    return found


def notification_of(stack: Any, address: str, text: str) -> dict[str, str]:
    """The headers of the mail to `address` whose text says `text`, once the stack has sent it."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        stack.drain()
        found = requests.get(f"{stack.control_url}/mailbox.json", params={"to": address}, timeout=30).json()
        for mail in found:
            if text in (mail["text"] or ""):
                headers: dict[str, str] = mail["headers"]
                return headers
        time.sleep(0.3)
    raise AssertionError(f"no mail to {address} saying {text!r}")


def last_outcome(stack: Any) -> dict[str, Any]:
    delivery = stack.mail_deliveries()[-1]
    assert delivery["state"] == "delivered", delivery
    outcome: dict[str, Any] = delivery["result"]["results"][0]["outcomes"][0]
    return outcome | {"key": delivery["key"]}


def test_mail_becomes_a_ticket_a_reply_threads_without_its_history_and_nothing_else_does(local_stack: Any) -> None:
    signup = call(
        local_stack,
        "POST",
        "/companies",
        body={"name": "Mailco", "manager_name": "Mia", "manager_email": "mia@mailco.test"},
    )
    company, manager = signup["company"], signup["token"]
    desk = company["inbound_address"]
    agent = call(local_stack, "POST", "/employees", manager, {"name": "Ada", "email": "ada@mailco.test"})["token"]
    call(local_stack, "PUT", "/me/status", agent, {"status": "online"})

    # mail over SMTP -> a ticket
    send(local_stack, "It prints blank pages.", From="Ann <ann@example.com>", To=desk, Subject="Printer is broken")
    first = last_outcome(local_stack)
    assert first["status"] == "ticket"
    ticket = call(local_stack, "POST", "/tickets/next", agent)
    assert ticket["ticket_id"] == first["ticket_id"] and ticket["channel"] == "email"
    assert ticket["subject"] == "Printer is broken"

    # the agent replies; the customer answers the notification with In-Reply-To and its quoted history
    call(local_stack, "POST", f"/tickets/{ticket['ticket_id']}/messages", agent, {"body": "Check the toner."})
    notification = notification_of(local_stack, "ann@example.com", "Check the toner.")
    assert notification["Reply-To"].split("@")[1] == desk.split("@")[1]
    send(
        local_stack,
        "The toner was empty. Works now!" + QUOTED,
        From="Ann <ann@example.com>",
        To=notification["Reply-To"],
        Subject="Re: Printer is broken",
        In_Reply_To=notification["Message-ID"],
        References=f"{notification.get('References', '')} {notification['Message-ID']}".strip(),
    )
    assert last_outcome(local_stack)["status"] == "reply"
    messages = thread(local_stack, agent, ticket["ticket_id"])
    assert [(m["author_type"], m["body"]) for m in messages] == [
        ("customer", "It prints blank pages."),
        ("agent", "Check the toner."),
        ("customer", "The toner was empty. Works now!"),
    ]
    assert messages[2]["sender_email"] == "ann@example.com"

    # the reply address carried by someone else -> a new ticket, the thread untouched
    send(
        local_stack,
        "I found this address in a forwarded mail.",
        From="Eve <eve@example.com>",
        To=notification["Reply-To"],
        Subject="Re: Printer is broken",
    )
    stranger = last_outcome(local_stack)
    assert stranger["status"] == "ticket" and stranger["ticket_id"] != ticket["ticket_id"]
    assert len(thread(local_stack, agent, ticket["ticket_id"])) == 3

    # an auto-reply -> nothing
    before = len(tickets(local_stack, manager))
    send(
        local_stack,
        "I am out of the office until Monday.",
        From="Ann <ann@example.com>",
        To=desk,
        Subject="Out of office: Printer is broken",
        Auto_Submitted="auto-replied",
    )
    assert last_outcome(local_stack) == {"status": "dropped", "reason": "auto-submitted: auto-replied"} | {
        "key": last_outcome(local_stack)["key"]
    }
    assert len(tickets(local_stack, manager)) == before

    # the first mail's object delivered twice more -> still one ticket with one message from it
    for _ in range(2):
        again = local_stack.redeliver_mail(first["key"])
        assert again["result"]["results"][0]["outcomes"][0]["status"] == "duplicate"
    assert len(tickets(local_stack, manager)) == before
    assert len(thread(local_stack, agent, ticket["ticket_id"])) == 3


def test_the_readme_mail_tour_runs_as_printed(local_stack: Any) -> None:
    text = README.read_text()
    script = re.search(r"<!-- mail-tour:start -->\s*```python\n(.*?)```\s*<!-- mail-tour:end -->", text, re.S)
    assert script, "README has no mail tour block"
    env = {
        "API": local_stack.api_url,
        "SMTP_PORT": str(local_stack.smtp_port),
        "PATH": os.environ["PATH"],
        "CONTROL": local_stack.control_url,
        "PYTHONPATH": str(README.parent),
    }
    result = subprocess.run(
        [sys.executable, "-c", script.group(1)],
        capture_output=True,
        text=True,
        env=env,
        cwd=README.parent,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Printer is broken email",
        "customer | It prints blank pages.",
        "agent | Please check the toner.",
        "customer | The toner was empty. Works now!",
    ]
