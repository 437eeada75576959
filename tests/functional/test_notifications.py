"""Customers and agents hear about a ticket: the tickets stream handler, invoked as Lambda invokes it with
the records the ticket's real changes make, sends each notification once (redelivered three times), as
MIME with both parts, threaded under the first mail, with the ticket's Reply-To and the link that works."""

from __future__ import annotations

import secrets
from datetime import timedelta

from chalice.test import Client

from chalicelib.clock import utcnow
from chalicelib.mail import threading
from chalicelib.outbox.models import OutboxMessage
from chalicelib.settings import get_settings
from tests.functional.conftest import Company
from tests.functional.events import scheduled_event
from tests.functional.notify_helpers import Stream, links_in, parts, sent_mail, ses_refusing, text_of
from tests.functional.sessions_helpers import Browser, sign_in
from tests.support.dynamodb_requests import dynamodb_requests


def outbox_of(company: Company, ticket_id: str) -> dict[str, OutboxMessage]:
    items = OutboxMessage.query(company.company_id, OutboxMessage.message_key.startswith(ticket_id + "#"))
    return {item.message_key.split("#", 1)[1].split(":")[0]: item for item in items}


def test_the_customer_hears_at_every_step_once_each_threaded_under_the_first_mail(
    company: Company, client: Client
) -> None:
    stream = Stream(client, company.company_id)
    ada = company.add_agent("Ada")
    address = "steps@example.com"
    opened = company.open_ticket("Printer is broken", address)
    ticket_id = opened["ticket_id"]
    assert stream.step(ticket_id, times=3) == {"batchItemFailures": []}

    [received] = sent_mail(address)
    reference = threading.subject_reference(ticket_id)
    assert received["Subject"] == f"[{reference}] Printer is broken"
    assert received.get_content_type() == "multipart/alternative"
    assert set(parts(received)) == {"text/plain", "text/html"}
    assert "It prints blank pages." in text_of(received) and reference in text_of(received)
    assert received["Message-ID"] == threading.message_id(company.company_id, ticket_id, threading.EVENT_RECEIVED)
    assert received["In-Reply-To"] == threading.thread_root(company.company_id, ticket_id)
    assert received["Auto-Submitted"] == "auto-generated" and received["Content-Language"] == "en"
    token = threading.parse_reply_address(received["Reply-To"])
    assert token is not None and token.ticket_id == ticket_id and threading.verify_reply(token, company.company_id)
    [link] = set(links_in(text_of(received)))
    assert links_in(parts(received)["text/html"]) == [link]
    status, page = company.api.call("GET", link, token="")
    assert status == 200 and "Printer is broken" in page

    ada.call("POST", "/tickets/next")
    stream.step(ticket_id, times=3)
    ada.call("POST", f"/tickets/{ticket_id}/messages", {"body": "Customer sounds upset", "visibility": "internal"})
    stream.step(ticket_id, times=3)
    assert len(sent_mail(address)) == 1  # taking the ticket and an internal note tell the customer nothing

    status, replied = ada.call("POST", f"/tickets/{ticket_id}/messages", {"body": "Please check the toner."})
    assert status == 201
    stream.step(ticket_id, times=3)
    [_, reply] = sent_mail(address)
    assert reply["Subject"] == f"Re: [{reference}] Printer is broken"
    assert "Ada replied" in text_of(reply) and "Please check the toner." in text_of(reply)
    assert "Customer sounds upset" not in text_of(reply) + parts(reply)["text/html"]
    assert reply["In-Reply-To"] == received["Message-ID"]
    assert received["Message-ID"] in threading.message_ids(reply["References"])
    assert reply["Message-ID"] == threading.message_id(
        company.company_id, ticket_id, threading.reply_event(replied["message"]["message_id"])
    )

    ada.call("POST", f"/tickets/{ticket_id}/resolve")
    stream.step(ticket_id, times=3)
    [_, _, resolved] = sent_mail(address)
    assert "Is your problem solved?" in text_of(resolved) and "Yes, solved" in parts(resolved)["text/html"]
    confirm = [link for link in links_in(text_of(resolved)) if link.endswith("/confirm")]
    assert len(confirm) == 1 and resolved["In-Reply-To"] == received["Message-ID"]

    # every record again, all at once: nothing more is sent
    assert stream.deliver(*stream.records, times=2) == {"batchItemFailures": []}
    assert len(sent_mail(address)) == 3
    kinds = {key: item.state for key, item in outbox_of(company, ticket_id).items()}
    assert kinds == {"received": "sent", "reply": "sent", "resolved": "sent"}


