# ruff: noqa: RUF001
"""E-mail in through `receive_mail`, invoked with S3 events in Lambda's shape for messages of the fixture
corpus stored in moto's S3: the ticket or thread message each one becomes, threading, junk and loops,
exactly once, and bad input refused or quarantined with nothing half-written."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from chalice.test import Client

from chalicelib.db.models import Customer, Ticket
from chalicelib.inbound import addresses, receive, storage
from chalicelib.inbound.models import ReceivedMail
from chalicelib.mail import threading
from tests.functional.conftest import Company
from tests.functional.mail_helpers import (
    agent_replies,
    deliver,
    desk_address,
    fixture,
    invoke,
    notification_of_reply,
    s3_event,
    store,
    thread,
)
from tests.support.dynamodb_requests import dynamodb_requests


@pytest.fixture(scope="module", autouse=True)
def mail_bucket(moto_server: None) -> Iterator[None]:
    storage.ensure_bucket()
    yield


def _tickets(company: Company) -> list[Ticket]:
    return list(Ticket.by_company.query(company.company_id))


def _new(company: Company, client: Client, name: str) -> tuple[dict[str, Any], Ticket]:
    outcome = deliver(client, fixture(name, desk=desk_address(company.company_id)))
    assert outcome["status"] == "ticket", outcome
    return outcome, Ticket.get(company.company_id, outcome["ticket_id"])


def _answered(company: Company, client: Client, opening: str, reply: str, **values: str) -> tuple[Ticket, bytes]:
    """A ticket opened by `opening` that an agent answered, and `reply` as the customer's mail client writes
    it under that answer's notification (its In-Reply-To, References and Reply-To)."""
    _outcome, ticket = _new(company, client, opening)
    key = agent_replies(company.add_agent("Ada"), ticket.ticket_id, "Please try again now.")
    headers = notification_of_reply(company.company_id, ticket.ticket_id, key)
    return ticket, fixture(reply, **{"desk": desk_address(company.company_id), **headers, **values})


NEW_TICKETS = [
    # file, subject, customer name, locale, texts in the message, texts not in it
    (
        "01_gmail_new_en.eml",
        "Printer prints blank pages",
        "Ann Smith",
        "en",
        ["Our office printer (HP LaserJet 4) prints blank pages since this morning.", "the toner — no change"],
        ["<div"],
    ),
    (
        "07_thunderbird_new_en.eml",
        "Export to CSV drops the last column",
        "Paul Weber",
        "en",
        ['the column "Total" is missing', "Steps:\n- open Reports\n- choose March"],
        [],
    ),
    (
        "09_android_new_ru.eml",
        "Не приходит SMS",
        "Иван Петров",
        "ru",
        ["Не приходит SMS с кодом подтверждения при входе."],
        [],
    ),
    (
        "10_outlook_new_ru_1251.eml",
        "Не открывается личный кабинет",
        "Ольга Смирнова",
        "ru",
        ["После обновления не открывается личный кабинет, ошибка 502."],
        [],
    ),
    (
        "11_thunderbird_new_ru_koi8r.eml",
        "Принтер печатает полосы",
        "Сергей",
        "ru",
        ["Принтер в переговорной печатает полосы. Картридж новый."],
        [],
    ),
    (
        "14_html_only_en.eml",
        "Wrong VAT on order 5531",
        "Lee Park",
        "en",
        ["The VAT on order 5531 (https://shop.example.net/orders/5531) is 20% instead of 9%.", "| Books | 20% |"],
        ["<b>", "alert(", "color: #333", "**"],
    ),
    (
        "15_html_only_ru_1251.eml",
        "Счёт на лицензии",
        "zakaz",
        "ru",
        ["Прошу выставить счёт на 5 лицензий.", "- ИНН 7700000000"],
        ["<ul>"],
    ),
]


@pytest.mark.parametrize(("name", "subject", "customer", "locale", "present", "absent"), NEW_TICKETS)
def test_a_message_to_the_desk_address_opens_a_ticket_with_its_text_in_any_charset(
    company: Company,
    client: Client,
    name: str,
    subject: str,
    customer: str,
    locale: str,
    present: list[str],
    absent: list[str],
) -> None:
    _outcome, ticket = _new(company, client, name)
    assert ticket.subject == subject and ticket.channel == "email" and ticket.status == "queued"
    assert ticket.locale == locale
    person = Customer.get(company.company_id, ticket.customer_id)
    assert person.name == customer
    [message] = thread(company.company_id, ticket.ticket_id)
    assert message.author_type == "customer" and message.author_id == ticket.customer_id
    for text in present:
        assert text in message.body, message.body
    for text in absent:
        assert text not in message.body
    assert message.sender_email == person.email


