"""A whole shift in headless Chromium through the local stack (`python -m devstack run`): a manager signs
in by e-mail link and invites two agents; the first opens the invitation from the local mailbox, goes
online, takes the next ticket (keyboard), replies with a canned reply, adds a note, tags and transfers it;
the second takes it, resolves it (keyboard) and rates the customer, goes on a break (take next refused,
and the page says why), finds the ticket by the customer's e-mail, and signs out: the old cookie no
longer works. Every staff page is checked with axe-core at 1280 and 390 px and kept as a screenshot."""

from __future__ import annotations

import email
import email.policy
import re
import secrets
import time
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.support.accessibility import check_page
from tests.support.browser import chromium

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
LINK = re.compile(r"https?://[^/\s]+(/signin/sdl_[A-Za-z0-9_-]+)")


def signin_link(stack: Any, address: str, after: int) -> str:
    """The sign-in link of the newest mail to `address` among those sent after the first `after`."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        sent = [m for m in stack.sent_emails() if address in m["destinations"] and "raw_data" in m]
        if len(sent) > after:
            message = email.message_from_string(sent[-1]["raw_data"], policy=email.policy.default)
            body = message.get_body(preferencelist=("plain",))
            assert body is not None
            match = LINK.search(str(body.get_content()))
            assert match, "the mail carries no sign-in link"
            return match.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no mail to {address}")


def mails_to(stack: Any, address: str) -> int:
    return len([m for m in stack.sent_emails() if address in m["destinations"]])


def open_link(browser: Browser, api: str, path: str, width: int = 1280) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{api}{path}")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/desk$"))
    return context, page


def test_a_whole_shift_in_the_browser(local_stack: Any) -> None:
    api = local_stack.api_url
    suffix = secrets.token_hex(3)
    manager_email, ada_email, tess_email = (f"{n}-{suffix}@shift.test" for n in ("mia", "ada", "tess"))
    customer_email = f"ann-{suffix}@customer.test"
    signup = requests.post(
        f"{api}/companies",
        json={
            "name": "Shift & Co",
            "manager_name": "Mia",
            "manager_email": manager_email,
            "timezone": "Europe/Vilnius",
        },
        timeout=30,
    ).json()
    intake = signup["company"]["intake_key"]
    opened = requests.post(
        f"{api}/intake/{intake}/tickets",
        json={
            "subject": "Printer prints blank pages",
            "body": "Since this morning.",
            "customer_name": "Ann",
            "customer_email": customer_email,
        },
        timeout=30,
    ).json()

    with chromium() as browser:
        # Unknown paths and the root answer with pages.
        visitor = browser.new_page()
        response = visitor.goto(f"{api}/no/such/page")
        assert response is not None and response.status == 404
        expect(visitor.get_by_role("heading", name="Page not found")).to_be_visible()
        visitor.goto(f"{api}/")
        assert visitor.url.endswith("/signin")

        # The manager asks for a sign-in link and opens it.
        check_page(visitor, "signin", "signin")
        before = mails_to(local_stack, manager_email)
        visitor.get_by_label("E-mail address").fill(manager_email)
        visitor.get_by_role("button", name="E-mail me a sign-in link").click()
        expect(visitor.get_by_role("heading", name="Check your e-mail")).to_be_visible()
        check_page(visitor, "signin-sent", "signin")
        link = signin_link(local_stack, manager_email, before)
        visitor.goto(f"{api}{link}")
        check_page(visitor, "signin-link", "signin")
        manager_context, manager = open_link(browser, api, link)
        check_page(manager, "desk-manager")

        # Canned replies and the team: two agents invited by e-mail.
        manager.get_by_role("link", name="Canned replies").click()
        manager.get_by_label("Title", exact=True).first.fill("Toner")
        manager.locator("#new-canned-body").fill("Please check the toner cartridge.")
        manager.get_by_role("button", name="Add").click()
        expect(manager.locator("#notice")).to_have_text("Saved.")
        check_page(manager, "canned")
        manager.get_by_role("link", name="Team").click()
        invited = {}
        for name, address, tier in (("Ada", ada_email, "1"), ("Tess", tess_email, "2")):
            invited[name] = mails_to(local_stack, address)
            manager.get_by_label("Name", exact=True).fill(name)
            manager.get_by_label("E-mail address").fill(address)
            manager.get_by_label("Line").select_option(tier)
            manager.get_by_role("button", name="Send invitation", exact=True).click()
            expect(manager.locator("#notice")).to_have_text("The invitation was sent.")
        check_page(manager, "team")

        # Ada opens the invitation on her phone, goes online and takes the next ticket with the keyboard.
        ada_context, ada = open_link(browser, api, signin_link(local_stack, ada_email, invited["Ada"]), width=390)
        ada.get_by_role("button", name="Online").click()
        expect(ada.locator("#notice")).to_have_text("Your status is now: Online.")
        check_page(ada, "desk")
        ada.keyboard.press("n")
        ada.wait_for_url(re.compile(r"/desk/tickets/tkt_"))
        expect(ada.get_by_role("heading", level=1)).to_contain_text("Printer prints blank pages")
        ticket_url = ada.url.split("?")[0]
        ada.get_by_label("Canned reply").select_option(label="Toner")
        ada.get_by_role("button", name="Insert").click()
        expect(ada.get_by_label("Message")).to_have_value("Please check the toner cartridge.")
        ada.get_by_role("button", name="Send reply to customer").click()
        expect(ada.locator("#notice")).to_have_text("Your reply was sent to the customer.")
        ada.get_by_label("Message").fill("Customer is in a hurry.")
        ada.get_by_role("button", name="Add internal note").click()
        expect(ada.locator("li.note")).to_contain_text("Customer is in a hurry.")
        ada.get_by_label("Add tags").fill("hardware, urgent")
        ada.get_by_role("button", name="Add tags").click()
        expect(ada.locator("#tags")).to_contain_text("hardware")
        check_page(ada, "ticket")
        ada.get_by_label("Transfer to").select_option("queue:2:")
        ada.get_by_role("button", name="Transfer").click()
        expect(ada.locator("#notice")).to_have_text("The ticket was transferred.")

        # The customer replies meanwhile? No: a new ticket arrives, and Ada's open workspace is told.
        requests.post(
            f"{api}/intake/{intake}/tickets",
            json={
                "subject": "Scanner jams",
                "body": "Paper stuck.",
                "customer_name": "Bo",
                "customer_email": f"bo-{suffix}@customer.test",
            },
            timeout=30,
        ).raise_for_status()
        local_stack.drain()
        ada.evaluate("htmx.trigger('#pulse', 'pulse')")  # what the page's 60-second timer does
        expect(ada.locator(".pulse-news")).to_contain_text("A new ticket is waiting in your queues")
        expect(ada.locator(".pulse-news")).to_contain_text("Scanner jams")

        # Tess takes the transferred ticket, resolves it with the keyboard and rates the customer.
        tess_context, tess = open_link(browser, api, signin_link(local_stack, tess_email, invited["Tess"]))
        tess.get_by_role("button", name="Online").click()
        tess.get_by_role("button", name="Take next").click()
        tess.wait_for_url(re.compile(r"/desk/tickets/tkt_"))
        assert tess.url.split("?")[0] == ticket_url
        expect(tess.locator("li.note")).to_contain_text("Customer is in a hurry.")
        expect(tess.locator("#karma")).to_be_visible()
        tess.keyboard.press("e")
        expect(tess.locator("#notice")).to_contain_text("Resolved.")
        tess.get_by_role("group", name="Technical literacy").get_by_label("4").check()
        tess.get_by_role("group", name="Temperament (1 stormy, 5 calm)").get_by_label("5").check()
        tess.get_by_label("Private note").fill("Patient and precise.")
        check_page(tess, "ticket-resolved")
        tess.get_by_role("button", name="Save rating").click()
        expect(tess.locator("#notice")).to_have_text("Your rating of the customer was saved.")

        # A break: take next is refused and the page says why.
        tess.get_by_role("link", name="Workspace").first.click()
        tess.get_by_role("button", name="Break").click()
        tess.get_by_role("button", name="Take next").click()
        expect(tess.get_by_role("alert")).to_contain_text("You cannot take tickets while your status is Break")
        check_page(tess, "desk-on-break")

        # Search by the customer's e-mail, then the other staff pages.
        tess.get_by_role("link", name="Search").click()
        tess.get_by_label("Words, #reference or customer e-mail").fill(customer_email)
        tess.get_by_role("button", name="Search").click()
        expect(tess.locator("#results")).to_contain_text("Printer prints blank pages")
        check_page(tess, "search")
        for link_name, shot in (("Badges", "badges"), ("Account", "profile")):
            tess.get_by_role("link", name=link_name).click()
            check_page(tess, shot)
        tess.get_by_role("link", name="Your signed-in browsers").click()
        check_page(tess, "sessions")

        # Sign out: the old cookie no longer works.
        cookies = tess_context.cookies()
        assert any(c["name"] == "sd_session" and c["httpOnly"] and c["sameSite"] == "Lax" for c in cookies)
        tess.get_by_role("button", name="Sign out").first.click()
        tess.wait_for_url(re.compile(r"/signin$"))
        replay = browser.new_context()
        replay.add_cookies([c for c in cookies if c["name"] == "sd_session"])
        stale = replay.new_page()
        stale.goto(f"{api}/desk")
        assert re.search(r"/signin\?next=/desk$", stale.url)
        for context in (manager_context, ada_context, tess_context, replay):
            context.close()

    ticket = opened["ticket_id"]
    assert ticket_url.endswith(ticket)