def test_a_duplicate_is_added_to_the_open_request_and_the_assignee_hears_of_it(
    company: Company, client: Client
) -> None:
    stream = Stream(client, company.company_id)
    ada = company.add_agent("Ada")
    first = company.open_ticket("Printer is broken", "dup@example.com")
    stream.step(first["ticket_id"])
    ada.call("POST", "/tickets/next")
    stream.step(first["ticket_id"])
    again = company.open_ticket("Re: printer is broken!", "dup@example.com")
    assert again["merged"] is True and again["ticket_id"] == first["ticket_id"]
    stream.step(first["ticket_id"], times=3)

    [_, merged] = sent_mail("dup@example.com")
    assert "We added your message to your open request" in text_of(merged)
    reference = threading.subject_reference(first["ticket_id"])
    [wrote] = [m for m in sent_mail("ada@example.com") if reference in m["Subject"]]  # Ada works for many
    assert wrote["Subject"].endswith("Ann wrote: Printer is broken")
    assert "It prints blank pages." in text_of(wrote) and "Reply-To" not in wrote
    assert f"http://desk.test/desk/tickets/{first['ticket_id']}" in text_of(wrote)  # the ticket in the staff app
    assert wrote["Auto-Submitted"] == "auto-generated"

    # the customer writes from their page: the assignee hears, the customer gets no echo
    company.api.call("POST", f"/customer/tickets/{first['link_token']}/messages", {"body": "Any news?"}, token="")
    stream.step(first["ticket_id"], times=3)
    assert len(sent_mail("dup@example.com")) == 2
    assert "Any news?" in text_of([m for m in sent_mail("ada@example.com") if reference in m["Subject"]][-1])


def _away_from_the_desk(browser: Browser) -> None:
    """The browser's desk was last seen by the pulse 20 minutes ago (closed or hidden since)."""
    from chalicelib import sessions
    from chalicelib.sessions.models import Session

    record = Session.get(sessions.hash_secret(browser.secret or ""))
    record.update(actions=[Session.last_seen_at.set(record.last_seen_at - timedelta(minutes=20))])


def test_the_assignee_gets_no_mail_of_the_customers_message_while_at_the_desk_and_one_when_away(
    company: Company, client: Client
) -> None:
    stream = Stream(client, company.company_id)
    ada = company.add_agent("Ada")  # online
    opened = company.open_ticket("Printer is broken", "desk@example.com")
    ticket_id, link = opened["ticket_id"], opened["link_token"]
    stream.step(ticket_id)
    ada.call("POST", "/tickets/next")
    stream.step(ticket_id)
    reference = threading.subject_reference(ticket_id)

    def customer_writes(body: str) -> list[str]:
        """What Ada is mailed about this ticket after the customer writes `body` (the record thrice)."""
        status, _ = company.api.call("POST", f"/customer/tickets/{link}/messages", {"body": body}, token="")
        assert status == 201
        assert stream.step(ticket_id, times=3) == {"batchItemFailures": []}
        return [text_of(m) for m in sent_mail("ada@example.com") if reference in m["Subject"]]

    desk = sign_in(company, company.agent_ids["Ada"])
    _away_from_the_desk(desk)
    assert desk.page("/desk")[0] == 200  # a page drawn without JavaScript's pulse: she may not be looking
    assert [m for m in customer_writes("First question") if "First question" in m]  # mailed

    assert desk.request("GET", "/desk/pulse?since=0").status_code in (200, 204)  # her open desk asks
    mailed = customer_writes("Second question")
    assert not [m for m in mailed if "Second question" in m]  # the pulse tells her; no mail
    wrote = [i for i in OutboxMessage.query(company.company_id) if i.kind == "agent.customer_wrote"]
    assert sorted(i.state for i in wrote) == ["sent", "suppressed"]  # kept as not sent, with the reason

    assert ada.call("PUT", "/me/status", {"status": "break"})[0] == 200  # on a break, the desk still open
    assert [m for m in customer_writes("Third question") if "Third question" in m]

    assert ada.call("PUT", "/me/status", {"status": "online"})[0] == 200
    _away_from_the_desk(desk)  # back online, but the desk was closed 20 minutes ago
    assert [m for m in customer_writes("Fourth question") if "Fourth question" in m]


def test_an_agent_hears_of_a_transfer_to_them_unless_they_turned_mail_off(company: Company, client: Client) -> None:
    stream = Stream(client, company.company_id)
    ada, bob = company.add_agent("Ada"), company.add_agent("Bob")
    carl = company.add_agent("Carl")
    opened = company.open_ticket("Refund", "transfer@example.com")
    stream.step(opened["ticket_id"])
    ada.call("POST", "/tickets/next")
    stream.step(opened["ticket_id"])
    status, body = ada.call(
        "POST", f"/tickets/{opened['ticket_id']}/transfer", {"to_agent_id": company.agent_ids["Bob"]}
    )
    assert status == 200, body
    stream.step(opened["ticket_id"], times=3)
    [moved] = sent_mail("bob@example.com")
    assert "Ada transferred" in text_of(moved) and "Refund" in moved["Subject"]

    status, prefs = carl.call("PATCH", "/me/preferences", {"email_notifications": False})
    assert status == 200 and prefs == {"email_notifications": False, "locale": "en"}
    status, body = bob.call(
        "POST", f"/tickets/{opened['ticket_id']}/transfer", {"to_agent_id": company.agent_ids["Carl"]}
    )
    assert status == 200, body
    stream.step(opened["ticket_id"], times=2)
    assert sent_mail("carl@example.com") == []
    items = OutboxMessage.query(company.company_id, OutboxMessage.message_key.startswith(opened["ticket_id"] + "#"))
    states = {item.recipient: item.state for item in items if item.kind == "agent.assigned"}
    assert states == {company.agent_ids["Bob"]: "sent", company.agent_ids["Carl"]: "suppressed"}
    assert carl.call("GET", "/me/preferences")[1]["email_notifications"] is False