def test_mail_forwarded_from_an_address_the_manager_added_finds_the_company(company: Company, client: Client) -> None:
    addresses.add_own_address(company.company_id, "Support@Acme.test", company.manager_id, is_manager=True)
    raw = fixture("03_outlook_new_en.eml", desk="relay@forwarder.example")  # the envelope names no desk address
    outcome = deliver(client, raw)
    assert outcome["status"] == "ticket" and outcome["company_id"] == company.company_id
    [message] = thread(company.company_id, outcome["ticket_id"])
    assert "The error says “account locked”." in message.body  # windows-1252, quoted-printable


def test_mail_for_no_known_address_makes_nothing(company: Company, client: Client) -> None:
    outcome = deliver(client, fixture("01_gmail_new_en.eml", desk="nobody@in.servicedesk.local"))
    assert outcome == {"status": "dropped", "reason": "no desk address among the recipients", "key": outcome["key"]}


def test_attachments_are_stored_privately_and_shown_as_short_lived_links(company: Company, client: Client) -> None:
    _outcome, ticket = _new(company, client, "05_apple_attachment_en.eml")
    [message] = thread(company.company_id, ticket.ticket_id)
    [pdf] = message.attachments
    assert pdf.name == "invoice 2025\u2011117.pdf" and pdf.content_type == "application/pdf" and not pdf.inline
    assert pdf.key.startswith(f"attachments/{company.company_id}/") and "invoice" not in pdf.key
    agent = company.add_agent("Ada")
    status, shown = agent.call("GET", f"/tickets/{ticket.ticket_id}/messages")
    assert status == 200
    [file] = shown["messages"][0]["attachments"]
    assert file["name"] == pdf.name and "X-Amz-Expires=900" in file["url"] and "X-Amz-Signature=" in file["url"]
    download = requests.get(file["url"], timeout=10)
    assert download.status_code == 200 and download.content.startswith(b"%PDF-1.4")
    assert "attachment;" in download.headers["Content-Disposition"]


def test_an_inline_image_stays_with_its_message_and_the_text_says_where_it_was(
    company: Company, client: Client
) -> None:
    _outcome, ticket = _new(company, client, "16_inline_image_en.eml")
    [message] = thread(company.company_id, ticket.ticket_id)
    assert message.body == "This dialog appears when I save:\n\n[image: error dialog]\n\nKim"
    [image] = message.attachments
    assert image.inline and image.content_type == "image/png" and image.content_id == "screenshot16@example.com"


def test_rfc_2231_and_rfc_2047_file_names_are_decoded(company: Company, client: Client) -> None:
    _outcome, ticket = _new(company, client, "17_russian_filenames.eml")
    [message] = thread(company.company_id, ticket.ticket_id)
    assert message.body == "Во вложении акт и счёт."
    assert [a.name for a in message.attachments] == ["счёт.pdf", "акт.txt"]


def test_hostile_file_names_never_reach_a_key_and_executables_are_withheld(company: Company, client: Client) -> None:
    _outcome, ticket = _new(company, client, "23_hostile_filenames.eml")
    [message] = thread(company.company_id, ticket.ticket_id)
    passwd, exe, html = message.attachments
    assert passwd.name == "passwd" and passwd.key.endswith("/1") and not passwd.withheld
    assert exe.name == "invoicefdp.exe" and exe.withheld == "executable" and exe.key == ""  # no RLO trick
    assert "<" not in html.name and "/" not in html.name and html.content_type == "application/octet-stream"


# ---------------------------------------------------------------- replies

REPLIES = [
    # the message that opened the ticket, the customer's reply, the reply's text without its history
    ("01_gmail_new_en.eml", "02_gmail_reply_en.eml", "That worked, the fuser was loose. Thank you!"),
    ("07_thunderbird_new_en.eml", "08_iphone_reply_en.eml", "Yes, the new version exports it. Closing from my side."),
    ("05_apple_attachment_en.eml", "06_apple_reply_en.eml", "I see the refund now — thanks."),
    ("10_outlook_new_ru_1251.eml", "12_reply_napisal_ru.eml", "Спасибо, кабинет открылся."),
    ("09_android_new_ru.eml", "13_gmail_reply_ru.eml", "Код пришёл, всё работает."),
]


