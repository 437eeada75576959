"""The tip e-mail stream handler, invoked as Lambda invokes it with records built from real tickets:
exactly one message per confirmed close under redelivery, MIME parts, locales, the Tip button only
when the company is verified and the employee linked, suppression, partial batch failures, Telegram."""

from __future__ import annotations

import copy
import json
import re
from datetime import timedelta

import pytest
import responses
from chalice.test import Client

from chalicelib import mail
from chalicelib.mail import threading
from chalicelib.outbox.models import OutboxMessage
from chalicelib.tips import message as tip_message
from chalicelib.tips.config import get_tip_config
from chalicelib.tips.models import TicketFunnel
from tests.functional.conftest import Company
from tests.functional.events import stream_record
from tests.functional.tips_helpers import (
    Partner,
    close_ticket,
    deliver,
    enable_tips,
    partner_fixture,  # noqa: F401
    parts,
    sent_mail,
)

LINK = re.compile(r"http://desk\.test/(rate|tip)/[A-Za-z0-9_.\-]+")


def outbox_item(company: Company, ticket_id: str) -> OutboxMessage:
    return OutboxMessage.get(company.company_id, f"{ticket_id}#rating", consistent_read=True)


def test_a_confirmed_close_sends_one_mime_email_with_a_rating_link_and_a_tip_button(
    company: Company, partner: Partner, client: Client
) -> None:
    enable_tips(company, partner)
    closed = close_ticket(company, email_address="ann.tip@example.com")
    assert deliver(client, closed.record("100")) == {"batchItemFailures": []}

    [message] = sent_mail("ann.tip@example.com")
    assert message.get_content_type() == "multipart/alternative"
    bodies = parts(message)
    assert set(bodies) == {"text/plain", "text/html"}
    assert message["Subject"] == "How did we do? Printer is broken"
    assert "Acme" in message["From"]
    for body in bodies.values():
        found = {m.group(1) for m in LINK.finditer(body)}
        assert found == {"rate", "tip"}
        assert "ann.tip@example.com" not in "".join(LINK.findall(body))
    assert "Rate Ada" in bodies["text/html"] and "Leave a tip" in bodies["text/html"]
    funnel = TicketFunnel.get(company.company_id, closed.after.ticket_id)
    assert funnel.channel == "email" and funnel.sent_at is not None
    sent = outbox_item(company, closed.after.ticket_id)
    assert sent.state == "sent" and sent.channel == "email" and sent.attempts == 1
    # threaded with the ticket's other mails: its own id, the first notification as parent, the reply address
    assert message["Message-ID"] == threading.message_id(company.company_id, closed.after.ticket_id, "rating")
    received = threading.message_id(company.company_id, closed.after.ticket_id, threading.EVENT_RECEIVED)
    assert message["In-Reply-To"] == received
    assert threading.message_ids(message["References"])[-1] == received
    assert message["Auto-Submitted"] == "auto-generated"
    token = threading.parse_reply_address(message["Reply-To"])
    assert token is not None and threading.verify_reply(token, company.company_id)


def test_the_same_record_delivered_three_times_sends_one_email_also_hours_later(
    company: Company, partner: Partner, client: Client
) -> None:
    enable_tips(company, partner)
    closed = close_ticket(company, email_address="thrice@example.com")
    for _ in range(3):
        assert deliver(client, closed.record("200")) == {"batchItemFailures": []}
    # a redelivery a day later still finds the claim: the marker has no expiry
    assert tip_message.send_once(closed.after, now=closed.after.closed_at + timedelta(hours=23)) == "already-claimed"
    assert len(sent_mail("thrice@example.com")) == 1


def test_no_tip_button_unless_the_company_is_verified_and_the_employee_linked(
    company: Company, partner: Partner, client: Client
) -> None:
    company.manager.call("POST", "/tips/company/opt-in")  # pending verification only
    closed = close_ticket(company, email_address="no.button@example.com")
    deliver(client, closed.record("300"))
    [message] = sent_mail("no.button@example.com")
    bodies = parts(message)
    assert {m.group(1) for m in LINK.finditer(bodies["text/plain"])} == {"rate"}
    assert "Leave a tip" not in bodies["text/html"]