def test_a_send_ses_refuses_is_retried_by_the_stream_then_by_the_schedule_and_arrives_once(
    company: Company, client: Client
) -> None:
    refused = f"refused-{secrets.token_hex(4)}@example.com"  # moto's outbox is shared by the whole session
    stream = Stream(client, company.company_id)
    opened = company.open_ticket("Login fails", refused)
    record = stream.changed(opened["ticket_id"])
    with ses_refusing():
        for _ in range(3):  # the stream's retries, all refused
            assert stream.deliver(record) == {
                "batchItemFailures": [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]}]
            }
        failed = outbox_of(company, opened["ticket_id"])["received"]
        assert failed.state == "failed" and failed.attempts == 3 and "MessageRejected" in (failed.last_error or "")
        status, listed = company.manager.call("GET", "/notifications/failed")
        assert status == 200 and [n["kind"] for n in listed["notifications"]] == ["customer.received"]
        assert listed["notifications"][0]["ticket_id"] == opened["ticket_id"]
        # the schedule while SES still refuses: tried, failed again, kept
        later = utcnow() + timedelta(hours=2)
        assert client.lambda_.invoke("resend_notifications", scheduled_event(later)).payload["failed"] >= 1
    assert sent_mail(refused) == []

    later = utcnow() + timedelta(hours=3)
    result = client.lambda_.invoke("resend_notifications", scheduled_event(later)).payload
    assert result["sent"] >= 1
    client.lambda_.invoke("resend_notifications", scheduled_event(later + timedelta(hours=1)))
    assert stream.deliver(record) == {"batchItemFailures": []}  # a late redelivery sends nothing either
    assert len(sent_mail(refused)) == 1
    sent = outbox_of(company, opened["ticket_id"])["received"]
    assert sent.state == "sent" and sent.retry_watch is None and sent.failed_at is None
    assert company.manager.call("GET", "/notifications/failed")[1]["notifications"] == []


def test_addresses_ses_would_refuse_are_refused_at_the_intake_with_a_field_error(company: Company) -> None:
    for address in ("a,b@example.com", "a<b>@example.com", "ann", "ann@", "иван@example.com", "ann@localhost"):
        payload = {"subject": "Hi", "body": "Hi", "customer_name": "Ann", "customer_email": address}
        status, body = company.api.call("POST", f"/intake/{company.intake_key}/tickets", payload, token="")
        assert status == 422, (address, body)
        assert [e["field"] for e in body["errors"]] == ["customer_email"], body
        assert address not in str(body)
    status, body = company.manager.call("POST", "/employees", {"name": "Eve", "email": "eve@@example.com"})
    assert status == 422 and body["errors"][0]["field"] == "email"
    ok = {"subject": "Hi", "body": "Hi", "customer_name": "Ann", "customer_email": "Ann@Пример.рф"}
    assert company.api.call("POST", f"/intake/{company.intake_key}/tickets", ok, token="")[0] == 201


def test_a_notification_costs_four_dynamodb_requests_and_a_redelivered_one_one(
    company: Company, client: Client
) -> None:
    stream = Stream(client, company.company_id)
    opened = company.open_ticket("Budget", "budget@example.com")
    record = stream.changed(opened["ticket_id"])
    with dynamodb_requests() as first:
        assert stream.deliver(record) == {"batchItemFailures": []}
    with dynamodb_requests() as again:
        assert stream.deliver(record) == {"batchItemFailures": []}
    # the notification's own: claim, one BatchGetItem (company, customer, message), suppression, record
    outbox, suppressions = (f"{get_settings().table_name(t)}" for t in ("outbox", "mail_suppressions"))
    assert first[f"UpdateItem {outbox}"] == 2 and first["BatchGetItem"] == 1 and first[f"GetItem {suppressions}"] == 1
    # beside it, the same record's report counters (chalicelib/reports/hooks.py): the company's calendar
    # (cached per container) and one transaction with the record's marker
    companies = get_settings().table_name("companies")
    assert first["GetItem"] - first[f"GetItem {companies}"] == 1 and first[f"GetItem {companies}"] <= 1
    assert first["TransactWriteItems"] == 1 and sum(first[k] for k in ("Query", "Scan")) == 0
    assert again[f"UpdateItem {outbox}"] == 1 and again["BatchGetItem"] == again["GetItem"] == 0