@pytest.mark.parametrize(("opening", "reply", "expected"), REPLIES)
def test_a_reply_to_the_notification_lands_in_the_same_thread_without_the_quoted_history(
    company: Company, client: Client, opening: str, reply: str, expected: str
) -> None:
    ticket, raw = _answered(company, client, opening, reply)
    outcome = deliver(client, raw)
    assert outcome["status"] == "reply" and outcome["ticket_id"] == ticket.ticket_id, outcome
    assert outcome["reason"] == "in-reply-to"
    messages = thread(company.company_id, ticket.ticket_id)
    assert [m.author_type for m in messages] == ["customer", "agent", "customer"]
    assert messages[-1].body == expected
    assert len(_tickets(company)) == 1


def test_the_outlook_reply_keeps_its_text_and_drops_the_from_sent_block(company: Company, client: Client) -> None:
    addresses.add_own_address(
        company.company_id, f"help-{company.company_id[-6:]}@contoso.example", "x", is_manager=True
    )
    _outcome, ticket = _new(company, client, "01_gmail_new_en.eml")
    agent = company.add_agent("Ada")
    key = agent_replies(agent, ticket.ticket_id, "Your account is unlocked; please try again.")
    headers = notification_of_reply(company.company_id, ticket.ticket_id, key)
    raw = fixture("04_outlook_reply_en.eml", **headers)  # the ticket's customer answers from Outlook
    outcome = deliver(client, raw.replace(b"john.doe@contoso.example", b"ann.gmail@example.com"))
    assert outcome["status"] == "reply" and outcome["ticket_id"] == ticket.ticket_id
    assert thread(company.company_id, ticket.ticket_id)[-1].body == "Unlocked now, I can log in again.\n\nJohn"


def test_replies_thread_on_references_when_in_reply_to_is_the_id_ses_gave_the_notification(
    company: Company, client: Client
) -> None:
    _outcome, ticket = _new(company, client, "01_gmail_new_en.eml")
    root = threading.thread_root(company.company_id, ticket.ticket_id)
    ses_id = "<0100018f0a1b2c3d-11111111-2222-3333-4444-555555555555-000000@email.amazonses.com>"
    raw = fixture(
        "02_gmail_reply_en.eml",
        in_reply_to=ses_id,
        references=f"{root} {ses_id}",
        reply_to="someone@example.com",
        desk=desk_address(company.company_id),
    )
    outcome = deliver(client, raw)
    assert outcome["status"] == "reply" and outcome["ticket_id"] == ticket.ticket_id
    assert outcome["reason"] == "references"


def test_the_reply_address_alone_threads_mail_from_the_tickets_customer(company: Company, client: Client) -> None:
    _outcome, ticket = _new(company, client, "01_gmail_new_en.eml")
    reply_to = threading.reply_address(ticket_handle(company), company.company_id, ticket.ticket_id)
    raw = fixture("02_gmail_reply_en.eml", in_reply_to="", references="", reply_to=reply_to)
    outcome = deliver(client, raw)
    assert outcome["status"] == "reply" and outcome["reason"] == "reply address"
    assert outcome["ticket_id"] == ticket.ticket_id


def ticket_handle(company: Company) -> str:
    return desk_address(company.company_id).split("@")[0]


def test_a_reply_address_used_by_another_sender_opens_a_new_ticket(company: Company, client: Client) -> None:
    _outcome, ticket = _new(company, client, "01_gmail_new_en.eml")
    reply_to = threading.reply_address(ticket_handle(company), company.company_id, ticket.ticket_id)
    raw = fixture("02_gmail_reply_en.eml", in_reply_to="", references="", reply_to=reply_to)
    raw = raw.replace(b"ann.gmail@example.com", b"mallory@example.com")  # forwarded, or guessed
    outcome = deliver(client, raw)
    assert outcome["status"] == "ticket" and outcome["ticket_id"] != ticket.ticket_id
    assert outcome["reason"] == "reply address used by another sender"
    assert len(thread(company.company_id, ticket.ticket_id)) == 1


