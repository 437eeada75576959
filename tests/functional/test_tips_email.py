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
    assert funnel.state == "sent" and funnel.channel == "email" and funnel.sent_at is not None


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


def test_only_a_close_on_the_customers_confirmation_sends_anything(company: Company, client: Client) -> None:
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
    )
    assert result == {"batchItemFailures": []}
    assert sent_mail("auto.closed@example.com") == []


def test_suppressed_addresses_never_get_mail(company: Company, partner: Partner, client: Client) -> None:
    mail.suppress("Bounced@Example.com", "bounce")
    closed = close_ticket(company, email_address="bounced@example.com")
    assert deliver(client, closed.record("600")) == {"batchItemFailures": []}
    assert sent_mail("bounced@example.com") == []
    assert TicketFunnel.get(company.company_id, closed.after.ticket_id).state == "suppressed"


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
    assert TicketFunnel.get(company.company_id, refused.after.ticket_id).state == "failed"


def test_a_customer_erased_right_after_the_close_is_skipped_not_failed(company: Company, client: Client) -> None:
    closed = close_ticket(company, email_address="erase.me@example.com")
    status, body = company.manager.call("POST", "/customers/erase", {"email": "erase.me@example.com"})
    assert status == 200, body
    for _ in range(2):  # and a redelivery changes nothing
        assert deliver(client, closed.record("750")) == {"batchItemFailures": []}
    assert sent_mail("erase.me@example.com") == []
    funnel = TicketFunnel.get(company.company_id, closed.after.ticket_id)
    assert funnel.state == "undeliverable" and funnel.last_error == "the customer no longer exists"


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
    gone = TicketFunnel.get(company.company_id, no_employee.ticket_id)
    assert gone.state == "undeliverable" and gone.last_error == "the employee no longer exists"
    gone = TicketFunnel.get(no_company.company_id, no_company.ticket_id)
    assert gone.state == "undeliverable" and gone.last_error == "the company no longer exists"


def test_a_failed_send_is_retried_by_the_redelivery_and_then_sent_once(
    company: Company, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = close_ticket(company, email_address="flaky@example.com")
    real_send = mail.send

    def failing(message: mail.Mail) -> str:
        raise RuntimeError("SES throttled")

    monkeypatch.setattr(mail, "send", failing)
    assert deliver(client, closed.record("800")) == {"batchItemFailures": [{"itemIdentifier": "800"}]}
    assert TicketFunnel.get(company.company_id, closed.after.ticket_id).state == "failed"
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
    assert funnel.channel == "telegram" and funnel.message_id == "42"
