"""The two formats outgoing notifications and incoming mail share: the desk's Message-IDs and the
per-ticket Reply-To address. Pure functions, no table reads.

Message-ID. Every message the desk sends for a ticket gets a deterministic id per (company, ticket,
event key), e.g. `<tkt_….co_….1f2e3d4c5b.9a8b7c6d5e4f3a2b@example.com>`: it names the ticket and the
company and carries a short HMAC (a key derived for this purpose from the app secret), so an
In-Reply-To or References value maps back to the ticket without a table read and cannot be forged to
point at another company's ticket. SES replaces the Message-ID header of everything it sends with its
own (SES developer guide, "header fields"), but keeps In-Reply-To and References: so every
notification also names the ticket's thread root (`thread_root`) in both, and a customer's reply
carries it in References whatever SES did to the Message-ID. `notification_headers` gives all of it.

Event keys (the notifications of issue 14 use these): `EVENT_RECEIVED` ("we got your message"),
`EVENT_RESOLVED`, and `reply_event(message key)` for an agent's public reply, where the message key is
the thread message's range key (chalicelib.db.models.Message.message_id).

Reply-To. `<handle>+<token>@<inbound domain>`: the handle is the company's (its inbound address is
`<handle>@<inbound domain>`, chalicelib/inbound/addresses.py), the token is the ticket id and a 40-bit
HMAC over (company, ticket) in lower-case base32 (mail systems may change the case of a local part).
The whole local part stays within RFC 5321's 64 octets. A token is only a hint: incoming mail is
threaded by it only when its sender is the ticket's customer (a forwarded or guessed token opens a
new ticket instead).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

from chalicelib.keys import derive_key
from chalicelib.settings import get_settings

EVENT_TICKET = "ticket"  # the thread's root: named in every notification's In-Reply-To and References
EVENT_RECEIVED = "received"
EVENT_RESOLVED = "resolved"

_ID = r"[a-z]{2,4}_[0-9a-f]{32}"
_MESSAGE_ID = re.compile(rf"^<?({_ID})\.({_ID})\.([0-9a-f]{{10}})\.([0-9a-f]{{16}})@([^<>@\s]+)>?$")
_TICKET_ID = re.compile(r"^tkt_([0-9a-f]{32})$")
_HANDLE = re.compile(r"^[a-z0-9][a-z0-9-]{2,22}[a-z0-9]$")
_TOKEN = re.compile(r"^[a-z2-7]{34}$")
_MSG_IDS = re.compile(r"<[^<>\s]{1,900}>")
_REPLY_MAC_BYTES = 5


@dataclass(frozen=True)
class TicketRef:
    company_id: str
    ticket_id: str


@dataclass(frozen=True)
class ReplyToken:
    """A parsed reply address: not yet trusted (see `verify_reply`)."""

    handle: str
    ticket_id: str
    mac: bytes


def reply_event(message_key: str) -> str:
    """The event key of the notification for an agent's public reply (the thread message's key)."""
    return f"reply:{message_key}"


def _mac(purpose: str, *parts: str) -> bytes:
    return hmac.new(derive_key(f"mail:{purpose}"), "\n".join(parts).encode(), hashlib.sha256).digest()


def _event_digest(event_key: str) -> str:
    return hashlib.sha256(event_key.encode()).hexdigest()[:10]


def sending_domain() -> str:
    return get_settings().mail_from.rpartition("@")[2] or "servicedesk.local"


def message_id(company_id: str, ticket_id: str, event_key: str) -> str:
    """`<ticket.company.event.mac@sending domain>`: the same inputs always give the same id."""
    event = _event_digest(event_key)
    mac = _mac("message-id", company_id, ticket_id, event).hex()[:16]
    return f"<{ticket_id}.{company_id}.{event}.{mac}@{sending_domain()}>"


def thread_root(company_id: str, ticket_id: str) -> str:
    return message_id(company_id, ticket_id, EVENT_TICKET)


def parse_message_id(value: str) -> TicketRef | None:
    """The ticket a Message-ID the desk made names; None for anyone else's id or a forged one."""
    found = _MESSAGE_ID.match(value.strip())
    if not found:
        return None
    ticket_id, company_id, event, mac = found.group(1, 2, 3, 4)
    expected = _mac("message-id", company_id, ticket_id, event).hex()[:16]
    if not hmac.compare_digest(mac, expected):
        return None
    return TicketRef(company_id, ticket_id)