def test_a_reference_to_the_notification_from_another_sender_opens_a_ticket_of_their_own(
    company: Company, client: Client
) -> None:
    ticket, raw = _answered(company, client, "01_gmail_new_en.eml", "02_gmail_reply_en.eml")
    raw = raw.replace(b"ann.gmail@example.com", b"colleague@example.com")  # the notification forwarded
    outcome = deliver(client, raw)
    assert outcome["status"] == "ticket" and outcome["ticket_id"] != ticket.ticket_id
    assert outcome["reason"] == "reference used by another sender"
    assert [m.author_type for m in thread(company.company_id, ticket.ticket_id)] == ["customer", "agent"]


@pytest.mark.parametrize(
    ("results", "threaded"),
    [
        ("amazonses.com; spf=fail smtp.mailfrom=example.com; dkim=none; dmarc=fail header.from=example.com", False),
        ("amazonses.com; spf=pass; dkim=pass header.i=@example.com; dmarc=pass header.from=example.com", True),
        ("amazonses.com; spf=none; dkim=none; dmarc=none", True),  # the domain publishes no DMARC policy
    ],
    ids=["dmarc-fail", "dmarc-pass", "no-dmarc"],
)
def test_a_reply_whose_from_ses_found_forged_never_continues_the_customers_ticket(
    company: Company, client: Client, results: str, threaded: bool
) -> None:
    ticket, raw = _answered(company, client, "01_gmail_new_en.eml", "02_gmail_reply_en.eml")
    # SES's header goes on top; the fixture's own (dmarc=pass) below it is a claim that counts for nothing
    raw = f"Authentication-Results: {results}\r\n".encode() + raw
    outcome = deliver(client, raw)
    if threaded:
        assert outcome["status"] == "reply" and outcome["ticket_id"] == ticket.ticket_id, outcome
    else:
        assert outcome["status"] == "ticket" and outcome["ticket_id"] != ticket.ticket_id, outcome
        assert outcome["reason"] == "sender's address not verified (DMARC failed)"
        assert len(thread(company.company_id, ticket.ticket_id)) == 2


def test_a_forged_message_id_or_another_companys_token_threads_nothing(
    company: Company, other_company: Company, client: Client
) -> None:
    _outcome, theirs = _new(other_company, client, "01_gmail_new_en.eml")
    forged_id = threading.message_id(other_company.company_id, theirs.ticket_id, "received").replace(
        other_company.company_id, company.company_id
    )
    their_token = threading.reply_address(ticket_handle(other_company), other_company.company_id, theirs.ticket_id)
    ours_token = their_token.replace(ticket_handle(other_company), ticket_handle(company))
    raw = fixture("02_gmail_reply_en.eml", in_reply_to=forged_id, references=forged_id, reply_to=ours_token)
    raw = raw.replace(b"Message-ID: <CAF7kK9vN3=gmail02", b"Message-ID: <forged-" + company.company_id.encode())
    raw = raw.replace(b"{{DESK}}", desk_address(company.company_id).encode())
    outcome = deliver(client, raw)
    assert outcome["company_id"] == company.company_id and outcome["status"] == "ticket"
    assert len(thread(other_company.company_id, theirs.ticket_id)) == 1


def test_a_reply_to_a_resolved_ticket_reopens_it_and_to_a_closed_one_opens_a_follow_up(
    company: Company, client: Client
) -> None:
    _outcome, ticket = _new(company, client, "01_gmail_new_en.eml")
    agent = company.add_agent("Ada")
    key = agent_replies(agent, ticket.ticket_id, "Fixed.")
    assert agent.call("POST", f"/tickets/{ticket.ticket_id}/resolve")[0] == 200
    headers = notification_of_reply(company.company_id, ticket.ticket_id, key)
    outcome = deliver(client, fixture("02_gmail_reply_en.eml", **headers))
    assert outcome["status"] == "reply"
    reopened = Ticket.get(company.company_id, ticket.ticket_id)
    assert reopened.status == "assigned" and reopened.resolved_at is None

    Ticket(company.company_id, ticket.ticket_id).update(actions=[Ticket.status.set("closed")])
    again = fixture("02_gmail_reply_en.eml", **headers).replace(b"gmail02@", b"gmail02b@")
    outcome = deliver(client, again)
    assert outcome["status"] == "ticket" and outcome["reason"] == "follow-up of a closed ticket"
    assert outcome["ticket_id"] != ticket.ticket_id
    [follow_up] = thread(company.company_id, outcome["ticket_id"])
    assert follow_up.body == "That worked, the fuser was loose. Thank you!"


