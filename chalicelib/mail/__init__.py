"""Outgoing e-mail through SES: one lazily created client, real MIME multipart/alternative messages
(plain text + HTML) with threading headers and RFC 2047 names and subjects that keep every character,
and a suppression list that is checked before every send."""

from __future__ import annotations

import binascii
import functools
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime, make_msgid
from typing import Any
from urllib.parse import quote_plus

import boto3
from botocore.config import Config
from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from chalicelib.clock import utcnow
from chalicelib.db.base import table_meta
from chalicelib.mail import headers, threading
from chalicelib.settings import get_settings


class Suppression(Model):
    """Addresses that must never get mail (bounces, complaints, unsubscribes), across companies."""

    Meta = table_meta("mail_suppressions")

    email = UnicodeAttribute(hash_key=True)  # lower-case
    reason = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str
    sender_name: str | None = None
    language: str = "en"
    to_name: str | None = None
    # Message-ID, In-Reply-To, References, Reply-To (chalicelib/mail/threading.py); a fresh Message-ID otherwise
    headers: Mapping[str, str] = field(default_factory=dict)
    automatic: bool = True  # Auto-Submitted: auto-generated (RFC 3834): auto-responders stay quiet


@functools.cache
def ses_client() -> Any:
    settings = get_settings()
    client = boto3.client(
        "ses",
        region_name=settings.region,
        endpoint_url=settings.ses_endpoint,
        config=Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 3, "mode": "standard"}),
    )
    client.meta.events.register("before-call.ses.SendRawEmail", form_encoded_once)
    if settings.ses_endpoint and settings.is_local:
        # A local SES (moto) refuses unverified senders; on AWS the identity is set up by the deploy.
        client.verify_email_identity(EmailAddress=settings.mail_from)
    return client


_BASE64 = re.compile(r"[A-Za-z0-9+/=]*")


def _form_value(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    if _BASE64.fullmatch(text):  # the raw message, base64: three replacements instead of a walk
        return text.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    return quote_plus(text)


def form_encoded_once(params: dict[str, Any], **_: Any) -> None:
    """botocore form-encodes a query request's body when it signs it and again when it sends it, each
    time quoting the base64 raw message character by character in Python (a third of a mailing route's
    time); the same encoding done once, as the string botocore then sends as it is."""
    body = params.get("body")
    if isinstance(body, dict):
        params["body"] = "&".join(f"{quote_plus(str(key))}={_form_value(value)}" for key, value in body.items())


def suppression_key(email: str) -> tuple[type[Suppression], str, None]:
    """The address's suppression item as `get_many` takes it: a caller reading other items by key reads
    this one with them, and passes what it found to `send` (`suppressed=`)."""
    return (Suppression, email.strip().lower(), None)


def require_not_suppressed(tx: Any, email: str) -> None:
    """A ConditionCheck in the transaction `tx` (a pynamodb TransactWrite): it commits only while the
    address is not suppressed, for writes worth making only if mail can go there (an invitation's link).
    PynamoDB sends condition checks first: a cancellation reason at index 0 is this one."""
    tx.condition_check(Suppression, email.strip().lower(), condition=Suppression.email.does_not_exist())


def is_suppressed(email: str) -> bool:
    try:
        Suppression.get(email.strip().lower())
    except Suppression.DoesNotExist:
        return False
    return True


def suppress(email: str, reason: str) -> None:
    Suppression(email.strip().lower(), reason=reason, created_at=utcnow()).save()


def ascii_address(address: str) -> str:
    """The address as SES takes it; `Undeliverable` when no mail system would take it (an address
    stored before the intake checked addresses)."""
    from chalicelib.mail.addresses import AddressRefused, check

    try:
        return check(address).ascii
    except AddressRefused as error:
        raise Undeliverable(str(error)) from None


_OWN_HEADERS = ("Message-ID", "In-Reply-To", "References", "Reply-To")


def mime_bytes(mail: Mail, now: datetime | None = None, to: str | None = None) -> bytes:
    """The whole message: headers written by chalicelib.mail.headers (RFC 2047 without lost spaces), then a
    multipart/alternative body (text, HTML; `alternative`). `to`: the recipient's address as
    `ascii_address` gave it, when the caller has it already."""
    settings = get_settings()
    lines = [
        ("From", headers.address(mail.sender_name, settings.mail_from)),
        ("To", headers.address(mail.to_name, to or ascii_address(mail.to))),
        ("Subject", headers.unstructured(mail.subject)),
        ("Date", format_datetime(now or utcnow())),
        ("Message-ID", mail.headers.get("Message-ID") or make_msgid(domain=threading.sending_domain())),
    ]
    for name in _OWN_HEADERS[1:]:
        if mail.headers.get(name):
            value = mail.headers[name]
            lines.append((name, headers.id_list(value.split()) if name == "References" else value))
    if mail.automatic:
        lines += [("Auto-Submitted", "auto-generated"), ("X-Auto-Response-Suppress", "All")]
    lines.append(("Content-Language", mail.language))
    head = "".join(f"{name}: {value}\r\n" for name, value in lines)
    return head.encode("ascii") + alternative(mail.text, mail.html)


def alternative(text: str, html: str) -> bytes:
    """MIME-Version and a multipart/alternative body of two UTF-8 parts in quoted-printable, CRLF line
    ends, lines of at most 76 characters: what the standard library's EmailMessage makes with
    set_content / add_alternative, written directly (the library's generator cost more than a millisecond
    of every mailing request). The boundary starts with "=_", which quoted-printable never writes."""
    boundary = f"=_{secrets.token_hex(16)}"
    part = (
        f'--{boundary}\r\nContent-Type: text/%s; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
    )
    return b"".join(
        (
            f'MIME-Version: 1.0\r\nContent-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n\r\n'.encode(),
            (part % "plain").encode(),
            _quoted_printable(text),
            b"\r\n",
            (part % "html").encode(),
            _quoted_printable(html),
            f"\r\n--{boundary}--\r\n".encode(),
        )
    )


def _quoted_printable(text: str) -> bytes:
    """The text's lines ending in CRLF (one added at the end, as the standard library does), encoded; a
    first line ending in CRLF makes binascii break long lines with CRLF too."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    if not lines.endswith("\n"):
        lines += "\n"
    return binascii.b2a_qp(lines.replace("\n", "\r\n").encode("utf-8"), istext=True)


def send(mail: Mail, suppressed: bool | None = None) -> str:
    """Send one message (multipart/alternative); returns SES's message id. Suppressed addresses raise
    `Suppressed`, addresses no mail system takes raise `Undeliverable`. `suppressed`: what the caller
    read of the suppression list in this request (with other items, `suppression_key`); None reads it."""
    if is_suppressed(mail.to) if suppressed is None else suppressed:
        raise Suppressed(mail.to)
    to = ascii_address(mail.to)  # checked once: the header and the envelope use the same
    raw = mime_bytes(mail, to=to)
    response = ses_client().send_raw_email(Source=get_settings().mail_from, Destinations=[to], RawMessage={"Data": raw})
    return str(response["MessageId"])


class Suppressed(Exception):
    """The address is on the suppression list."""


class Undeliverable(Exception):
    """No mail system would take this address."""
