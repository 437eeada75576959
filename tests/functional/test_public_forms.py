"""The public ways in, through the real routes: the web form (form posts, field errors, honeypot, rate limits
per address and per client), CORS on the JSON intake for the origins a company lists, and the "my
requests" portal (the same answer for every address, a single-use link, a page listing the tickets)."""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

from chalice.test import Client

from chalicelib import customers, mail
from chalicelib.db.models import Ticket
from chalicelib.outbox.models import OutboxMessage
from tests.functional.conftest import Company
from tests.functional.notify_helpers import Stream, sent_mail, text_of
from tests.functional.tips_helpers import page


def form(**fields: str) -> str:
    values = {"name": "Ann", "email": "ann.form@example.com", "subject": "Printer", "message": "Blank pages", **fields}
    return urlencode(values)


def test_the_web_form_opens_a_ticket_and_the_customer_gets_the_received_mail(company: Company, client: Client) -> None:
    status, html, headers = page(company.api, "GET", f"/f/{company.intake_key}")
    assert status == 200 and "Write to Acme" in html and 'name="website"' in html and "<script" not in html
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    status, _, headers = page(company.api, "POST", f"/f/{company.intake_key}", form(lang="ru"))
    assert status == 303
    location = headers["Location"]
    assert location.startswith(f"http://desk.test/f/{company.intake_key}/sent?lang=ru&ref=")
    reference = re.search(r"ref=([0-9A-F]{8})", location)
    assert reference is not None
    [ticket] = list(Ticket.by_company.query(company.company_id))
    assert ticket.ticket_id[4:12].upper() == reference.group(1) and ticket.locale == "ru" and ticket.channel == "web"
    status, html, _ = page(company.api, "GET", location.removeprefix("http://desk.test"))
    assert status == 200 and f"#{reference.group(1)}" in html

    Stream(client, company.company_id).step(ticket.ticket_id)
    [received] = sent_mail("ann.form@example.com")
    assert f"#{reference.group(1)}" in received["Subject"] and "Blank pages" in text_of(received)


def test_field_errors_keep_what_was_typed_and_name_each_wrong_field(company: Company) -> None:
    bad = form(email="a,b@example.com", subject="Line\u0007break", name="")
    status, html, _ = page(company.api, "POST", f"/f/{company.intake_key}", bad)
    assert status == 422 and 'role="alert"' in html
    for field in ("name", "email", "subject"):
        assert f'id="{field}-error"' in html
    assert 'id="message-error"' not in html and "Blank pages" in html
    assert list(Ticket.by_company.query(company.company_id)) == []
    # a language the desk does not speak: the page in the browser's, the request taken all the same
    status, _, headers = page(company.api, "POST", f"/f/{company.intake_key}", form(lang="xx"))
    assert status == 303 and "lang=en" in headers["Location"]


def test_a_bot_filling_the_honeypot_is_thanked_and_nothing_is_stored(company: Company) -> None:
    status, _, headers = page(company.api, "POST", f"/f/{company.intake_key}", form(website="http://spam.example"))
    assert status == 303 and "ref=" not in headers["Location"]
    assert list(Ticket.by_company.query(company.company_id)) == []


def test_the_form_is_limited_per_address_and_per_client(company: Company, other_company: Company) -> None:
    for n in range(5):
        assert page(company.api, "POST", f"/f/{company.intake_key}", form(subject=f"Question {n}"))[0] == 303
    status, html, _ = page(company.api, "POST", f"/f/{company.intake_key}", form(subject="Question 6"))
    assert status == 429 and "Please try again in" in html and "Question 6" in html
    # the refused one changed nothing: the counters are written in the message's own transaction
    [ticket] = Ticket.by_company.query(company.company_id)  # the like subjects were added to the first
    assert ticket.subject == "Question 0" and int(ticket.message_count) == 5
    # another address from the same client still gets through, until the client's own limit
    sent = [
        page(company.api, "POST", f"/f/{company.intake_key}", form(email=f"n{n}@example.com"))[0] for n in range(30)
    ]
    assert sent.count(303) == 25 and sent[-1] == 429
    refused = customers.customer_id_for(company.company_id, "n29@example.com")
    assert (
        customers.Customer.count(company.company_id, customers.Customer.customer_id == refused) == 0
    )  # none half-made
    # another company's form is counted on its own
    assert page(other_company.api, "POST", f"/f/{other_company.intake_key}", form())[0] == 303