def test_a_second_mail_replying_to_the_customers_own_first_mail_joins_its_ticket(
    company: Company, client: Client
) -> None:
    _outcome, ticket = _new(company, client, "01_gmail_new_en.eml")
    own_first = "<CAF7kK9vN3=gmail01@mail.gmail.com>"
    raw = fixture("02_gmail_reply_en.eml", in_reply_to=own_first, references=own_first, reply_to="x@example.com")
    raw = raw.replace(b"{{DESK}}", desk_address(company.company_id).encode())
    outcome = deliver(client, raw)
    assert outcome["status"] == "reply" and outcome["ticket_id"] == ticket.ticket_id


# ---------------------------------------------------------------- junk and loops

JUNK = [
    ("18_auto_reply_en.eml", "auto-submitted: auto-replied"),
    ("19_auto_reply_ru.eml", "auto-reply"),
    ("20_bounce_dsn.eml", "bounce or system mail"),
    ("21_newsletter_bulk.eml", "precedence: bulk"),
    ("22_ses_spam_fail.eml", "spam"),
]


@pytest.mark.parametrize(("name", "reason"), JUNK)
def test_auto_replies_bounces_bulk_and_spam_make_no_ticket(
    company: Company, client: Client, name: str, reason: str
) -> None:
    outcome = deliver(client, fixture(name, desk=desk_address(company.company_id)))
    assert outcome["status"] == "dropped" and outcome["reason"] == reason
    assert _tickets(company) == []


def test_mail_from_the_desk_itself_or_carrying_its_own_message_id_is_a_loop(company: Company, client: Client) -> None:
    desk = desk_address(company.company_id)
    from_desk = fixture("01_gmail_new_en.eml", desk=desk).replace(
        b"ann.gmail@example.com", b"support@servicedesk.local"
    )
    assert deliver(client, from_desk)["reason"] == "loop: from the desk itself"
    ours = threading.message_id(company.company_id, "tkt_" + "0" * 32, "received")
    echoed = fixture("01_gmail_new_en.eml", desk=desk).replace(b"<CAF7kK9vN3=gmail01@mail.gmail.com>", ours.encode())
    assert deliver(client, echoed)["reason"] == "loop: a message the desk sent"
    assert _tickets(company) == []


