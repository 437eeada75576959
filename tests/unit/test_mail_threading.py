"""The formats outgoing notifications and incoming mail share (chalicelib/mail/threading.py)."""

from __future__ import annotations

import email.policy
from email.message import EmailMessage

import pytest

from chalicelib.ids import new_id
from chalicelib.mail import threading

COMPANY, OTHER = new_id("co"), new_id("co")
TICKET = new_id("tkt")
HANDLE = "acme-k3x9q2"


def test_a_message_id_is_the_same_for_the_same_company_ticket_and_event_and_names_the_ticket() -> None:
    first = threading.message_id(COMPANY, TICKET, threading.EVENT_RECEIVED)
    assert first == threading.message_id(COMPANY, TICKET, threading.EVENT_RECEIVED)
    assert first != threading.message_id(COMPANY, TICKET, threading.EVENT_RESOLVED)
    assert first != threading.message_id(COMPANY, TICKET, threading.reply_event("2026-01-01T00:00:00#ab"))
    assert first.startswith("<") and first.endswith("@servicedesk.local>") and TICKET in first
    assert threading.parse_message_id(first) == threading.TicketRef(COMPANY, TICKET)


def test_a_message_id_survives_a_mime_round_trip_in_in_reply_to_and_references() -> None:
    root = threading.thread_root(COMPANY, TICKET)
    reply = threading.message_id(COMPANY, TICKET, threading.reply_event("m1"))
    message = EmailMessage(policy=email.policy.default)
    message["In-Reply-To"] = reply
    message["References"] = f"{root} {reply}"
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    ids = threading.message_ids(parsed["References"])
    assert ids == [root, reply]
    assert {threading.parse_message_id(i) for i in ids} == {threading.TicketRef(COMPANY, TICKET)}


@pytest.mark.parametrize(
    "tamper",
    [
        lambda mid: mid.replace(COMPANY, OTHER),  # pointed at another company's ticket
        lambda mid: mid.replace(TICKET, new_id("tkt")),  # at another ticket
        lambda mid: mid[:-25] + ("0" if mid[-25] != "0" else "1") + mid[-24:],  # a changed MAC digit
        lambda mid: mid.replace("@servicedesk.local", ""),  # not an id at all
    ],
)
def test_a_forged_or_altered_message_id_maps_to_no_ticket(tamper) -> None:  # type: ignore[no-untyped-def]
    original = threading.message_id(COMPANY, TICKET, threading.EVENT_RECEIVED)
    forged = tamper(original)
    assert forged != original
    assert threading.parse_message_id(forged) is None


def test_other_peoples_message_ids_are_not_the_desks() -> None:
    for value in ("<CAF=abc@mail.gmail.com>", "<0100018e@email.amazonses.com>", "", "<>", "garbage"):
        assert threading.parse_message_id(value) is None


def test_message_ids_are_found_in_folded_and_messy_header_values() -> None:
    value = "<a@x>\r\n <b@y>  junk <c@z>,<d@w>"
    assert threading.message_ids(value) == ["<a@x>", "<b@y>", "<c@z>", "<d@w>"]
    assert threading.message_ids(None) == [] and threading.message_ids("no ids") == []
    assert threading.normalize_message_id(" a@x ") == "<a@x>"
    assert threading.normalize_message_id("<a@x>") == "<a@x>"


def test_the_reply_address_carries_a_signed_token_within_64_octets_and_parses_back() -> None:
    address = threading.reply_address(HANDLE, COMPANY, TICKET)
    local, _, domain = address.partition("@")
    assert domain == "in.servicedesk.local" and local.startswith(HANDLE + "+")
    assert len(local) <= 64 and local == local.lower()
    token = threading.parse_reply_address(address)
    assert token is not None and token.handle == HANDLE and token.ticket_id == TICKET
    assert threading.verify_reply(token, COMPANY)
    assert not threading.verify_reply(token, OTHER)  # another company's token does not pass
    # mail systems may change the case of an address; display names and brackets are fine
    upper = threading.parse_reply_address(f"<{address.upper()}>")
    assert upper is not None and threading.verify_reply(upper, COMPANY)


def test_a_guessed_or_altered_reply_token_does_not_verify() -> None:
    address = threading.reply_address(HANDLE, COMPANY, TICKET)
    local, _, domain = address.partition("@")
    for position in (-2, -5, -12):  # a MAC digit, a ticket digit
        flipped = local[:position] + ("a" if local[position] != "a" else "b") + local[position + 1 :]
        token = threading.parse_reply_address(f"{flipped}@{domain}")
        assert token is not None and not threading.verify_reply(token, COMPANY)
    # the last base32 digit carries two unused bits: only its one canonical spelling parses
    last = local[-1]
    alias = next(c for c in "abcdefghijklmnopqrstuvwxyz234567" if c != last and c[0] != last)
    aliased = threading.parse_reply_address(f"{local[:-1]}{alias}@{domain}")
    assert aliased is None or not threading.verify_reply(aliased, COMPANY)
    other_ticket = threading.reply_address(HANDLE, COMPANY, new_id("tkt"))
    spliced = local.split("+")[0] + "+" + other_ticket.split("+")[1].split("@")[0][:26] + local[-8:]
    token = threading.parse_reply_address(f"{spliced}@{domain}")
    assert token is not None and not threading.verify_reply(token, COMPANY)


@pytest.mark.parametrize(
    "address",
    [
        f"{HANDLE}@in.servicedesk.local",  # the company address, no token
        f"{HANDLE}+short@in.servicedesk.local",
        f"{HANDLE}+{'a' * 34}@elsewhere.example",  # not the inbound domain
        "ann@example.com",
        "",
        "+@in.servicedesk.local",
        f"{HANDLE}+{'1' * 34}@in.servicedesk.local",  # not base32
    ],
)
def test_addresses_that_are_not_reply_addresses_parse_to_nothing(address: str) -> None:
    assert threading.parse_reply_address(address) is None


def test_reply_addresses_are_only_made_for_real_ticket_ids_and_handles() -> None:
    with pytest.raises(ValueError):
        threading.reply_address(HANDLE, COMPANY, "tkt_not-hex")
    with pytest.raises(ValueError):
        threading.reply_address("Bad Handle", COMPANY, TICKET)


def test_notification_headers_name_the_thread_root_so_replies_thread_even_when_ses_replaces_the_message_id() -> None:
    headers = threading.notification_headers(HANDLE, COMPANY, TICKET, threading.reply_event("m1"))
    root = threading.thread_root(COMPANY, TICKET)
    assert headers["In-Reply-To"] == root and headers["References"] == root
    assert headers["Message-ID"] == threading.message_id(COMPANY, TICKET, threading.reply_event("m1"))
    assert headers["Reply-To"] == threading.reply_address(HANDLE, COMPANY, TICKET)
    # the root itself (were it ever sent) refers to nothing
    assert "References" not in threading.notification_headers(HANDLE, COMPANY, TICKET, threading.EVENT_TICKET)
