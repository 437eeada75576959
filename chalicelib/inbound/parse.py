"""Raw MIME to what the desk needs, with the standard library's `email` package and its modern
policy (RFC 2047 encoded words, RFC 2231 parameters, any charset Python has a codec for).

Bad input raises `Refused` (nothing is kept: too large, no sender, header injection, a MIME bomb) or
`Quarantined` (the structure cannot be read: the raw mail is kept aside for a person), each with a
reason that is logged; nothing from the message is written before it is fully parsed.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from email import errors
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr

from chalicelib.inbound import text as texts
from chalicelib.mail import threading

MAX_MESSAGE_BYTES = 25 * 1024 * 1024  # SES stores up to 40 MB; a ticket needs far less
MAX_PARTS = 100
MAX_DEPTH = 8
MAX_TEXT_CHARS = 20_000  # the thread's limit (chalicelib.tickets.schemas.Body)
_FOR = re.compile(r"\bfor\s+<?([^\s<>;]+@[^\s<>;]+?)>?\s*;", re.IGNORECASE)
_UNREADABLE = (
    errors.NoBoundaryInMultipartDefect,
    errors.StartBoundaryNotFoundDefect,
    errors.MultipartInvariantViolationDefect,
)
_CHECKED_HEADERS = ("From", "Sender", "To", "Cc", "Subject", "Message-ID", "In-Reply-To", "References", "Reply-To")
_CONTROL = re.compile(r"[\r\n\x00]")


class Refused(Exception):
    """The message is not taken: nothing is written, the reason is logged."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Quarantined(Refused):
    """The message cannot be read: it is kept aside (quarantine/) for a person to look at."""


@dataclass
class Part:
    """A file of the message: an attachment, an inline image, a forwarded message."""

    filename: str | None
    content_type: str
    data: bytes
    inline: bool = False
    content_id: str | None = None


@dataclass
class ParsedMail:
    sender: str  # lower-case address
    sender_name: str
    subject: str
    message_id: str | None
    in_reply_to: list[str]
    references: list[str]
    recipients: list[str]  # envelope first (SES's Received "for"), then Delivered-To, X-Original-To, To, Cc
    text: str
    html_only: bool
    parts: list[Part] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names: the first (topmost) value
    content_type: str = "text/plain"
    truncated: bool = False

    @property
    def referenced_ids(self) -> list[str]:
        """In-Reply-To first, then References newest first: the order threading tries them."""
        seen: list[str] = []
        for value in [*self.in_reply_to, *reversed(self.references)]:
            if value not in seen:
                seen.append(value)
        return seen

    @property
    def language(self) -> str:
        letters = [c for c in self.text[:2000] if c.isalpha()]
        cyrillic = sum(1 for c in letters if "\u0400" <= c <= "\u04ff")
        return "ru" if letters and cyrillic / len(letters) > 0.5 else "en"


def parse(raw: bytes) -> ParsedMail:
    if len(raw) > MAX_MESSAGE_BYTES:
        raise Refused("too-large")
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        return _read(message)
    except Refused:
        raise
    except Exception as error:  # the parser itself failed on some structure: keep it for a person
        raise Quarantined(f"unparseable: {type(error).__name__}") from None


def _first(message: Message, name: str) -> str:
    values = message.get_all(name) or []
    return str(values[0]).strip() if values else ""


def _check_headers(message: Message) -> None:
    for name in _CHECKED_HEADERS:
        for value in message.get_all(name) or []:
            if _CONTROL.search(str(value)):
                raise Refused("header-injection")


def _sender(message: Message) -> tuple[str, str]:
    for name in ("From", "Sender", "Return-Path"):
        raw_value = _first(message, name)
        if not raw_value:
            continue
        display, address = parseaddr(raw_value)
        address = address.strip().lower()
        if "@" in address and not address.startswith("@") and " " not in address and len(address) <= 254:
            return address, " ".join(display.split())[:120]
    raise Refused("no-sender")


def _recipients(message: Message) -> list[str]:
    found: list[str] = []
    for received in message.get_all("Received") or []:
        found += [m.group(1) for m in _FOR.finditer(" ".join(str(received).split()) + ";")]
    for name in ("Delivered-To", "X-Original-To", "X-Forwarded-To", "To", "Cc"):
        values = [str(v) for v in message.get_all(name) or []]
        found += [address for _name, address in getaddresses(values) if "@" in address]
    result: list[str] = []
    for address in found:
        value = address.strip().strip("<>").lower()
        if value and value not in result:
            result.append(value)
    return result


