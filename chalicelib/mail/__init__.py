"""Outgoing e-mail through SES: one lazily created client, real MIME multipart/alternative messages
(plain text + HTML), and a suppression list that is checked before every send."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

import boto3
from botocore.config import Config
from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from chalicelib import observability
from chalicelib.clock import utcnow
from chalicelib.db.base import table_meta
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


@functools.cache
def ses_client() -> Any:
    settings = get_settings()
    client = boto3.client(
        "ses",
        region_name=settings.region,
        endpoint_url=settings.ses_endpoint,
        config=Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 3, "mode": "standard"}),
    )
    if settings.ses_endpoint and settings.is_local:
        # A local SES (moto) refuses unverified senders; on AWS the identity is set up by the deploy.
        client.verify_email_identity(EmailAddress=settings.mail_from)
    return client


def is_suppressed(email: str) -> bool:
    try:
        Suppression.get(email.strip().lower())
    except Suppression.DoesNotExist:
        return False
    return True


def suppress(email: str, reason: str) -> None:
    Suppression(email.strip().lower(), reason=reason, created_at=utcnow()).save()


def build_mime(mail: Mail) -> EmailMessage:
    settings = get_settings()
    message = EmailMessage()
    message["Subject"] = mail.subject
    message["From"] = formataddr((mail.sender_name, settings.mail_from)) if mail.sender_name else settings.mail_from
    message["To"] = mail.to
    message["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2] or None)
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    message["Content-Language"] = mail.language  # after the content: set_content clears Content-* headers
    return message


def send(mail: Mail) -> str:
    """Send one message (multipart/alternative); returns SES's message id. Suppressed addresses raise."""
    if is_suppressed(mail.to):
        raise Suppressed(mail.to)
    message = build_mime(mail)
    response = ses_client().send_raw_email(
        Source=get_settings().mail_from, Destinations=[mail.to], RawMessage={"Data": message.as_bytes()}
    )
    observability.count(observability.EMAILS_SENT)
    return str(response["MessageId"])


class Suppressed(Exception):
    """The address is on the suppression list."""