def test_a_russian_speaking_customer_gets_the_russian_email(company: Company, partner: Partner, client: Client) -> None:
    enable_tips(company, partner)
    closed = close_ticket(company, email_address="ivan@example.com", locale="ru")
    deliver(client, closed.record("400"))
    [message] = sent_mail("ivan@example.com")
    bodies = parts(message)
    assert message["Content-Language"] == "ru"
    assert message["Subject"] == "Оцените нашу работу: Printer is broken"
    assert "Оставить чаевые" in bodies["text/html"] and "Здравствуйте" in bodies["text/plain"]


def test_a_close_without_confirmation_sends_the_rating_message_by_default_and_only_closes_do(
    company: Company, client: Client
) -> None:
    closed = close_ticket(company, email_address="auto.closed@example.com")
    auto = copy.deepcopy(closed.after)
    auto.close_reason = "auto"
    reply = copy.deepcopy(closed.before)
    reply.message_count = int(reply.message_count) + 1
    result = deliver(
        client,
        stream_record("500", auto, closed.before),
        stream_record("501", reply, closed.before),
        stream_record("502", closed.before),
        stream_record("503", auto, closed.before),
    )
    assert result == {"batchItemFailures": []}
    [message] = sent_mail("auto.closed@example.com")
    assert "Thank you for confirming" not in parts(message)["text/plain"]


def test_a_company_may_send_the_rating_message_only_after_the_customers_confirmation(
    company: Company, client: Client
) -> None:
    status, body = company.manager.call("PATCH", "/company/settings", {"rating_mail_for_unconfirmed": False})
    assert status == 200 and body["rating_mail_for_unconfirmed"] is False
    closed = close_ticket(company, email_address="confirmed.only@example.com")
    auto = copy.deepcopy(closed.after)
    auto.close_reason = "auto"
    assert deliver(client, stream_record("510", auto, closed.before)) == {"batchItemFailures": []}
    assert sent_mail("confirmed.only@example.com") == []
    assert deliver(client, closed.record("511")) == {"batchItemFailures": []}
    assert len(sent_mail("confirmed.only@example.com")) == 1


def test_suppressed_addresses_never_get_mail(company: Company, partner: Partner, client: Client) -> None:
    mail.suppress("Bounced@Example.com", "bounce")
    closed = close_ticket(company, email_address="bounced@example.com")
    assert deliver(client, closed.record("600")) == {"batchItemFailures": []}
    assert sent_mail("bounced@example.com") == []
    assert outbox_item(company, closed.after.ticket_id).state == "suppressed"