def _decoded(part: Message) -> str:
    """A text part's content; an unknown or wrong charset falls back to UTF-8 with replacements."""
    try:
        content = part.get_content()  # type: ignore[attr-defined]
        if isinstance(content, str):
            return content
    except (LookupError, UnicodeError, AssertionError):
        pass
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    charset = part.get_content_charset() or "utf-8"
    try:
        return data.decode(charset, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def _walk(message: Message, depth: int = 0) -> list[Message]:
    """Leaf parts in order; a forwarded message (message/rfc822) is one leaf, not opened."""
    if depth > MAX_DEPTH:
        raise Refused("mime-too-deep")
    if message.get_content_type() == "message/rfc822" and depth > 0:
        return [message]
    if message.is_multipart():
        leaves: list[Message] = []
        for child in message.get_payload():
            if isinstance(child, Message):
                leaves += _walk(child, depth + 1)
        return leaves
    return [message]


def _read(message: EmailMessage) -> ParsedMail:
    _check_headers(message)
    if any(isinstance(defect, _UNREADABLE) for defect in message.defects):
        raise Quarantined("malformed-mime")
    sender, sender_name = _sender(message)
    leaves = _walk(message)
    if len(leaves) > MAX_PARTS:
        raise Refused("too-many-parts")
    for leaf in leaves:
        if any(isinstance(defect, _UNREADABLE) for defect in getattr(leaf, "defects", [])):
            raise Quarantined("malformed-mime")
    body_part = message.get_body(preferencelist=("plain", "html"))
    plain = _decoded(body_part) if body_part is not None else ""
    html_only = body_part is not None and body_part.get_content_type() == "text/html"
    body_parts = {id(body_part)}
    if body_part is not None and not html_only and not plain.strip():
        html_part = message.get_body(preferencelist=("html",))
        if html_part is not None:  # an empty text alternative next to a real HTML one
            body_part, html_only = html_part, True
            body_parts.add(id(html_part))
    if body_part is not None:
        alternative = message.get_body(preferencelist=("html",))  # the body's other rendering
        if alternative is not None:
            body_parts.add(id(alternative))
    body = texts.html_to_text(_decoded(body_part)) if html_only and body_part is not None else texts.tidy(plain)
    parts = [_part(leaf) for leaf in leaves if id(leaf) not in body_parts and _is_file(leaf)]
    subject = " ".join(str(message.get("Subject", "") or "").split())
    truncated = len(body) > MAX_TEXT_CHARS
    return ParsedMail(
        sender=sender,
        sender_name=sender_name or sender.partition("@")[0],
        subject=subject,
        message_id=_message_id(message),
        in_reply_to=threading.message_ids(_first(message, "In-Reply-To"))[:20],
        references=threading.message_ids(" ".join(str(v) for v in message.get_all("References") or []))[-50:],
        recipients=_recipients(message),
        text=body[:MAX_TEXT_CHARS],
        html_only=html_only,
        parts=parts,
        headers={name.lower(): _first(message, name) for name in set(message.keys())},
        content_type=message.get_content_type(),
        truncated=truncated,
    )


def _message_id(message: Message) -> str | None:
    ids = threading.message_ids(_first(message, "Message-ID"))
    return ids[0] if ids else None


def _is_file(part: Message) -> bool:
    if part.get_content_type() == "message/rfc822":
        return True
    if part.get_content_disposition() == "attachment" or part.get_filename() or part["Content-ID"]:
        return True
    return part.get_content_maintype() not in ("text", "multipart")


def _part(part: Message) -> Part:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        data = inner[0].as_bytes() if isinstance(inner, list) and inner and isinstance(inner[0], Message) else b""
    else:
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
    content_id = str(part["Content-ID"]).strip().strip("<>") if part["Content-ID"] else None
    filename = part.get_filename()
    return Part(
        filename=str(filename) if filename else None,
        content_type=part.get_content_type(),
        data=data,
        inline=part.get_content_disposition() == "inline" or (content_id is not None and not filename),
        content_id=content_id,
    )
