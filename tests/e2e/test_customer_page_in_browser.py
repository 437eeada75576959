"""A customer opens their ticket page from the link, replies, and confirms, in headless Chromium."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.support.browser import chromium

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_a_customer_reads_replies_and_confirms_on_their_ticket_page(local_stack: Any) -> None:
    api = local_stack.api_url
    signup = requests.post(
        f"{api}/companies", json={"name": "Acme", "manager_name": "Mia", "manager_email": "mia@acme.test"}, timeout=30
    ).json()
    manager = {"Authorization": f"Bearer {signup['token']}"}
    opened = requests.post(
        f"{api}/intake/{signup['company']['intake_key']}/tickets",
        json={
            "subject": "Cannot log in",
            "body": "It says <b>denied</b>",
            "customer_name": "Ann",
            "customer_email": "ann@example.com",
        },
        timeout=30,
    ).json()
    ticket_id = opened["ticket_id"]
    requests.put(f"{api}/me/status", json={"status": "online"}, headers=manager, timeout=30)
    # managers are tier 2; send the ticket to tier 2 so the manager can take it
    requests.post(f"{api}/tickets/{ticket_id}/transfer", json={"tier": 2}, headers=manager, timeout=30)
    assert requests.post(f"{api}/tickets/next", headers=manager, timeout=30).json()["ticket_id"] == ticket_id
    requests.post(
        f"{api}/tickets/{ticket_id}/messages",
        json={"body": "Internal: check VPN", "visibility": "internal"},
        headers=manager,
        timeout=30,
    )
    requests.post(
        f"{api}/tickets/{ticket_id}/messages", json={"body": "Please reset your password."}, headers=manager, timeout=30
    )
    page_url = opened["customer_link"].replace("http://desk.test", api)

    with chromium() as browser:
        page = browser.new_page()
        response = page.goto(page_url)
        assert response is not None and response.status == 200
        assert response.headers["referrer-policy"] == "no-referrer"
        assert page.locator("h1").inner_text() == "Cannot log in"
        thread = page.locator("#thread").inner_text()
        assert "It says <b>denied</b>" in thread  # escaped, shown as text
        assert "Please reset your password." in thread and "VPN" not in thread
        assert page.locator("#confirm").count() == 0  # not resolved yet

        page.fill("#body", "Done, thanks!")
        page.click("#send")
        page.wait_for_load_state()
        assert "Done, thanks!" in page.locator("#thread").inner_text()

        requests.post(f"{api}/tickets/{ticket_id}/resolve", headers=manager, timeout=30)
        page.reload()
        assert "Resolved" in page.locator("#status").inner_text()
        page.click("#confirm")
        page.wait_for_load_state()
        # confirmed: the page asks for a rating at once (stars), then the ticket page shows it closed
        assert page.url.endswith("/confirm") and page.locator("input[name=stars]").count() == 5
        page.goto(page_url)
        assert page.locator("#status").inner_text() == "Closed"
        assert page.locator("#send").count() == 0

        tampered = page.goto(page_url[:-4] + "AAAA")
        assert tampered is not None and tampered.status == 403
        assert "This link cannot be used" in page.content()
    view = requests.get(f"{api}/tickets/{ticket_id}", headers=manager, timeout=30).json()
    assert view["status"] == "closed" and view["close_reason"] == "confirmed"