def test_a_sender_over_the_hourly_limit_is_dropped(
    company: Company, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(receive, "SENDER_LIMIT_PER_HOUR", 2)
    desk = desk_address(company.company_id)
    outcomes = [
        deliver(client, fixture("01_gmail_new_en.eml", desk=desk).replace(b"gmail01@", f"rate{n}@".encode()))
        for n in range(3)
    ]
    assert [o["status"] for o in outcomes] == ["ticket", "merged", "dropped"]
    assert outcomes[2]["reason"] == "rate-limited"


# ---------------------------------------------------------------- exactly once


def test_the_same_object_delivered_three_times_gives_one_ticket_and_one_message(
    company: Company, client: Client
) -> None:
    raw = fixture("01_gmail_new_en.eml", desk=desk_address(company.company_id))
    key = store(raw)
    outcomes = [deliver(client, raw, key) for _ in range(3)]
    assert [o["status"] for o in outcomes] == ["ticket", "duplicate", "duplicate"]
    assert {o["ticket_id"] for o in outcomes} == {outcomes[0]["ticket_id"]}
    [ticket] = _tickets(company)
    assert len(thread(company.company_id, ticket.ticket_id)) == 1 and int(ticket.message_count) == 1


def test_the_same_message_id_stored_twice_gives_one_message_also_for_a_reply(company: Company, client: Client) -> None:
    _outcome, ticket = _new(company, client, "01_gmail_new_en.eml")
    agent = company.add_agent("Ada")
    headers = notification_of_reply(company.company_id, ticket.ticket_id, agent_replies(agent, ticket.ticket_id, "Hi"))
    reply = fixture("02_gmail_reply_en.eml", **headers)
    assert [deliver(client, reply)["status"] for _ in range(2)] == ["reply", "duplicate"]
    assert len(thread(company.company_id, ticket.ticket_id)) == 3
    record = ReceivedMail.get(company.company_id, receive.message_key("<CAF7kK9vN3=gmail02@mail.gmail.com>"))
    assert record.ticket_id == ticket.ticket_id and record.thread_message is not None


# ---------------------------------------------------------------- bad input


def test_bad_messages_are_refused_or_quarantined_and_the_rest_of_the_batch_is_processed(
    company: Company, client: Client
) -> None:
    desk = desk_address(company.company_id)
    bad = {
        name: store(fixture(name, desk=desk))
        for name in ("24_header_injection.eml", "25_malformed_mime.eml", "26_no_sender.eml")
    }
    good_raw = fixture("01_gmail_new_en.eml", desk=desk)
    good = store(good_raw)
    huge = store(b"X" * 1024)  # its event says 30 MB: refused before it is read
    event = s3_event(
        (bad["24_header_injection.eml"], 500),
        (bad["25_malformed_mime.eml"], 500),
        (good, len(good_raw)),
        (bad["26_no_sender.eml"], 500),
        (huge, 30 * 1024 * 1024),
    )
    payload = invoke(client, event)
    statuses = [(r["outcomes"][0]["status"], r["outcomes"][0].get("reason")) for r in payload["results"]]
    assert statuses == [
        ("refused", "header-injection"),
        ("quarantined", "malformed-mime"),
        ("ticket", None),
        ("refused", "no-sender"),
        ("refused", "too-large"),
    ]
    assert len(_tickets(company)) == 1  # nothing half-written for the bad ones
    kept = storage.s3_client().head_object(
        Bucket=storage.bucket(), Key=bad["25_malformed_mime.eml"].replace("inbound/", "quarantine/")
    )
    assert kept["Metadata"]["reason"] == "malformed-mime"


def test_a_message_that_fails_unexpectedly_fails_the_invocation_after_the_others_are_done(
    company: Company, client: Client
) -> None:
    good_raw = fixture("01_gmail_new_en.eml", desk=desk_address(company.company_id))
    good = store(good_raw)
    with pytest.raises(RuntimeError, match="1 of 2 messages failed"):
        invoke(client, s3_event(("inbound/does-not-exist", 100), (good, len(good_raw))))
    assert len(_tickets(company)) == 1
    again = invoke(client, s3_event((good, len(good_raw))))  # Lambda's retry: done ones are skipped
    assert again["results"][0]["outcomes"][0]["status"] == "duplicate"


# ---------------------------------------------------------------- cost


def test_dynamodb_requests_per_inbound_message(company: Company, client: Client) -> None:
    """A new ticket from a new customer and a reply: the figures the README and the cost model quote."""
    desk = desk_address(company.company_id)
    raw = fixture("01_gmail_new_en.eml", desk=desk)
    key = store(raw)
    with dynamodb_requests() as new_ticket:
        assert deliver(client, raw, key)["status"] == "ticket"
    # addresses + (company, record) batch, rate, customer, transaction
    assert sum(v for k, v in new_ticket.items() if " " not in k) == 5, new_ticket
    [ticket] = _tickets(company)
    agent = company.add_agent("Ada")
    headers = notification_of_reply(company.company_id, ticket.ticket_id, agent_replies(agent, ticket.ticket_id, "Hi"))
    reply = fixture("02_gmail_reply_en.eml", **headers)
    reply_key = store(reply)
    with dynamodb_requests() as replied:
        assert deliver(client, reply, reply_key)["status"] == "reply"
    # addresses, (company, record, referenced records) batch, rate, ticket, transaction
    assert sum(v for k, v in replied.items() if " " not in k) == 5, replied
    with dynamodb_requests() as duplicate:
        assert deliver(client, reply, reply_key)["status"] == "duplicate"
    assert sum(v for k, v in duplicate.items() if " " not in k) == 2, duplicate


def test_control_and_format_characters_are_taken_out_not_refused(company: Company, client: Client) -> None:
    desk = desk_address(company.company_id)
    raw = (
        "From: Zed <zed@example.com>\r\nTo: " + desk + "\r\nSubject: =?utf-8?q?Bell=07_and_zero=E2=80=8Bwidth?=\r\n"
        "Message-ID: <control@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\nLine=E2=80=8B one=0C\r\n\ttabbed =EF=BB=BFline\r\n"
    ).encode()
    outcome = deliver(client, raw)
    assert outcome["status"] == "ticket", outcome
    ticket = Ticket.get(company.company_id, outcome["ticket_id"])
    assert ticket.subject == "Bell and zerowidth"
    [message] = thread(company.company_id, ticket.ticket_id)
    assert message.body == "Line one\n\ttabbed line"