def test_the_json_intake_answers_cors_for_listed_origins_only(company: Company) -> None:
    origin = "https://shop.acme.example"
    status, body = company.manager.call(
        "PATCH", "/company/settings", {"cors_origins": [origin, "HTTP://Localhost:8080"]}
    )
    assert status == 200 and body["cors_origins"] == ["http://localhost:8080", origin]
    path = f"/intake/{company.intake_key}/tickets"
    preflight = {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    status, _ = company.api.call("OPTIONS", path, token="", headers=preflight)
    assert status == 204 and company.api.last_headers["Access-Control-Allow-Origin"] == origin
    assert "POST" in company.api.last_headers["Access-Control-Allow-Methods"]
    assert company.api.last_headers["Access-Control-Allow-Headers"] == "Content-Type"

    refused = {**preflight, "Origin": "https://evil.example"}
    status, body = company.api.call("OPTIONS", path, token="", headers=refused)
    assert status == 403 and "Access-Control-Allow-Origin" not in company.api.last_headers
    assert body["type"] == "/problems/forbidden"

    payload = {
        "subject": "From the widget",
        "body": "Hi",
        "customer_name": "Bo",
        "customer_email": "bo.widget@example.com",
    }
    status, body = company.api.call("POST", path, payload, token="", headers={"Origin": origin})
    assert status == 201 and company.api.last_headers["Access-Control-Allow-Origin"] == origin
    status, body = company.api.call("POST", path, {"subject": ""}, token="", headers={"Origin": origin})
    assert status == 422 and company.api.last_headers["Access-Control-Allow-Origin"] == origin  # errors readable too
    status, body = company.api.call("POST", path, payload, token="", headers={"Origin": "https://evil.example"})
    assert status == 403 and "Access-Control-Allow-Origin" not in company.api.last_headers
    assert company.api.call("POST", path, {**payload, "subject": "server side"}, token="")[0] == 201  # no Origin


def test_the_json_intake_is_limited_per_address_with_problem_json(company: Company) -> None:
    path = f"/intake/{company.intake_key}/tickets"
    payload = {"body": "Hi", "customer_name": "Bo", "customer_email": "flood@example.com"}
    statuses = [company.api.call("POST", path, {**payload, "subject": f"Flood {n}"}, token="")[0] for n in range(31)]
    assert statuses[:30] == [201] * 30

    def messages() -> dict[str, int]:  # like subjects were added to an open ticket
        return {t.ticket_id: int(t.message_count) for t in Ticket.by_company.query(company.company_id)}

    accepted = messages()
    assert sum(accepted.values()) == 30
    status, body = company.api.call("POST", path, {**payload, "subject": "One more"}, token="")
    assert status == 429 and body["type"] == "/problems/rate-limited"
    assert company.api.last_headers["Content-Type"] == "application/problem+json"
    status, body = company.api.call("POST", path, {**payload, "subject": "Flood 0"}, token="")  # would be merged
    assert status == 429 and body["type"] == "/problems/rate-limited"
    assert messages() == accepted  # the refused ones wrote nothing: no ticket, no message added


def test_the_portal_mails_a_single_use_link_to_a_page_listing_the_customers_requests(
    company: Company, other_company: Company
) -> None:
    first = company.open_ticket("Printer is broken", "portal@example.com")
    company.open_ticket("Invoice is wrong", "portal@example.com")
    other_company.open_ticket("Someone else's", "portal@example.com")
    path = f"/f/{company.intake_key}/requests"
    assert page(company.api, "GET", path)[0] == 200

    answers = []
    for address in ("portal@example.com", "nobody@example.com"):
        status, _, headers = page(company.api, "POST", path, urlencode({"email": address}))
        assert status == 303
        answers.append(page(company.api, "GET", headers["Location"].removeprefix("http://desk.test"))[1])
    assert answers[0] == answers[1]  # the same answer whether or not the address has requests
    assert sent_mail("nobody@example.com") == []
    [mailed] = sent_mail("portal@example.com")
    assert mailed["Subject"] == "Your requests with Acme"
    [link] = re.findall(r"http://desk\.test(/my/[A-Za-z0-9_.\-]+)\?lang=en", text_of(mailed))

    for _ in range(2):  # a mail scanner's GET uses nothing up
        status, html, _ = page(company.api, "GET", link)
        assert status == 200 and 'id="show"' in html
    status, _, headers = page(company.api, "POST", link, "")
    assert status == 303 and headers["Location"] == "http://desk.test/my?lang=en"
    session = headers["Set-Cookie"].split(";")[0]
    assert "HttpOnly" in headers["Set-Cookie"] and "SameSite=Lax" in headers["Set-Cookie"]
    listed = company.api.client.http.get("/my?lang=en", headers={"Cookie": session})
    html = listed.body.decode()
    assert listed.status_code == 200 and "Printer is broken" in html and "Invoice is wrong" in html
    assert "Time zone: Vilnius (GMT+02:00)" in html  # times in the company's zone, named
    assert not re.search(r">\d{4}-\d\d-\d\dT", html)  # no raw ISO timestamps shown
    assert "Someone else" not in html
    ticket_links = re.findall(r'href="http://desk\.test(/c/[^"]+)"', html)
    assert len(ticket_links) == 2
    status, ticket_page, _ = page(company.api, "GET", ticket_links[-1])
    assert status == 200 and "Printer is broken" in ticket_page and first["ticket_id"]

    status, html, _ = page(company.api, "POST", link, "")  # the link works once
    assert status == 410 and "already been used" in html
    status, html, _ = page(company.api, "GET", "/my")  # no cookie: no list
    assert status == 401 and "Printer" not in html
    forged = company.api.client.http.get("/my", headers={"Cookie": "sd_portal=" + quote(session.split("=", 1)[1][:-3])})
    assert forged.status_code == 401


def _portal_messages(company: Company) -> list[OutboxMessage]:
    return [m for m in OutboxMessage.query(company.company_id) if m.kind == "customer.portal"]


def test_the_portal_mail_is_claimed_with_the_counters_and_recorded_sent(company: Company) -> None:
    company.open_ticket("Router", "portal.sent@example.com")
    path = f"/f/{company.intake_key}/requests"
    assert page(company.api, "POST", path, urlencode({"email": "portal.sent@example.com"}))[0] == 303
    [message] = _portal_messages(company)
    assert message.state == "sent" and int(message.attempts) == 1 and message.retry_watch is None
    assert len(sent_mail("portal.sent@example.com")) == 1


def test_a_portal_request_refused_by_the_rate_limit_claims_no_mail_and_sends_none(company: Company) -> None:
    company.open_ticket("Router", "portal.often@example.com")
    path = f"/f/{company.intake_key}/requests"
    statuses = [page(company.api, "POST", path, urlencode({"email": "portal.often@example.com"}))[0] for _ in range(4)]
    assert statuses == [303, 303, 303, 429]  # three an hour per address
    assert len(_portal_messages(company)) == 3 and len(sent_mail("portal.often@example.com")) == 3


def test_a_suppressed_customer_gets_no_portal_mail_and_the_outbox_says_why(company: Company) -> None:
    company.open_ticket("Router", "portal.bounced@example.com")
    mail.suppress("portal.bounced@example.com", "bounce")
    status, _, headers = page(
        company.api, "POST", f"/f/{company.intake_key}/requests", "email=portal.bounced%40example.com"
    )
    assert status == 303 and headers["Location"].endswith("/requests/sent?lang=en")  # the same answer
    [message] = _portal_messages(company)
    assert message.state == "suppressed" and sent_mail("portal.bounced@example.com") == []


def test_a_portal_request_for_another_company_s_customer_mails_nothing(
    company: Company, other_company: Company
) -> None:
    other_company.open_ticket("Theirs", "portal.elsewhere@example.com")
    path = f"/f/{company.intake_key}/requests"
    assert page(company.api, "POST", path, urlencode({"email": "portal.elsewhere@example.com"}))[0] == 303
    assert _portal_messages(company) == [] and sent_mail("portal.elsewhere@example.com") == []
    assert page(company.api, "POST", f"/f/{company.company_id}.wrong/requests", "email=a%40example.com")[0] == 404