def test_one_bad_record_is_reported_and_neither_blocks_nor_resends_the_rest(
    company: Company, partner: Partner, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = close_ticket(company, email_address="first@example.com")
    refused = close_ticket(company, email_address="refused@example.com")
    last = close_ticket(company, email_address="last@example.com")
    real_send = mail.send

    def refusing_one(message: mail.Mail) -> str:  # SES failing for one message only
        if message.to == "refused@example.com":
            raise RuntimeError("SES refused the message")
        return real_send(message)

    monkeypatch.setattr(mail, "send", refusing_one)
    batch = [first.record("700"), refused.record("701"), last.record("702")]
    assert deliver(client, *batch) == {"batchItemFailures": [{"itemIdentifier": "701"}]}
    # Lambda retries from the failed record; here the whole batch again, for good measure
    assert deliver(client, *batch) == {"batchItemFailures": [{"itemIdentifier": "701"}]}
    assert len(sent_mail("first@example.com")) == 1
    assert len(sent_mail("last@example.com")) == 1
    assert outbox_item(company, refused.after.ticket_id).state == "failed"


def test_a_customer_erased_right_after_the_close_is_skipped_not_failed(company: Company, client: Client) -> None:
    closed = close_ticket(company, email_address="erase.me@example.com")
    status, body = company.manager.call("POST", "/customers/erase", {"email": "erase.me@example.com"})
    assert status == 200, body
    for _ in range(2):  # and a redelivery changes nothing
        assert deliver(client, closed.record("750")) == {"batchItemFailures": []}
    assert sent_mail("erase.me@example.com") == []
    gone = outbox_item(company, closed.after.ticket_id)
    assert gone.state == "undeliverable" and gone.last_error == "the customer, employee or company no longer exists"


def test_a_record_whose_employee_or_company_no_longer_exists_is_skipped_and_the_rest_is_sent(
    company: Company, client: Client
) -> None:
    closed = close_ticket(company, email_address="parties@example.com")
    no_employee = copy.deepcopy(closed.after)
    no_employee.ticket_id, no_employee.resolved_by = closed.after.ticket_id + "x", "em_gone"
    no_company = copy.deepcopy(closed.after)
    no_company.company_id = "co_gone_" + closed.after.ticket_id[-12:]
    batch = [
        stream_record("760", no_employee, closed.before),
        stream_record("761", no_company, closed.before),
        closed.record("762"),
    ]
    assert deliver(client, *batch) == {"batchItemFailures": []}
    assert len(sent_mail("parties@example.com")) == 1  # only the real one
    for ticket in (no_employee, no_company):
        gone = OutboxMessage.get(ticket.company_id, f"{ticket.ticket_id}#rating", consistent_read=True)
        assert gone.state == "undeliverable" and "no longer exists" in (gone.last_error or "")


def test_a_failed_send_is_retried_by_the_redelivery_and_then_sent_once(
    company: Company, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = close_ticket(company, email_address="flaky@example.com")
    real_send = mail.send

    def failing(message: mail.Mail) -> str:
        raise RuntimeError("SES throttled")

    monkeypatch.setattr(mail, "send", failing)
    assert deliver(client, closed.record("800")) == {"batchItemFailures": [{"itemIdentifier": "800"}]}
    failed = outbox_item(company, closed.after.ticket_id)
    assert failed.state == "failed" and "SES throttled" in (failed.last_error or "")
    monkeypatch.setattr(mail, "send", real_send)
    assert deliver(client, closed.record("800")) == {"batchItemFailures": []}
    assert deliver(client, closed.record("800")) == {"batchItemFailures": []}
    assert len(sent_mail("flaky@example.com")) == 1


def test_a_telegram_customer_gets_the_message_with_url_buttons_instead_of_email(
    company: Company, partner: Partner, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    enable_tips(company, partner)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    get_tip_config.cache_clear()
    try:
        partner.mock.add(
            responses.POST,
            "https://api.telegram.org/bot123:abc/sendMessage",
            json={"ok": True, "result": {"message_id": 42}},
        )
        closed = close_ticket(company, email_address="tg@example.com", channel="telegram", telegram_chat_id="98765")
        for _ in range(2):
            assert deliver(client, closed.record("900")) == {"batchItemFailures": []}
    finally:
        monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
        get_tip_config.cache_clear()
    sends = [c for c in partner.mock.calls if "sendMessage" in c.request.url]
    assert len(sends) == 1
    sent = json.loads(sends[0].request.body)
    assert sent["chat_id"] == "98765" and "Printer is broken" in sent["text"]
    buttons = [row[0] for row in sent["reply_markup"]["inline_keyboard"]]
    assert [b["text"] for b in buttons] == ["Rate Ada", "Leave a tip"]
    assert buttons[0]["url"].startswith("http://desk.test/rate/") and buttons[1]["url"].startswith(
        "http://desk.test/tip/"
    )
    assert sent_mail("tg@example.com") == []
    funnel = TicketFunnel.get(company.company_id, closed.after.ticket_id)
    assert funnel.channel == "telegram"
    assert outbox_item(company, closed.after.ticket_id).provider_id == "42"
