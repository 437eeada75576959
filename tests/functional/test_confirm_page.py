"""The confirm page of the "resolved" e-mail, through the real routes: a GET (a mail scanner's, too) only
shows one button; the customer's POST closes the ticket and the same page then shows the rating stars and
the Tip button at once; the rating counts in the funnel; the rating + tip e-mail still goes out once."""

from __future__ import annotations

import re

from chalice.test import Client

from chalicelib.db.models import Ticket
from chalicelib.tips.models import Rating, TicketFunnel
from tests.functional.conftest import Company
from tests.functional.events import stream_record
from tests.functional.tips_helpers import Partner, deliver, enable_tips, page, partner_fixture  # noqa: F401
from tests.functional.tips_helpers import sent_mail as mail_to


def resolved_ticket(company: Company, address: str) -> tuple[str, str]:
    handler = company.agents["Ada"]
    opened = company.open_ticket("Printer is broken", address)
    assert handler.call("POST", "/tickets/next")[1]["ticket_id"] == opened["ticket_id"]
    assert handler.call("POST", f"/tickets/{opened['ticket_id']}/resolve")[0] == 200
    return opened["ticket_id"], opened["link_token"]


def test_a_get_shows_one_button_and_only_the_customers_post_confirms_then_stars_and_tip_show_at_once(
    company: Company, partner: Partner, client: Client
) -> None:
    enable_tips(company, partner)
    ticket_id, link = resolved_ticket(company, "confirm.page@example.com")
    before = Ticket.get(company.company_id, ticket_id)
    for _ in range(3):  # a mail scanner pre-clicks the link
        status, html, headers = page(company.api, "GET", f"/c/{link}/confirm")
        assert status == 200 and headers["Referrer-Policy"] == "no-referrer"
        assert html.count("<button") == 1 and 'id="confirm"' in html and "Is your problem solved?" in html
    assert Ticket.get(company.company_id, ticket_id).status == "resolved"

    status, _, headers = page(company.api, "POST", f"/c/{link}/confirm", form="")
    assert status == 303 and headers["Location"] == f"http://desk.test/c/{link}/confirm"
    status, html, _ = page(company.api, "GET", f"/c/{link}/confirm")
    assert status == 200 and "Thank you for confirming" in html
    assert 'name="stars"' in html and 'id="tip"' in html and "How did Ada do?" in html
    after = Ticket.get(company.company_id, ticket_id)
    assert after.status == "closed" and after.close_reason == "confirmed"
    assert TicketFunnel.get(company.company_id, ticket_id).closed_at is not None  # in the funnel before any mail

    rate_path = re.search(r'action="http://desk\.test(/rate/[^"]+)"', html)
    assert rate_path is not None
    status, html, _ = page(company.api, "POST", rate_path.group(1), form="stars=5&comment=Quick")
    assert status == 200 and "You rated 5 of 5" in html and 'id="tip"' in html
    assert int(Rating.get(company.company_id, ticket_id).stars) == 5
    assert TicketFunnel.get(company.company_id, ticket_id).rated_at is not None

    # the rating + tip e-mail is still sent, once, and the page keeps showing the rating
    for _ in range(3):
        assert deliver(client, stream_record("4100", after, before)) == {"batchItemFailures": []}
    assert len([m for m in mail_to("confirm.page@example.com") if m["Subject"].startswith("How did we do?")]) == 1
    status, html, _ = page(company.api, "GET", f"/c/{link}/confirm")
    assert "You rated 5 of 5" in html and 'name="stars"' not in html
    # confirming again changes nothing
    assert page(company.api, "POST", f"/c/{link}/confirm", form="")[0] == 303


def test_the_confirm_page_of_a_reopened_ticket_says_so_and_a_tampered_link_gets_a_friendly_page(
    company: Company,
) -> None:
    company.add_agent("Ada")
    _, link = resolved_ticket(company, "reopened@example.com")
    company.api.call("POST", f"/customer/tickets/{link}/messages", {"body": "Still broken"}, token="")
    status, html, _ = page(company.api, "GET", f"/c/{link}/confirm")
    assert status == 200 and 'id="open"' in html and "<button" not in html
    status, html, _ = page(company.api, "POST", f"/c/{link}/confirm", form="")
    assert status == 409 and "not been resolved" in html
    status, html, _ = page(company.api, "GET", f"/c/{link[:-4]}AAAA/confirm")
    assert status == 403 and "This link cannot be used" in html
