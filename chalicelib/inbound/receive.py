"""The S3 event handler's body: one stored message becomes a ticket, a thread reply, or nothing.

Per message: read the object (refused unread when too large), parse it, find the companies it was
sent to (the envelope recipient SES records, then the address headers: the company's own address,
a reply address, or an address a manager added), drop junk and loops, apply the per-sender rate
limit, then thread it:
1. In-Reply-To / References naming a Message-ID the desk sent (HMAC-checked, no read) or received
   (mail_messages);
2. a reply address's token, only when the sender is the ticket's customer;
3. otherwise a new ticket, with the intake's duplicate folding.
A reply to a resolved ticket reopens it (the ticket service's rule); to a closed one, opens a new one.

Exactly once: the message's record (by Message-ID, or the object key when it has none) is written in
the same transaction as the ticket or thread message, and read first: the same object delivered
again, or the same Message-ID stored twice, finds it and writes nothing.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote_plus

from pydantic import ValidationError
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.models import Model

from chalicelib import customers
from chalicelib.clock import utcnow
from chalicelib.db.base import get_many, is_condition_failure
from chalicelib.db.models import Company, Message, Ticket
from chalicelib.errors import Conflict, NotFound
from chalicelib.inbound import addresses, attachments, junk, storage, text
from chalicelib.inbound.authentication import from_verified
from chalicelib.inbound.models import ReceivedMail, SenderWindow
from chalicelib.inbound.parse import MAX_MESSAGE_BYTES, ParsedMail, Quarantined, Refused, parse
from chalicelib.mail import threading
from chalicelib.tickets import service
from chalicelib.tickets.schemas import IntakeTicket

logger = logging.getLogger(__name__)

MAX_COMPANIES = 5  # one message addressed to several desks becomes a ticket in each (at most this many)
SENDER_LIMIT_PER_HOUR = 30
NO_SUBJECT = {"en": "(no subject)", "ru": "(без темы)"}
NO_TEXT = {"en": "(no text)", "ru": "(без текста)"}
TRUNCATED = "\n\n[…]"


@dataclass(frozen=True)
class Outcome:
    status: str  # ticket | merged | reply | duplicate | dropped | refused | quarantined
    reason: str | None = None
    company_id: str | None = None
    ticket_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def handle_s3_event(event: Mapping[str, Any]) -> dict[str, Any]:
    """Every record of the batch is processed; if any failed unexpectedly the invocation fails after
    the others are done, so Lambda retries it (done messages are then found and skipped)."""
    results: list[dict[str, Any]] = []
    failed = 0
    for record in event.get("Records", []):
        s3 = record.get("s3", {})
        bucket, key = s3.get("bucket", {}).get("name", ""), unquote_plus(s3.get("object", {}).get("key", ""))
        try:
            outcomes = receive_object(bucket, key, int(s3.get("object", {}).get("size") or 0))
        except Exception:
            logger.exception("inbound mail failed", extra={"object_key": key})
            failed += 1
            continue
        results.append({"key": key, "outcomes": [o.as_dict() for o in outcomes]})
    if failed:
        raise RuntimeError(f"{failed} of {len(event.get('Records', []))} messages failed; a retry skips the rest")
    return {"results": results}


def _log(outcome: Outcome, key: str) -> Outcome:
    level = logging.WARNING if outcome.status in ("refused", "quarantined") else logging.INFO
    logger.log(level, "inbound mail %s", outcome.status, extra={"object_key": key, **outcome.as_dict()})
    return outcome


def receive_object(bucket: str, key: str, size: int) -> list[Outcome]:
    if not key.startswith(storage.INBOUND):
        return [_log(Outcome("dropped", "not an inbound object"), key)]
    if size > MAX_MESSAGE_BYTES:
        return [_log(Outcome("refused", "too-large"), key)]
    raw = storage.s3_client().get_object(Bucket=bucket, Key=key)["Body"].read(MAX_MESSAGE_BYTES + 1)
    try:
        mail = parse(raw)
    except Quarantined as problem:
        _quarantine(bucket, key, problem.reason)
        return [_log(Outcome("quarantined", problem.reason), key)]
    except Refused as problem:
        return [_log(Outcome("refused", problem.reason), key)]
    companies = _companies(mail)
    if not companies:
        return [_log(Outcome("dropped", "no desk address among the recipients"), key)]
    reason = junk.verdict(mail)
    if reason == "virus":
        _quarantine(bucket, key, reason)
        return [_log(Outcome("quarantined", reason), key)]
    if reason:
        return [_log(Outcome("dropped", reason), key)]
    return [_log(receive_for(company_id, mail, key), key) for company_id in companies]


def _quarantine(bucket: str, key: str, reason: str) -> None:
    target = storage.QUARANTINE + key.removeprefix(storage.INBOUND)
    storage.s3_client().copy_object(
        Bucket=bucket,
        Key=target,
        CopySource={"Bucket": bucket, "Key": key},
        Metadata={"reason": reason[:200]},
        MetadataDirective="REPLACE",
        ServerSideEncryption="AES256",
    )


def _companies(mail: ParsedMail) -> list[str]:
    """The companies the message was sent to, envelope recipient first."""
    lookups: dict[str, str] = {}  # address to look up -> the recipient it stands for
    for recipient in mail.recipients[:50]:
        token = threading.parse_reply_address(recipient)
        lookups.setdefault(threading.inbound_address(token.handle) if token else recipient, recipient)
    owners = addresses.owners(lookups)
    found: list[str] = []
    for address in lookups:
        company_id = owners.get(address)
        if company_id and company_id not in found:
            found.append(company_id)
    return found[:MAX_COMPANIES]


def message_key(value: str) -> str:
    return hashlib.sha256(threading.normalize_message_id(value).encode()).hexdigest()[:32]


def receive_for(company_id: str, mail: ParsedMail, object_key: str) -> Outcome:
    identity = mail.message_id or f"<{object_key}@s3.object>"
    own_key = message_key(identity)
    referenced = {message_key(value): value for value in mail.referenced_ids[:20]}
    referenced.pop(own_key, None)
    found = get_many(
        [
            (Company, company_id, None),
            (ReceivedMail, company_id, own_key),
            *[(ReceivedMail, company_id, key) for key in referenced],
        ],
        consistent_read=True,
    )
    company, seen, known = found[0], found[1], {r.message_key: r for r in found[2:] if r is not None}
    if company is None:
        return Outcome("dropped", "the company no longer exists", company_id)
    if seen is not None:
        return Outcome("duplicate", None, company_id, seen.ticket_id)
    if not _within_rate(company_id, mail.sender):
        return Outcome("dropped", "rate-limited", company_id)
    files = attachments.store(mail.parts, company_id, own_key)

    def record(ticket: Ticket, message: Message) -> list[Model]:
        return [
            ReceivedMail(
                company_id,
                own_key,
                message_id=identity[:998],
                ticket_id=ticket.ticket_id,
                thread_message=message.message_id,
                object_key=object_key[:1024],
                sender=mail.sender,
                received_at=utcnow(),
            )
        ]

    def done() -> bool:
        try:
            ReceivedMail.get(company_id, own_key, consistent_read=True)
        except ReceivedMail.DoesNotExist:
            return False
        return True

    sender_id = customers.customer_id_for(company_id, mail.sender)
    from_mail = service.FromMail(done, record, mail.sender, sender_id, tuple(files))
    target, how = _thread(company, mail, referenced, known, sender_id)
    if target is not None:
        try:
            ticket = service.add_customer_message(
                company_id, target.ticket_id, _body(mail, reply=True), from_mail, target
            )
        except Conflict as conflict:
            if conflict.slug != "ticket-closed":
                raise
            how = "follow-up of a closed ticket"
        else:
            return Outcome("reply", how, company_id, ticket.ticket_id)
    return _open(company, mail, from_mail, how, reply=target is not None, done=done)


def _thread(
    company: Company, mail: ParsedMail, referenced: dict[str, str], known: dict[str, ReceivedMail], sender_id: str
) -> tuple[Ticket | None, str | None]:
    """The ticket the message continues (and how it was found), or None for a new ticket. Only the ticket's
    customer continues it, and only when SES did not find their From forged: anyone else who holds a
    notification (forwarded, copied, guessed) opens a ticket of their own."""
    company_id = company.company_id
    if from_verified(mail) is False:
        return None, "sender's address not verified (DMARC failed)"
    for key, value in referenced.items():
        ref = threading.parse_message_id(value)
        ticket_id = ref.ticket_id if ref and ref.company_id == company_id else None
        if ticket_id is None and key in known:
            ticket_id = known[key].ticket_id
        if ticket_id:
            ticket = _ticket(company_id, ticket_id)
            if ticket is not None:
                if ticket.customer_id != sender_id:
                    return None, "reference used by another sender"
                return ticket, "in-reply-to" if value in mail.in_reply_to else "references"
    for recipient in mail.recipients:
        token = threading.parse_reply_address(recipient)
        if token is None or token.handle != company.inbound_handle or not threading.verify_reply(token, company_id):
            continue
        ticket = _ticket(company_id, token.ticket_id)
        if ticket is None:
            continue
        if ticket.customer_id != sender_id:
            return None, "reply address used by another sender"
        return ticket, "reply address"
    return None, None


def _ticket(company_id: str, ticket_id: str) -> Ticket | None:
    try:
        return service.load(company_id, ticket_id)
    except NotFound:
        return None


def _within_rate(company_id: str, sender: str, now: datetime | None = None) -> bool:
    now = now or utcnow()
    sender_hash = hashlib.sha256(sender.encode()).hexdigest()[:32]
    window = SenderWindow(company_id, f"{sender_hash}#{now:%Y-%m-%dT%H}")
    try:
        window.update(
            actions=[SenderWindow.sent.add(1), SenderWindow.expires_at.set(now + timedelta(days=2))],
        )
    except UpdateError:
        logger.exception("the sender's rate could not be counted; the message is taken")
        return True
    return int(window.sent or 0) <= SENDER_LIMIT_PER_HOUR


def _body(mail: ParsedMail, *, reply: bool) -> str:
    body = text.plain(text.reply_text(mail.text) if reply else mail.text)
    if mail.truncated:
        body = body[: 20_000 - len(TRUNCATED)] + TRUNCATED
    return body or NO_TEXT[mail.language]


def _open(
    company: Company, mail: ParsedMail, from_mail: service.FromMail, how: str | None, *, reply: bool, done: Any
) -> Outcome:
    language = mail.language
    try:
        request = IntakeTicket.model_validate(
            {
                "subject": text.one_line(mail.subject)[:200].strip() or NO_SUBJECT[language],
                "body": _body(mail, reply=reply or bool(mail.in_reply_to)),
                "customer_name": text.one_line(mail.sender_name)[:120].strip() or mail.sender,
                "customer_email": mail.sender,
                "channel": "email",
                "locale": language,
            }
        )
    except ValidationError:
        return Outcome("refused", "the sender's address or name is not usable", company.company_id)
    try:
        result = service.open_ticket_for(company, request, from_mail, merge=from_verified(mail) is not False)
    except TransactWriteError as error:
        if is_condition_failure(error) and done():  # a concurrent delivery of the same message won
            return Outcome("duplicate", None, company.company_id)
        raise
    return Outcome("merged" if result.merged else "ticket", how, company.company_id, result.ticket.ticket_id)