def message_ids(header_value: str | None) -> list[str]:
    """The `<...>` ids of an In-Reply-To or References value, in order (junk between them is skipped)."""
    if not header_value:
        return []
    return _MSG_IDS.findall(str(header_value))


def normalize_message_id(value: str) -> str:
    """One spelling per id: angle brackets, no surrounding space."""
    value = value.strip()
    return value if value.startswith("<") and value.endswith(">") else f"<{value.strip('<>')}>"


def inbound_address(handle: str) -> str:
    """A company's own address on the deployment's inbound domain."""
    return f"{handle}@{get_settings().inbound_mail_domain}"


def reply_address(handle: str, company_id: str, ticket_id: str) -> str:
    """The Reply-To of every notification about the ticket."""
    found = _TICKET_ID.match(ticket_id)
    if not found or not _HANDLE.match(handle):
        raise ValueError("reply addresses are made for tkt_ ids and company handles only")
    mac = _mac("reply-to", company_id, ticket_id)[:_REPLY_MAC_BYTES]
    token = base64.b32encode(bytes.fromhex(found.group(1)) + mac).decode().rstrip("=").lower()
    return f"{handle}+{token}@{get_settings().inbound_mail_domain}"


def parse_reply_address(address: str) -> ReplyToken | None:
    """The handle and ticket of a reply address on the inbound domain; None for any other address."""
    local, _, domain = address.strip().strip("<>").lower().rpartition("@")
    handle, plus, token = local.partition("+")
    if domain != get_settings().inbound_mail_domain or not plus or not _HANDLE.match(handle):
        return None
    if not _TOKEN.match(token):
        return None
    raw = base64.b32decode(token.upper() + "=" * (-len(token) % 8))
    if base64.b32encode(raw).decode().rstrip("=").lower() != token:
        return None  # the last character's spare bits are not zero: one token, one spelling
    return ReplyToken(handle, f"tkt_{raw[:16].hex()}", raw[16:])


def verify_reply(token: ReplyToken, company_id: str) -> bool:
    """Whether the token was made by the desk for this company's ticket."""
    expected = _mac("reply-to", company_id, token.ticket_id)[:_REPLY_MAC_BYTES]
    return hmac.compare_digest(token.mac, expected)


def notification_headers(
    handle: str | None, company_id: str, ticket_id: str, event_key: str, parent_event: str | None = None
) -> dict[str, str]:
    """The threading headers of one notification (issue 14 sets these on every message it sends).

    `parent_event` names the message this one answers (the ticket's first notification, whose id needs
    no table read): In-Reply-To names it and References the root and it, so mail clients show the
    ticket's mails as one thread under the first. Without a handle there is no Reply-To (agents' mail:
    their replies belong in the desk, not in the customer's thread)."""
    root = thread_root(company_id, ticket_id)
    own = message_id(company_id, ticket_id, event_key)
    headers = {"Message-ID": own}
    if handle:
        headers["Reply-To"] = reply_address(handle, company_id, ticket_id)
    chain = [root]
    if parent_event and parent_event not in (event_key, EVENT_TICKET):
        chain.append(message_id(company_id, ticket_id, parent_event))
    if own != root:
        headers["In-Reply-To"] = chain[-1]
        headers["References"] = " ".join(chain)
    return headers


def subject_reference(ticket_id: str) -> str:
    """The ticket's short reference people see in subjects and pages, e.g. `#7F3A9C21` (a hint only:
    threading goes by the headers)."""
    found = _TICKET_ID.match(ticket_id)
    return f"#{(found.group(1) if found else ticket_id)[:8].upper()}"
